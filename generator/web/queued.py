"""`annex serve --queue`: the web service hands generation to the queue's workers and waits for
the answer (the request's thread waits; the server's other requests go on). Files go to the
web's store in a bucket (`--store s3://...`), which workers write and the web reads back."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..infra.diagnostics import error
from ..infra.workers import Crashed, Lost, TimedOut
from ..queue.app import make_app
from ..queue.runner import Batch, Failed

TIMEOUT = 180.0  # seconds for one annex, as the web's own workers have


class QueuedGenerator:
    """The web's Generator (web/generate.py) over the queue: same requests, same results."""

    def __init__(self, url: str, *, data_dir: Path, store: str, templates: Optional[Path]):
        self.url, self.store = url, store
        self.data_dir = str(data_dir)
        self.templates = str(templates) if templates else None
        self.app = make_app(url, job_timeout=TIMEOUT)

    def request(self, matrix_id: str, lang: str, customer: Optional[dict], formats: tuple[str, ...], *,
                preview: bool = False, issue: bool = False) -> Any:
        from .generate import Request
        return Request(matrix_id, lang, customer, formats, self.data_dir, self.store, self.templates, preview, issue)

    def run(self, req: Any) -> Any:
        from ..pipeline.pool import lost_message
        from .generate import Result, as_result, prepare
        task = prepare(req)
        if isinstance(task, Result):
            return task
        batch = Batch(self.app, self.url, lambda line: None)
        pending = batch.send([task], TIMEOUT)
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
