"""Where one queued task stands, for a person waiting on it from any web node: everything lives
in the queue's Redis (a job key the web writes, the task's Celery result record, the queue's
list), never in one node's memory.

The job key (`annex:job:<task id>`) is claimed once (SET NX): a task id names one request, so
that two requests can never wait on the same result. It holds what the web knows: `queued`
with the number of tasks that were ahead when it was sent, then `done` or `failed` once the
web has the answer (the result record itself is deleted then, runner.Batch.clean). A worker
records STARTED in the result record (task_track_started). Tasks ahead are counted from the
queue's list length (one LLEN): the queue is first in, first out, so the count ahead only
falls, and it is never more than the list holds besides this task.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from .app import QUEUE

JOB_TTL = 3600  # seconds a job's state stays readable: far beyond the web's wait for an answer
WAITING, BUILDING, DONE, FAILED, UNKNOWN = "waiting", "building", "done", "failed", "unknown"


def job_key(task_id: str) -> str:
    return f"annex:job:{task_id}"


class Jobs:
    """The job keys of web requests on the queue whose Redis `client` (the result backend's) holds."""

    def __init__(self, app: Any):
        self.app = app

    @property
    def client(self) -> Any:
        return self.app.backend.client

    def claim(self, task_id: str) -> bool:
        """True when `task_id` was free and now names this request; False when it names another."""
        return bool(self.client.set(job_key(task_id), json.dumps({"state": WAITING}), nx=True, ex=JOB_TTL))

    def queued(self, task_id: str) -> None:
        """Sent: every task in the list besides this one is ahead of it (an upper bound)."""
        ahead = max(0, int(self.client.llen(QUEUE)) - 1)
        self.client.set(job_key(task_id), json.dumps({"state": WAITING, "ahead": ahead}), xx=True, ex=JOB_TTL)

    def ended(self, task_id: str, failed: bool) -> None:
        self.client.set(job_key(task_id), json.dumps({"state": FAILED if failed else DONE}), ex=JOB_TTL)

    def state(self, task_id: str) -> tuple[str, Optional[int]]:
        """(state, tasks ahead or None), in one round trip; UNKNOWN for a job never claimed."""
        pipe = self.client.pipeline(transaction=False)
        pipe.get(job_key(task_id))
        pipe.get(self.app.backend.get_key_for_task(task_id))
        pipe.llen(QUEUE)
        job, meta, length = pipe.execute()
        return state_of(_json(job), _json(meta), int(length or 0))


def state_of(job: Optional[dict], meta: Optional[dict], length: int) -> tuple[str, Optional[int]]:
    """What the job key, the Celery result record and the queue's length say together."""
    if job is None:
        return UNKNOWN, None
    if job.get("state") in (DONE, FAILED):
        return str(job["state"]), None
    status = (meta or {}).get("status")
    if status == "SUCCESS":
        return (DONE if built((meta or {}).get("result")) else FAILED), None
    if status in ("FAILURE", "REVOKED"):
        return FAILED, None
    if status == "STARTED":
        return BUILDING, None
    ahead = job.get("ahead")
    if not isinstance(ahead, int):
        return WAITING, None
    return WAITING, max(0, min(ahead, length - 1))


def built(result: Any) -> bool:
    """A worker's answer that is an annex: an outcome without problems (as web/generate.as_result
    reads it), not a refusal, a lost process or a time limit."""
    if not isinstance(result, dict) or result.get("problems"):
        return False
    return not any(k in result for k in ("refused", "lost", "timeout"))


def _json(raw: Any) -> Optional[dict]:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
