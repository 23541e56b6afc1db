"""The object-storage sink (`s3://BUCKET/PREFIX`): annexes and the manifest in a bucket.

Same layout as a folder (`<prefix>/<customer>/<name>`, `<prefix>/manifest.json` and `.csv`);
each object carries its SHA-256 and the annex's fingerprint in its metadata, so the skip test is
a HEAD request, never a download. A put is atomic in S3; the manifest is written last (the CSV,
then the JSON the next run reads). There is no lock: two batches into one prefix at once are the
operator's to avoid (the README's limits).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

from ..infra import objectstore
from ..infra.diagnostics import Diagnostic, InputError, error
from ..manifest import MANIFEST_JSON, Entry, manifest_files, parse_previous

MANIFEST_LIMIT = 512 << 20  # bytes: a 10,000-customer manifest of every format is far below
CONTENT_TYPES = {".pdf": "application/pdf", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 ".png": "image/png"}


def content_type(rel: str) -> str:
    return next((t for ext, t in CONTENT_TYPES.items() if rel.endswith(ext)), "application/octet-stream")


class S3Sink:
    """A bucket and prefix; the client comes from the standard AWS variables of this process."""

    def __init__(self, spec: str):
        self.target = objectstore.parse_target(spec)
        self.spec = str(self.target)
        self.swept = 0

    def path(self, rel: str) -> str:
        """Where `rel` is, as a user names it (for messages)."""
        return f"{objectstore.SCHEME}{self.target.bucket}/{self.target.key(rel)}"

    def holds(self, entry: Entry) -> bool:
        try:
            found = objectstore.head(self.target, entry.path)
        except Exception:  # unreachable just now: rebuild rather than trust an unseen object
            return False
        return found is not None and found[0] == entry.size and found[1].get("sha256") == entry.sha256

    def put(self, rel: str, data: bytes, fingerprint: str = "") -> str:
        metadata = {"sha256": hashlib.sha256(data).hexdigest()}
        if fingerprint:
            metadata["fingerprint"] = fingerprint
        try:
            objectstore.put(self.target, rel, data, metadata, content_type(rel))
        except Exception as exc:
            raise self._error(exc, rel) from None
        return rel

    def get(self, rel: str) -> Optional[bytes]:
        try:
            return objectstore.get(self.target, rel, MANIFEST_LIMIT)
        except Exception:
            return None

    @contextmanager
    def session(self) -> Iterator[None]:
        objectstore.check_target(self.target)  # one line and exit 2 before any work
        yield

    def sweep(self) -> int:
        return 0  # nothing half-written can exist: puts are atomic

    def flush(self) -> None:
        pass  # a put is durable once S3 answers it

    def previous(self) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
        where = self.target.key(MANIFEST_JSON)
        try:
            data = objectstore.get(self.target, MANIFEST_JSON, MANIFEST_LIMIT)
        except Exception as exc:
            raise self._error(exc, MANIFEST_JSON) from None
        if data is None:
            return {}, []
        return parse_previous(data, f"{objectstore.SCHEME}{self.target.bucket}/{where}")

    def write_manifest(self, entries: list[Entry]) -> dict:
        totals, files = manifest_files(entries)
        for name, data in files.items():  # manifest.json last
            self.put(name, data)
        return totals

    def _error(self, exc: Exception, rel: str) -> InputError:
        from botocore.exceptions import BotoCoreError, ClientError
        if isinstance(exc, (BotoCoreError, ClientError)):
            message, hint = objectstore.explain(exc, self.target)
            return InputError([error(self.target.key(rel), message, hint=hint)], unreadable=True)
        if isinstance(exc, InputError):
            return exc
        return InputError([error(self.target.key(rel), f"{type(exc).__name__}: {exc}")], unreadable=True)


STORE_SCHEME = "store:" + objectstore.SCHEME  # the web's content-addressed store, in a bucket
FILE_LIMIT = 256 << 20  # bytes: no annex comes near; a bigger object is not one of ours


class S3Store:
    """The web service's content-addressed store in a bucket: `<prefix>/<aa>/<sha256>`, as the
    folder store (infra/store.py) lays it out; `put` returns the key, `get` checks the bytes
    against it."""

    def __init__(self, spec: str):
        self.target = objectstore.parse_target(spec[len("store:"):] if spec.startswith("store:") else spec, "--store")
        self.spec = f"store:{self.target}"
        self.swept = 0

    @staticmethod
    def rel(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}"

    def put_bytes(self, data: bytes) -> str:
        """Store bytes under their SHA-256 (once: a present object of that size is kept)."""
        sha = hashlib.sha256(data).hexdigest()
        found = objectstore.head(self.target, self.rel(sha))
        if found is None or found[0] != len(data):
            objectstore.put(self.target, self.rel(sha), data, {"sha256": sha})
        return sha

    def get(self, sha256: str) -> Optional[bytes]:
        """The bytes of a key (their SHA-256), checked against it; None when absent or altered."""
        from ..infra.store import SHA256
        if not SHA256.match(sha256):
            return None
        try:
            data = objectstore.get(self.target, self.rel(sha256), FILE_LIMIT)
        except Exception:
            return None
        return data if data is not None and hashlib.sha256(data).hexdigest() == sha256 else None

    # the Sink protocol (pipeline/sinks.py), as the web's folder store keeps it
    def holds(self, entry: Entry) -> bool:
        found = objectstore.head(self.target, self.rel(entry.sha256))
        return found is not None and found[0] == entry.size

    def put(self, rel: str, data: bytes, fingerprint: str = "") -> str:
        return self.put_bytes(data)

    @contextmanager
    def session(self) -> Iterator[None]:
        objectstore.check_target(self.target, "--store")
        yield

    def previous(self) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
        return {}, []

    def write_manifest(self, entries: list[Entry]) -> dict:
        from ..manifest import summary
        return summary(entries)


def is_object_storage(spec: str) -> bool:
    """A sink spec that names a bucket (what a queued task may write into)."""
    return objectstore.is_s3(spec) or spec.startswith(STORE_SCHEME)
