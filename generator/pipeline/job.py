"""Build and record annexes: `run_task` (one task, the job function every runner calls) and
`produce` (many tasks over a runner, then the signed copies).

`run_task` never raises for bad input or a bug: the customer's annexes fail alone, as entries of
status `failed` whose message says whose fault it is (`one_line` for the data, `internal_error`
for a bug). An annex whose fingerprint, brand and stored bytes are those of the previous
manifest entry is not rendered again (`unchanged`).
"""
from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..annex import Annex, build_annex, output_name
from ..brand import Brand, load_brand
from ..catalog import Held, lookup
from ..infra.diagnostics import Diagnostic, InputError, error
from ..manifest import Entry
from ..writers import renderer
from .failures import bug, bug_line, one_line
from .notices import write_notices
from .signed import sign_entries
from .sinks import Sink, open_sink
from .task import BrandRef, MatrixRef, Task


@dataclass
class Outcome:
    """What one task made: a manifest entry per file, and for failures the located diagnostics
    (the web shows them as they are; the manifest has them on one line)."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    draft: bool = False
    pages: list[str] = field(default_factory=list)  # keys of the PDF's page images (Task.preview)
    unreadable: bool = False  # a problem is of the "cannot read / cannot write" kind (exit 2)

    def failed_by(self, exc: InputError) -> str:
        """Keep an input error's diagnostics; its one-line form, for a manifest entry."""
        self.problems += exc.diagnostics
        self.unreadable = self.unreadable or exc.unreadable
        return one_line(exc.diagnostics)


def failed_outcome(task: Task, problems: list[Diagnostic], *, message: Optional[str] = None,
                   unreadable: bool = False) -> Outcome:
    """Every file of a task failed with one message: its data's problems on one line, or
    `message` (a bug, a lost worker)."""
    c = task.customer
    cid = c.id if c else ""
    message = message or one_line(problems)
    return Outcome([Entry(cid, task.matrix.id, task.matrix.lang, "", fmt, "", 0, "", "", "", "failed", message)
                    for fmt in task.formats], problems, unreadable=unreadable)


def run_task(task: Task, sink: Optional[Sink] = None, *, held: Optional[Held] = None,
             brand: Optional[Brand] = None) -> Outcome:
    """Build one customer's annex for one matrix in every format of the task; never raises.
    A front end that already holds the matrix or the brand (`annex build` of a file) passes them."""
    sink = sink or open_sink(task.sink)
    try:
        held, annex = _annex(task, held, brand)
    except InputError as exc:
        return failed_outcome(task, exc.diagnostics, unreadable=exc.unreadable)
    except Exception as exc:  # a bug must fail this customer, not the batch
        return failed_outcome(task, [bug(exc)], message=bug_line(exc))
    outcome = Outcome(draft=annex.draft)
    previous = {e.format: e for e in task.previous}
    for fmt in task.formats:
        _write(task, annex, fmt, previous.get(fmt), sink, outcome)
    if task.since:
        outcome.entries += write_notices(task, held.matrix, annex.brand, sink)
    if "pdf" in task.formats and long_lived():
        freeze_long_lived()
    return outcome


def _annex(task: Task, held: Optional[Held], brand: Optional[Brand]) -> tuple[Held, Annex]:
    """The task's annex model, refused when this process holds another matrix or brand version
    than the task was planned with."""
    ref = task.matrix
    held = held or lookup(ref.id, ref.lang, Path(task.data_dir))
    if ref.sha256 and held.sha256 != ref.sha256:
        raise InputError([error(held.path, f"this worker holds another version of matrix `{ref.id}` ({ref.lang}) "
                                           f"than the batch was planned with (file SHA-256 {held.sha256[:12]}, "
                                           f"the task's {ref.sha256[:12]})",
                                hint="give every worker the same data folder as the batch, then run it again")])
    brand = brand or load_brand(task.brand.templates)
    if task.brand.version and brand.version != task.brand.version:
        raise InputError([error(brand.folder, "this worker holds another version of the brand than the batch was "
                                            "planned with", hint="give every worker the same brand folder")])
    matrix = held.matrix
    draft = matrix.status != "approved" if task.draft is None else task.draft
    return held, build_annex(matrix, task.customer, brand, draft=draft)


