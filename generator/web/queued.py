"""`annex serve --queue`: the web service hands generation to the queue's workers and waits for
the answer (the request's thread waits; the server's other requests go on). Files go to the
web's store in a bucket (`--store s3://...`), which workers write and the web reads back. A
request the page named with a job token is sent under that job's id, and where it stands is
kept in the queue's Redis (queue/progress.py), which every web node behind a load balancer
reads: the node that answers `GET /progress/...` need not be the one that waits."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..infra.diagnostics import error
from ..infra.workers import Crashed, Lost, TimedOut
from ..queue.app import make_app
from ..queue.progress import UNKNOWN, Jobs
from ..queue.runner import Batch, Failed

TIMEOUT = 180.0  # seconds for one annex, as the web's own workers have


class QueuedGenerator:
    """The web's Generator (web/generate.py) over the queue: same requests, same results."""

    def __init__(self, url: str, *, data_dir: Path, store: str, templates: Optional[Path]):
        self.url, self.store = url, store
        self.data_dir = str(data_dir)
        self.templates = str(templates) if templates else None
        self.app = make_app(url, job_timeout=TIMEOUT)
        self.jobs = Jobs(self.app)

    def request(self, matrix_id: str, lang: str, customer: Optional[dict], formats: tuple[str, ...], *,
                preview: bool = False, issue: bool = False) -> Any:
        from .generate import Request
        return Request(matrix_id, lang, customer, formats, self.data_dir, self.store, self.templates, preview, issue)

    def run(self, req: Any, job: Optional[str] = None) -> Any:
        """The annex of `req`, built by a worker; `job` names it on the queue, so that any web
        node can tell the page where it stands (web/progress.py)."""
        from .generate import Result, prepare
        task = prepare(req)
        if isinstance(task, Result):
            return task
        job = job if job is not None and self._claimed(job) else None
        result: Optional[Result] = None
        try:
            result = self._send(req, task, job)
            return result
        finally:
            if job is not None:
                self._quietly(self.jobs.ended, job, result is None or bool(result.errors))

    def _send(self, req: Any, task: Any, job: Optional[str]) -> Any:
        from ..pipeline.pool import lost_message
        from .generate import Result, as_result
        batch = Batch(self.app, self.url, lambda line: None)
        pending = batch.send([task], TIMEOUT, ids=[job])
        if job is not None:
            self._quietly(self.jobs.queued, job)
        try:
            answers = list(batch.collect(pending, TIMEOUT, wait=TIMEOUT))
        finally:
            batch.clean()
        hint = "try again; if it persists, tell the administrator"
        if not answers:
            return Result(req.matrix_id, req.lang, errors=[error("annex", f"no worker answered within {TIMEOUT:g} s",
                                                                 hint=hint)])
        answer = answers[0][1]
        if isinstance(answer, Failed):
            return Result(req.matrix_id, req.lang, errors=[error(answer.where, answer.message, hint=hint)])
        if isinstance(answer, (Lost, TimedOut, Crashed)):
            return Result(req.matrix_id, req.lang, errors=[error("annex", lost_message(answer), hint=hint)])
        return as_result(req, answer)

    def _claimed(self, job: str) -> bool:
        """The job id is this request's alone: one claimed already (a token sent twice) is not
        reused, so that no request can read another's answer; this one then goes unnamed."""
        return bool(self._quietly(self.jobs.claim, job))

    def _quietly(self, step: Any, *args: Any) -> Any:
        """A step of the progress bookkeeping: Redis failing there must not fail the annex
        (sending it says so clearly)."""
        import redis
        try:
            return step(*args)
        except (redis.RedisError, OSError):
            return None

    def progress(self, job: str) -> Any:
        from .jobs import Progress
        state = self._quietly(self.jobs.state, job)  # None: Redis away, the page keeps its last words
        return Progress(*state) if state else Progress(UNKNOWN)

    def close(self) -> None:
        pass


def store_and_generator(settings: Any) -> tuple[Any, Any]:
    """The web's store (a folder, or a bucket with --store s3://) and its generator (the queue's
    workers with --queue, else local processes writing into that store)."""
    from ..infra.store import Store
    from ..pipeline.s3sink import S3Store
    from .generate import Generator
    if settings.store_url:
        store: Any = S3Store(settings.store_url)
        where = str(store.target)
    else:
        store, where = Store(settings.resolved_store()), str(settings.resolved_store())
    if settings.queue:
        return store, QueuedGenerator(settings.queue, data_dir=settings.data_dir, store=where,
                                      templates=settings.templates)
    return store, Generator(settings.workers, data_dir=settings.data_dir, store_dir=where,
                            templates=settings.templates, warm=settings.warm)
