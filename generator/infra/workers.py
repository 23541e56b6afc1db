"""Worker processes for `annex batch` that survive each other's deaths and die with the parent.

The standard `ProcessPoolExecutor` breaks for good when one worker dies (a SIGKILL, the
out-of-memory killer) and cannot say which job was running in it. Here each worker holds one
job at a time over its own pipe, so the parent always knows which job a dead worker took with
it: that job is retried once in a fresh worker, and given up (`Lost`) only if it kills a
worker twice; the other jobs go on.

`run_jobs` runs a batch; `WorkerPool` keeps workers for a service that gets one job at a time
from many threads, with the same guarantees (a time limit that kills, a death retried once).

Batch workers are forked (Linux): they inherit the parent's imported modules and warm caches.
They ignore SIGINT (the parent decides what an interrupt means), die on SIGTERM, and die with
the parent: `PR_SET_PDEATHSIG` on Linux, and a watchdog thread that sees the parent gone
elsewhere or if the signal was missed.
"""
from __future__ import annotations

import ctypes
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import connection, get_context
from typing import Any, Optional

ATTEMPTS = 2  # a job that kills its worker this many times is given up
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class Lost:
    """A job whose worker died under it `ATTEMPTS` times; `how` says how the last one died."""

    how: str


@dataclass(frozen=True)
class TimedOut:
    """A job that ran longer than the time limit: its worker was killed; not tried again."""

    seconds: float


@dataclass(frozen=True)
class Crashed:
    """A job that raised out of `fn` (a bug); the worker survives it."""

    error: str


def died_how(exitcode: Optional[int]) -> str:
    """A dead worker's exit code, told for a log line or a manifest entry."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the out-of-memory killer, or someone, killed it)" if -exitcode == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exited with code {exitcode}"


def _die_with_parent(parent: int) -> None:
    """Make this worker exit within about a second once `parent` is gone."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _serve(conn, fn: Callable[[Any], Any], parent: int, init: Optional[Callable[..., None]] = None,
           initargs: tuple = ()) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    if init is not None:
        init(*initargs)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, job = item
        try:
            result = fn(job)
        except Exception as exc:  # a bug: report it as this job's result, keep serving
            result = Crashed(f"{type(exc).__name__}: {exc}")
        conn.send((index, result))


class _Worker:
    def __init__(self, ctx, fn: Callable[[Any], Any], init: Optional[Callable[..., None]] = None,
                 initargs: tuple = ()):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, fn, os.getpid(), init, initargs), daemon=True)
        self.proc.start()
        child.close()
        self.job: Optional[int] = None
        self.since = 0.0  # when it was given its job (monotonic)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.terminate()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_jobs(jobs: Iterable[Any], fn: Callable[[Any], Any], workers: int,
             on_result: Callable[[Any, Any], None], on_retry: Callable[[Any, str], None],
             time_limit: Optional[float] = None) -> None:
    """Call `fn(job)` for every job in `workers` processes; `on_result(job, result)` receives
    fn's return value, a `Crashed`, a `Lost` or a `TimedOut` (a job still running after
    `time_limit` seconds: its worker is killed), in the order jobs finish. `on_retry(job, how)`
    tells that a job's worker died and that it runs again. On any exception (an interrupt
    included) every worker is killed and joined before it propagates, so nothing they were
    writing is still being written afterwards."""
    ctx = get_context("fork") if sys.platform.startswith("linux") else get_context()
    todo = deque(enumerate(jobs))
    table = dict(todo)
    deaths: dict[int, int] = {}
    pool: list[_Worker] = []
    try:
        while todo or any(w.job is not None for w in pool):
            for w in [w for w in pool if w.job is None]:
                if not todo:  # nothing left for it: let it go
                    pool.remove(w)
                    w.stop()
                elif not w.proc.is_alive():  # died idle: no job to blame, replace it
                    pool.remove(w)
                    w.stop()
            while todo and len(pool) < workers:
                pool.append(_Worker(ctx, fn))
            for w in pool:
                if w.job is None and todo:
                    w.job, job = todo.popleft()
                    w.since = time.monotonic()
                    try:
                        w.conn.send((w.job, job))
                    except OSError:  # it died just now: the sentinel below tells
                        pass
            _collect(pool, table, deaths, todo, on_result, on_retry, time_limit)
    except BaseException:
        for w in pool:
            w.stop(kill=True)
        raise
    for w in pool:
        w.stop()