def _write(task: Task, annex: Annex, fmt: str, before: Optional[Entry], sink: Sink, outcome: Outcome) -> None:
    """One format of the annex: kept when unchanged, else rendered and put into the sink."""
    c = task.customer
    name = output_name(annex, fmt)
    rel = f"{c.id}/{name}" if c else name
    base = dict(customer=c.id if c else "", matrix=annex.matrix.id, lang=annex.lang, version=annex.matrix.version,
                format=fmt, path=rel, fingerprint=annex.stamp.fingerprint, template=annex.brand.version)
    if (not task.force and before and before.fingerprint == annex.stamp.fingerprint
            and before.template == annex.brand.version and before.path == rel and sink.holds(before)):
        outcome.entries.append(Entry(**base, size=before.size, sha256=before.sha256, status="unchanged"))
        return
    try:
        data = renderer(fmt)(annex)
        sink.put(rel, data, annex.stamp.fingerprint)
        if fmt == "pdf" and task.preview:
            from .preview import page_images
            outcome.pages = [sink.put(f"{rel}.page{i}.png", png) for i, png in enumerate(page_images(data))]
    except InputError as exc:
        outcome.entries.append(Entry(**base, size=0, sha256="", status="failed", error=outcome.failed_by(exc)))
        return
    except Exception as exc:  # a bug must fail this annex, not the batch
        outcome.problems.append(bug(exc))
        outcome.entries.append(Entry(**base, size=0, sha256="", status="failed", error=bug_line(exc)))
        return
    outcome.entries.append(Entry(**base, size=len(data), sha256=hashlib.sha256(data).hexdigest(), status="written"))


_frozen_version: Optional[int] = None
LONG_LIVED: Optional[bool] = None  # None: true in a worker process; a queue's worker sets it True


def long_lived() -> bool:
    """Whether this process is a worker that builds annex after annex (not `annex build`, not
    a web server building in its own thread)."""
    if LONG_LIVED is None:
        import multiprocessing
        return multiprocessing.parent_process() is not None
    return LONG_LIVED


def freeze_long_lived() -> None:
    """When a job kept or dropped matrix pages (writers/pdf_pages.py), collect garbage once and
    freeze what is left (modules, matrices, kept pages): Python's full collections then skip
    those objects instead of rescanning them every few annexes, which cost a PDF about 15% of
    its time. Dropped pages are unfrozen first, so that they can be collected."""
    global _frozen_version
    from ..writers import pdf_pages
    if pdf_pages.generation() != _frozen_version:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _frozen_version = pdf_pages.generation()


# ---- many tasks ----

Runner = Callable[[Sequence[Task], Callable[[Task, Outcome], None], Callable[[Task, str], None]], None]
"""How tasks run: `runner(tasks, on_outcome, on_retry)` calls `on_outcome(task, outcome)` once per
task, in any order (`on_retry(task, how)` when a worker died under it and it runs again).
`in_process` here, `local_pool` (pool.py) for the batch; a queue adds its own."""


def plan(entries_in: Iterable[Any], formats: Sequence[str], sink: Sink, *, data_dir: Path, brand: BrandRef,
         previous: dict[tuple, Entry], force: bool = False, since: Optional[str] = None,
         draft: Optional[bool] = False) -> tuple[list[Task], list[Entry]]:
    """One task per customer x subscribed matrix of a customer file's entries
    (readers/customers.CustomerEntry), each with its previous manifest entries and its matrix's
    SHA-256; and the failed entries of the customers that cannot be read. Reading each matrix
    here also warms this process's catalog before workers fork from it."""
    tasks: list[Task] = []
    failed: list[Entry] = []
    for e in entries_in:
        if e.customer is None:
            message = one_line(e.problems)
            for mid in e.matrices or ("?",):
                failed += [Entry(e.raw_id, mid, "", "", fmt, "", 0, "", "", "", "failed", message) for fmt in formats]
            continue
        c = e.customer
        lang = c.lang or "fr"
        for mid in c.matrices:
            prev = tuple(p for k, p in previous.items() if k[0] == c.id and k[1] == mid)
            tasks.append(Task(c, MatrixRef(mid, lang, _sha256(mid, lang, data_dir)), tuple(formats), sink.spec,
                              str(data_dir), brand, prev, force, since, draft))
    return tasks, failed


def _sha256(matrix_id: str, lang: str, data_dir: Path) -> str:
    """The matrix file's SHA-256, or "" when it cannot be used (its task then says why)."""
    try:
        return lookup(matrix_id, lang, data_dir).sha256
    except Exception:  # bad input or a bug: the task's worker reports it, for its customer alone
        return ""


def in_process(tasks: Sequence[Task], on_outcome: Callable[[Task, Outcome], None],
               on_retry: Callable[[Task, str], None]) -> None:
    for task in tasks:
        on_outcome(task, run_task(task))


def produce(tasks: Sequence[Task], sink: Sink, *, runner: Runner = in_process, signer: Any = None,
            on_entry: Callable[[Entry], None] = lambda e: None,
            on_retry: Callable[[Task, str], None] = lambda t, how: None) -> list[Entry]:
    """Every task's files into `sink` (call inside `sink.session()`), signed copies of the PDFs
    with a `signer`; the entries, for the manifest the caller writes last. `on_entry` sees each
    entry as it comes (a progress line)."""
    entries: list[Entry] = []

    def collect(task: Task, outcome: Outcome) -> None:
        for e in outcome.entries:
            entries.append(e)
            on_entry(e)

    runner(tasks, collect, on_retry)
    if signer is not None:  # a signed copy of each PDF, its SHA-256 in the manifest
        entries = sign_entries(sink, entries, signer)
    return entries
