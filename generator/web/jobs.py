"""Where a job of the web stands (the state names are the queue's, queue/progress.py), and the
local generator's jobs, kept in its own memory: the generator's worker processes import this,
so it stays free of the web framework."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple, Optional

from ..queue.progress import BUILDING, DONE, FAILED, UNKNOWN, WAITING

STATES = (WAITING, BUILDING, DONE, FAILED, UNKNOWN)
__all__ = ["BUILDING", "DONE", "FAILED", "STATES", "UNKNOWN", "WAITING", "LocalJobs", "Progress"]


class Progress(NamedTuple):
    state: str
    ahead: Optional[int] = None  # tasks before this one in the queue, when the queue says


class LocalJobs:
    """The jobs of the local generator (no --queue), in this process: being built, then done or
    failed; only the latest `keep` are remembered."""

    def __init__(self, keep: int = 1000):
        self.keep = keep
        self.states: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def set(self, job: Optional[str], state: str) -> None:
        if job is None:
            return
        with self.lock:
            self.states[job] = state
            self.states.move_to_end(job)
            while len(self.states) > self.keep:
                self.states.popitem(last=False)

    def get(self, job: str) -> Progress:
        with self.lock:
            return Progress(self.states.get(job, UNKNOWN))
