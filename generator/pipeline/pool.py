"""The local runner: tasks over this machine's worker processes (infra/workers.py), each task's
worker death, time-out or crash told as that task's failure."""
from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Optional

from ..infra.diagnostics import error
from ..infra.workers import ATTEMPTS, Crashed, Lost, TimedOut, run_jobs
from .failures import internal_error
from .job import Outcome, Runner, failed_outcome, run_task
from .task import Task

JOB_TIMEOUT = 300.0  # seconds for one customer x matrix; the worst legal input takes ~35 s here


def lost_message(result: Lost | TimedOut | Crashed) -> str:
    """Why a task has no outcome of its own, for its manifest entries."""
    if isinstance(result, Lost):
        return (f"the worker process building it died {ATTEMPTS} times ({result.how}); "
                "it may need more memory than the machine has")
    if isinstance(result, TimedOut):
        return (f"took longer than {result.seconds:g} s and was stopped (--job-timeout); "
                "check this customer's data for unusually long texts")
    return internal_error(result.error)


def as_outcome(task: Task, result: object) -> Outcome:
    if isinstance(result, (Lost, TimedOut, Crashed)):
        message = lost_message(result)
        return failed_outcome(task, [error("annex", message)], message=message)
    assert isinstance(result, Outcome)
    return result


def local_pool(workers: int, job_timeout: Optional[float] = JOB_TIMEOUT) -> Runner:
    """Always in worker processes, even one: a task that kills its worker, or runs past
    `job_timeout`, fails alone instead of taking the batch with it."""
    def run(tasks: Sequence[Task], on_outcome: Callable[[Task, Outcome], None],
            on_retry: Callable[[Task, str], None]) -> None:
        # fork: workers inherit the imported modules and warm caches instead of re-importing; what
        # they inherit is frozen, so their garbage collector neither scans nor copies it
        gc.collect()
        gc.freeze()
        run_jobs(tasks, run_task, workers, lambda task, result: on_outcome(task, as_outcome(task, result)),
                 on_retry, time_limit=job_timeout)
    return run
