"""CPU-bound checks of uploads (review-import, verify) in a worker process of their own, with a
time limit (the worker is killed when it runs over) and a memory limit (RLIMIT_AS), so that a
hostile file costs one bounded process, never the event loop or the server's memory.

It reuses the batch's pool (infra/workers.run_jobs: one job per worker, killed on time out).
The caller runs `run_limited` in a thread (`limited` does that), at most `concurrent` at once,
and at most a few per user (`PerUser`): one person's pile of uploads never queues everyone else's.
"""
from __future__ import annotations

import resource
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from ..infra.workers import Crashed, Lost, TimedOut, run_jobs

T = TypeVar("T")
MIB = 1024 * 1024
NEAR_LIMIT = 16 * MIB  # a peak this close to the limit means an allocation was refused


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0
    memory: int = 768 * MIB  # address space a check may add to what the server process holds


class TooComplex(Exception):
    """The upload needed more time or memory than a check may take; the message says which."""


class Busy(Exception):
    """The user already has as many checks running or waiting as one user may; the message says how many."""


class PerUser:
    """Checks each user has running or waiting, capped: the server's few check workers are
    shared, so the (most+1)th upload of one person is refused at once instead of queued."""

    def __init__(self, most: int):
        self.most, self.held = most, Counter[str]()

    @contextmanager
    def hold(self, user: str) -> Iterator[None]:
        if self.held[user] >= self.most:
            raise Busy(f"{self.held[user]} of your uploads are being checked, the most one person may have")
        self.held[user] += 1
        try:
            yield
        finally:
            self.held[user] -= 1
            if not self.held[user]:
                del self.held[user]


@dataclass(frozen=True)
class _OutOfMemory:
    """The job reached its address-space limit (whatever the library made of the failed
    allocation: a MemoryError, or a parser's "unknown error")."""


class _Limited:
    """`fn` under an address-space limit: the forked worker starts with the server's own
    mappings, so the limit is what it holds now plus the budget."""

    def __init__(self, fn: Callable[[Any], Any], memory: int):
        self.fn, self.memory = fn, memory

    def __call__(self, job: Any) -> Any:
        limit = _vm("VmSize") + self.memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            result = self.fn(job)
        except MemoryError:
            return _OutOfMemory()
        return _OutOfMemory() if _vm("VmPeak") > limit - NEAR_LIMIT else result


def _vm(key: str) -> int:
    """A size of this process's address space from /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {key} in /proc/self/status")


def run_limited(fn: Callable[[Any], T], job: Any, limits: Limits) -> T:
    """`fn(job)` in a fresh worker process; TooComplex when it runs out of time or memory."""
    results: list = []
    run_jobs([job], _Limited(fn, limits.memory), 1, on_result=lambda _job, r: results.append(r),
             on_retry=lambda _job, _how: None, time_limit=limits.seconds)
    result = results[0]
    if isinstance(result, TimedOut):
        raise TooComplex(f"checking it took over {limits.seconds:g} s, the limit")
    if isinstance(result, _OutOfMemory):
        raise TooComplex(f"checking it needed over {limits.memory // MIB} MiB, the limit")
    if isinstance(result, Lost):
        raise TooComplex(f"the check's process was {result.how}, twice")
    if isinstance(result, Crashed):
        raise RuntimeError(f"the check failed: {result.error}")
    return result


async def limited(fn: Callable[[Any], T], job: Any, limits: Limits, limiter: CapacityLimiter) -> T:
    """run_limited from the event loop, in a thread, at most `limiter` checks at a time."""
    return await anyio.to_thread.run_sync(run_limited, fn, job, limits, limiter=limiter)
