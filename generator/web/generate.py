"""Annexes generated for the service by the pipeline every front end uses (pipeline.run_task into
the content-addressed store), in warm worker processes of the batch's kind (infra.workers
WorkerPool: a worker past its time is killed and replaced).

A worker reads matrices once (the catalog's cache), the brand once (load_brand is cached) and
keeps WeasyPrint's matrix pages between annexes (writers/pdf_pages.py), so an annex costs what
the warm benchmark says, not a cold start. Workers are started with `spawn` (the server has
threads, which `fork` does not mix with) and warmed up before their first request. Results
cross the process boundary as plain data: file digests, never file bytes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..brand import load_brand
from ..catalog import load_matrix_cached, resolve_matrix
from ..infra.diagnostics import Diagnostic, InputError, error
from ..infra.workers import Crashed, Lost, TimedOut, WorkerPool
from ..model import Customer
from ..model.matrix import LANGUAGES
from ..pipeline import BrandRef, MatrixRef, Outcome, Task, run_task
from ..pipeline.failures import bug
from ..pipeline.pool import lost_message
from ..pipeline.preview import page_images
from ..writers import check_brand
from .jobs import BUILDING, DONE, FAILED, LocalJobs, Progress

__all__ = ["Generator", "Request", "Result", "cpu_workers", "known_matrices", "matrix_status", "page_images", "run"]

MATRIX_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIMEOUT = 180  # seconds for one annex; a stuck worker must not hang a request for ever


@dataclass(frozen=True)
class Request:
    matrix_id: str
    lang: str
    customer: Optional[dict]  # the customer YAML fields, already validated
    formats: tuple[str, ...]
    data_dir: str
    store_dir: str
    templates: Optional[str] = None
    preview: bool = False  # also render the PDF's pages as PNG images
    issue: bool = False  # refuse a matrix that is not approved (a preview gets a watermark)


@dataclass
class Result:
    matrix_id: str = ""
    lang: str = ""
    version: str = ""
    fingerprint: str = ""
    draft: bool = False
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # fmt -> sha256, size, name
    pages: list[str] = field(default_factory=list)  # SHA-256 of each page image
    errors: list[Diagnostic] = field(default_factory=list)


def matrix_status(data_dir: Path, matrix_id: str, lang: str) -> Optional[str]:
    """`approved`/`draft` for a matrix id and language, None when it cannot be read."""
    try:
        return load_matrix_cached(resolve_matrix(matrix_id, lang=lang, data_dir=data_dir)).status
    except InputError:
        return None


def run(req: Request) -> Result:
    """Build one annex in this process; bad input comes back as diagnostics, never raised."""
    task = prepare(req)
    if isinstance(task, Result):
        return task
    return as_result(req, run_task(task))


def prepare(req: Request) -> Task | Result:
    """The task of a request, or the Result that tells why there is none (a queue sends the task)."""
    if not MATRIX_ID.match(req.matrix_id) or req.lang not in LANGUAGES:
        # an id, never a path, and a language of the catalog
        return Result(req.matrix_id, req.lang, errors=[
            error("request", f"`{req.matrix_id}` ({req.lang}) is not a matrix id and language",
                  hint="use a matrix id under data/matrices and one of fr, en, de, es, it")])
    try:
        customer = Customer.model_validate(req.customer) if req.customer else None
        brand = load_brand(req.templates)
        check_brand(list(req.formats), brand)
    except InputError as exc:
        return Result(req.matrix_id, req.lang, errors=exc.diagnostics)
    except Exception as exc:  # the web validated the customer already: this is a bug, told as one
        return Result(req.matrix_id, req.lang, errors=[bug(exc)])
    spec = f"store:{req.store_dir}"  # the web's content-addressed store: a folder, or a bucket (s3://)
    # a preview carries the draft watermark (a draft matrix's, or an approved one's), so that it
    # can never be sent in place of the issued annex
    return Task(customer, MatrixRef(req.matrix_id, req.lang), req.formats, spec, req.data_dir,
                BrandRef(req.templates, brand.version), draft=not req.issue, preview=req.preview)


def as_result(req: Request, outcome: Outcome) -> Result:
    """The web's view of a task's outcome: every file by digest, or the diagnostics."""
    if outcome.problems:
        return Result(req.matrix_id, req.lang, errors=outcome.problems)
    first = outcome.entries[0]
    result = Result(first.matrix, first.lang, first.version, first.fingerprint, outcome.draft, pages=outcome.pages)
    for e in outcome.entries:
        result.files[e.format] = {"sha256": e.sha256, "size": e.size, "name": e.path.rsplit("/", 1)[-1]}
    return result


def _warm(data_dir: str, store_dir: str, templates: Optional[str], warm: tuple[tuple[str, str], ...]) -> None:
    """Worker start: import the writers, read the brand, and lay out each warm matrix twice (the
    page cache keeps a matrix part the second time it sees it)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides what an interrupt means
    from ..brand import load_brand
    from ..writers import check_brand
    check_brand(["pdf", "docx"], load_brand(templates))
    for matrix_id, lang in warm:
        for _ in range(2):
            run(Request(matrix_id, lang, None, ("pdf",), data_dir, store_dir, templates))


class Generator:
    """Runs requests in `workers` warm processes, or in the calling thread when workers == 0."""

    def __init__(self, workers: int, *, data_dir: Path, store_dir: Path | str, templates: Optional[Path],
                 warm: tuple[tuple[str, str], ...] = ()):
        self.data_dir, self.store_dir = str(data_dir), str(store_dir)
        self.templates = str(templates) if templates else None
        self.pool: Optional[WorkerPool] = None
        self.jobs = LocalJobs()
        if workers > 0:
            self.pool = WorkerPool(run, workers, init=_warm,
                                   initargs=(self.data_dir, self.store_dir, self.templates, tuple(warm)))

    def request(self, matrix_id: str, lang: str, customer: Optional[dict], formats: tuple[str, ...], *,
                preview: bool = False, issue: bool = False) -> Request:
        return Request(matrix_id, lang, customer, formats, self.data_dir, self.store_dir, self.templates,
                       preview, issue)

    def run(self, req: Request, job: Optional[str] = None) -> Result:
        """The annex of `req`; `job` names it for the progress the page asks about (web/progress.py)."""
        self.jobs.set(job, BUILDING)
        result: Optional[Result] = None
        try:
            result = self._run(req)
            return result
        finally:
            self.jobs.set(job, DONE if result is not None and not result.errors else FAILED)

    def _run(self, req: Request) -> Result:
        if self.pool is None:
            return run(req)
        result = self.pool.run(req, TIMEOUT)
        if isinstance(result, (Lost, TimedOut, Crashed)):
            hint = "try again; if it persists, tell the administrator"
            return Result(req.matrix_id, req.lang, errors=[error("annex", lost_message(result), hint=hint)])
        return result

    def progress(self, job: str) -> Progress:
        return self.jobs.get(job)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def known_matrices(data_dir: Path) -> list[tuple[str, list[str]]]:
    """(matrix id, languages) for every matrix folder under data/matrices."""
    root = Path(data_dir) / "matrices"
    if not root.is_dir():
        return []
    return [(d.name, sorted(f.stem for f in d.glob("*.yaml"))) for d in sorted(root.iterdir()) if d.is_dir()]


def cpu_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))
