"""Generated files, content-addressed: a file's name is the SHA-256 of its bytes, so the same
annex generated twice is stored once, and a name can be checked against what it holds (the web
service's store; the pipeline writes into it through pipeline.sinks.StoreSink)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Optional

from .atomic import write_atomic

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.is_file() or target.stat().st_size != len(data):
            write_atomic(target, data)
        return sha

    def get(self, sha256: str) -> Optional[bytes]:
        try:
            return self.path(sha256).read_bytes()
        except (ValueError, OSError):
            return None
