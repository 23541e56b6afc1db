"""Where produced files go: a `Sink`. The pipeline never writes a file itself; it asks its sink.

What a sink must do (the protocol; a local folder and the web store are here, object storage
registers its own scheme with `register_scheme`):

- `spec`: a string that opens the same sink in another process (`open_sink(spec)`): a folder
  path, `store:<folder>` for the web store, `s3://bucket/prefix`...; a task carries it as text.
- `holds(entry)`: the skip test. True when the file of a previous manifest entry is still there
  with that size and SHA-256, told from what the sink keeps (the file, or object metadata),
  never by downloading every file.
- `put(rel, data, fingerprint="")`: store `data` under the relative name `rel`, atomically: a
  reader sees the whole file or the one before, never half of it. Returns the key the bytes are
  read back by (`rel` itself, except in a content-addressed store). `fingerprint`, the annex's,
  is for sinks that keep it beside the bytes (object metadata).
- `get(key)`: the bytes stored under a key, or None (the signed copy, the old annex of `--since`).
- `session()`: a context for one run by the coordinator: take the run's lock, check that the
  manifest can be written, clear what an interrupted run left (`swept` tells how many).
  Optional, where a sink has them: `sweep()` (clear a killed worker's temporaries, under the
  lock), `flush()` (what was put, on disk), `path(rel)` (where a file is, for messages).
- `previous()`: the last manifest's entries that produced a file, by `Entry.key`, and warnings.
- `write_manifest(entries)`: written last, once every file is in place; failures are recorded
  there, as entries of status `failed` with their one-line message.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Optional, Protocol

from ..infra.atomic import FolderLocked, lock_folder, sweep_temporaries, sync_folder, write_atomic, write_error
from ..infra.diagnostics import Diagnostic, InputError, error
from ..infra.store import Store
from ..manifest import Entry, check_writable, load_previous, sha256_file, summary, write_manifest


class Sink(Protocol):
    spec: str
    swept: int

    def holds(self, entry: Entry) -> bool: ...

    def put(self, rel: str, data: bytes, fingerprint: str = "") -> str: ...

    def get(self, key: str) -> Optional[bytes]: ...

    def session(self): ...  # a context manager

    def previous(self) -> tuple[dict[tuple, Entry], list[Diagnostic]]: ...

    def write_manifest(self, entries: list[Entry]) -> dict: ...


class FolderSink:
    """A local output folder: `<folder>/<customer>/<name>`, manifest.json and .csv beside them.

    Files are put atomically but flushed to disk together, once, before the manifest is written
    (one syncfs instead of an fsync per file: about 8 ms of every annex here). A power cut
    before that flush can only lose files the old manifest does not vouch for: a re-run
    compares every kept file's SHA-256 with the manifest and rebuilds what differs."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.spec = str(folder)
        self.swept = 0

    def holds(self, entry: Entry) -> bool:
        target = self.folder / entry.path
        try:
            return target.is_file() and target.stat().st_size == entry.size and sha256_file(target) == entry.sha256
        except OSError:
            return False

    def put(self, rel: str, data: bytes, fingerprint: str = "") -> str:
        write_atomic(self.folder / rel, data, durable=False)
        return rel

    def get(self, key: str) -> Optional[bytes]:
        try:
            return (self.folder / key).read_bytes()
        except OSError:
            return None

    def path(self, rel: str) -> Path:
        return self.folder / rel

    @contextmanager
    def session(self) -> Iterator[None]:
        """The folder, created and locked for this run; anything in the way (a file under its
        name, a read-only folder, another batch, a folder named like the manifest) is an
        InputError (exit 2) before any work. Temporaries are swept only under the lock: no other
        batch is writing here. A folder this run made and left empty (the inputs failed before
        any file) is removed again: bad input leaves nothing behind."""
        made = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = lock_folder(self.folder)
            lock.__enter__()
        except FolderLocked as exc:
            holder = f" (pid {exc.pid})" if exc.pid else ""
            raise InputError([error(self.folder, f"another batch{holder} is writing into this output folder",
                                    hint="wait until it ends, or choose another output folder with -o")],
                             unreadable=True) from None
        except OSError as exc:
            raise write_error(self.folder if exc.filename is None else exc.filename, exc) from None
        try:
            problems = check_writable(self.folder)
            if problems:
                raise InputError(problems, unreadable=True)
            self.swept = sweep_temporaries(self.folder)
            yield
        finally:
            lock.__exit__(None, None, None)
            if made:
                with contextlib.suppress(OSError):  # not empty: it holds what this run wrote
                    self.folder.rmdir()

    def sweep(self) -> int:
        """Clear what a killed writer left (call only while no worker writes: under the lock)."""
        return sweep_temporaries(self.folder)

    def previous(self) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
        return load_previous(self.folder)

    def flush(self) -> None:
        """Every file put so far, on disk."""
        sync_folder(self.folder)

    def write_manifest(self, entries: list[Entry]) -> dict:
        self.flush()  # every file on disk before the manifest that lists them
        return write_manifest(self.folder, entries)


class StoreSink:
    """The web service's content-addressed store (infra/store.py): a file's key is the SHA-256 of
    its bytes, so the same annex generated twice is stored once. It keeps no manifest (the web's
    register is its database)."""

    def __init__(self, root: Path | str):
        self.store = Store(Path(root))
        self.spec = f"store:{root}"
        self.swept = 0

    def holds(self, entry: Entry) -> bool:
        try:
            target = self.store.path(entry.sha256)
            return target.is_file() and target.stat().st_size == entry.size
        except (ValueError, OSError):
            return False

    def put(self, rel: str, data: bytes, fingerprint: str = "") -> str:
        return self.store.put(data)

    def get(self, key: str) -> Optional[bytes]:
        return self.store.get(key)

    @contextmanager
    def session(self) -> Iterator[None]:
        yield

    def previous(self) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
        return {}, []

    def write_manifest(self, entries: list[Entry]) -> dict:
        return summary(entries)


_SCHEMES: dict[str, Callable[[str], Sink]] = {"store:": lambda spec: StoreSink(spec[len("store:"):])}


def register_scheme(prefix: str, factory: Callable[[str], Sink]) -> None:
    """Open specs starting with `prefix` (e.g. `s3://`) with `factory(spec)`."""
    _SCHEMES[prefix] = factory
    open_sink.cache_clear()


def object_storage() -> None:
    """The bucket sinks (s3sink.py: `s3://` for batches, `store:s3://` for the web's store),
    registered on first use, so that boto3 is imported only by a process that writes there."""
    if "s3://" not in _SCHEMES:
        from .s3sink import S3Sink, S3Store
        _SCHEMES.update({"s3://": S3Sink, "store:s3://": S3Store})


@lru_cache(maxsize=8)
def open_sink(spec: str) -> Sink:
    """The sink a spec names, one per process (a worker opens it once, not per task); a spec
    without a known scheme is a local folder."""
    if "s3://" in spec:
        object_storage()
    for prefix, factory in sorted(_SCHEMES.items(), key=lambda item: -len(item[0])):  # `store:s3://` before `store:`
        if spec.startswith(prefix):
            return factory(spec)
    return FolderSink(spec)
