"""Write files so that an interrupted run never leaves a truncated one behind.

Data goes to a temporary file in the destination folder, is flushed to disk, then renamed
over the destination (atomic on POSIX). Temporary names share a prefix so that a later run
can sweep what a killed run left; a batch sweeps only while it holds the output folder's lock
(`lock_folder`), so that it never deletes the temporaries of another batch still writing.
"""
from __future__ import annotations

import ctypes
import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import InputError, error

try:
    import fcntl
except ImportError:  # not POSIX: no lock (the batch runs, unguarded)
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".annex-tmp-"
LOCK_NAME = ".annex.lock"

_HINTS = {
    errno.ENOSPC: "free disk space (or choose another output folder with -o) and run again",
    errno.EDQUOT: "free disk space (or choose another output folder with -o) and run again",
    errno.EACCES: "choose a folder you may write into with -o",
    errno.EPERM: "choose a folder you may write into with -o",
    errno.EROFS: "the file system is read-only: choose another output folder with -o",
    errno.EEXIST: "a file stands where a folder is needed: remove it or choose another output folder with -o",
    errno.ENOTDIR: "a file stands where a folder is needed: remove it or choose another output folder with -o",
    errno.EISDIR: "a folder stands where a file is needed: remove or rename it",
}


def write_error(path: str | Path, exc: OSError) -> InputError:
    """An OS error while writing `path`, as one located message (exit 2), not a traceback."""
    where = exc.filename if isinstance(exc.filename, str) and exc.filename else str(path)
    what = f"cannot write: {exc.strerror or exc}"
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # name the file that stands in the way
        blocking = next((p for p in (Path(where), *Path(where).parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            where, what = str(blocking), "is a file, not a folder"
    return InputError([error(where, what,
                             hint=_HINTS.get(exc.errno or 0, "check the output folder and run again"))],
                      unreadable=True)


def write_atomic(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` whole or not at all; an OS error (full disk, read-only folder, a
    file in the way) is raised as an InputError naming the path. `durable=False` leaves the
    flush to disk to a later `sync_folder` (a batch flushes once, before its manifest, rather
    than once per file): readers still never see half a file, only a power cut before that
    flush can lose it, and the manifest, which is what a re-run trusts, is never ahead of it."""
    write_atomic_many({Path(path): data}, durable=durable)


def sync_folder(folder: str | Path) -> None:
    """Flush to disk everything written into the file system holding `folder` (syncfs(2) on
    Linux, one flush for a whole batch; sync(2) elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def write_atomic_many(files: dict[Path, bytes], *, durable: bool = True) -> None:
    """Write several files that belong together (the manifest's JSON and CSV): every temporary
    is written and flushed before the first rename, so a full disk leaves all of them as they
    were rather than one new and one old."""
    done: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            done.append((_write_temporary(Path(path), data, durable), Path(path)))
        for tmp, path in done:
            os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        for tmp, _ in done:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write_temporary(path: Path, data: bytes, durable: bool = True) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp


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


class FolderLocked(Exception):
    """Another process holds the folder's lock; `pid` is the one it recorded (0 if unknown)."""

    def __init__(self, folder: Path, pid: int):
        super().__init__(f"{folder} is locked by pid {pid}")
        self.folder = folder
        self.pid = pid


@contextmanager
def lock_folder(folder: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on `folder` (flock on `<folder>/.annex.lock`, which
    records the holder's pid). The kernel drops the lock when its holder dies, so a killed run
    never leaves the folder locked. The file is removed on release; whoever opened it just
    before checks that the file it locked is still the one on disk, and retries otherwise."""
    if fcntl is None:
        yield
        return
    path = folder / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise FolderLocked(folder, int(holder) if holder.isdigit() else 0) from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)  # for forked children holding a copy of the descriptor too
        os.close(fd)