def _collect(pool: list[_Worker], table: dict, deaths: dict[int, int], todo: deque,
             on_result: Callable, on_retry: Callable, time_limit: Optional[float] = None) -> None:
    """Wait for a result, a death or a job over its time, and handle what came."""
    busy = [w for w in pool if w.job is not None]
    timeout = None
    if time_limit is not None and busy:
        timeout = max(0.0, min(w.since for w in busy) + time_limit - time.monotonic())
    ready = set(connection.wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout))
    for w in busy:
        if (time_limit is not None and w.conn not in ready and w.proc.sentinel not in ready
                and time.monotonic() - w.since >= time_limit):
            index, w.job = w.job, None
            pool.remove(w)
            w.stop(kill=True)  # what it was writing is a temporary file: the batch sweeps it
            on_result(table[index], TimedOut(time_limit))
            continue
        if w.conn in ready or w.proc.sentinel in ready:
            try:
                if w.conn.poll():
                    index, result = w.conn.recv()
                    w.job = None
                    on_result(table[index], result)
                    continue
            except (EOFError, OSError):
                pass
            if w.proc.is_alive():
                continue
            index, w.job = w.job, None
            assert index is not None  # w was busy
            pool.remove(w)
            w.proc.join()
            how = died_how(w.proc.exitcode)
            w.conn.close()
            deaths[index] = deaths.get(index, 0) + 1
            if deaths[index] >= ATTEMPTS:
                on_result(table[index], Lost(how))
            else:
                on_retry(table[index], how)
                todo.appendleft((index, table[index]))


class WorkerPool:
    """Long-lived workers for a service (the web): `run(job, timeout)` from any thread takes a free
    worker (waiting for one), and gets fn's result, a `Crashed`, a `Lost` (the worker died under
    the job `ATTEMPTS` times; it is tried again in a fresh worker in between) or a `TimedOut`
    (the worker is killed: a stuck render never holds a worker for ever). A killed or dead worker
    is replaced at once. `init(*initargs)` runs in each worker before its first job (warm-up)."""

    def __init__(self, fn: Callable[[Any], Any], workers: int, *, init: Optional[Callable[..., None]] = None,
                 initargs: tuple = (), start: str = "spawn"):
        self._ctx = get_context(start)
        self._make = lambda: _Worker(self._ctx, fn, init, initargs)
        self._free: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(workers):
            self._free.put(self._replace(None))

    def _replace(self, old: Optional[_Worker], kill: bool = True) -> _Worker:
        if old is not None:
            old.stop(kill=kill)
        new = self._make()
        with self._lock:
            if old in self._all:
                self._all.remove(old)
            self._all.append(new)
        return new

    def run(self, job: Any, timeout: float) -> Any:
        w = self._free.get()
        how = ""
        try:
            for _ in range(ATTEMPTS):
                if not w.proc.is_alive():
                    w = self._replace(w)
                try:
                    w.conn.send((0, job))
                    if not w.conn.poll(timeout):
                        w = self._replace(w)
                        return TimedOut(timeout)
                    return w.conn.recv()[1]
                except (EOFError, OSError):  # it died under the job: once more in a fresh one
                    w.proc.join(5)
                    how = died_how(w.proc.exitcode)
                    w = self._replace(w)
            return Lost(how)
        finally:
            self._free.put(w)

    def close(self) -> None:
        """Stop every worker (a job still running is cut short)."""
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.stop(kill=True)
