"""Write files so that an interrupted run never leaves a truncated one behind.

Data goes to a temporary file in the destination folder, is flushed to disk, then renamed
over the destination (atomic on POSIX). Temporary names share a prefix so that a later run
can sweep what a killed run left.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".annex-tmp-"


def write_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def sweep_temporaries(folder: str | Path) -> int:
    """Remove temporary files a killed run left under `folder`; returns how many."""
    count = 0
    root = Path(folder)
    if not root.is_dir():
        return 0
    for f in root.rglob(TEMP_PREFIX + "*"):
        try:
            f.unlink()
            count += 1
        except OSError:
            pass
    return count
