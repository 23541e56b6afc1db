"""`annex batch`: every customer x subscribed matrix x format, in parallel, incrementally,
with a manifest; one customer's bad data fails that customer alone.

The parent reads the customer file, plans one job per (customer, matrix) and hands jobs to
worker processes (workers.py: a dead worker costs one retry, not the batch); a worker builds
the annex model once and renders each format from it. The output folder is locked for the run.
Matrices and the brand are cached per worker, so a batch pays their cost once per process.
"""
from __future__ import annotations

import gc
import hashlib
import os
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .. import fontcoverage
from ..annex import build_annex, output_name
from ..brand import load_brand
from ..infra.atomic import FolderLocked, lock_folder, sweep_temporaries, write_atomic, write_error
from ..infra.diagnostics import InputError, error, printable
from ..infra.workers import ATTEMPTS, Crashed, Lost, TimedOut, run_jobs
from ..manifest import Entry, check_writable, load_previous, sha256_file, write_manifest
from ..model import Customer
from ..readers.customers import read_customer_entries


@dataclass(frozen=True)
class Job:
    customer: Customer
    matrix_id: str
    formats: tuple[str, ...]
    out_dir: str
    data_dir: str
    templates: Optional[str]
    previous: tuple[Entry, ...]  # last manifest's entries for this customer and matrix
    force: bool
    since: Optional[str] = None  # --since: also write the change notice against this version


@lru_cache(maxsize=64)
def _matrix(path: str, mtime_ns: int):
    from .build import load_checked_matrix
    return load_checked_matrix(Path(path))


def load_matrix_cached(path: Path):
    """A checked matrix, read once per worker (the cache key includes the file's mtime)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _matrix(str(path), mtime)


def run_job(job: Job) -> list[Entry]:
    """Build one customer's annex for one matrix in every format; never raises for bad input."""
    from ..writers import renderer
    from .build import resolve_matrix
    c = job.customer
    lang = c.lang or "fr"
    try:
        path = resolve_matrix(job.matrix_id, lang=lang, data_dir=Path(job.data_dir))
        matrix = load_matrix_cached(path)
        annex = build_annex(matrix, c, load_brand(job.templates))
    except InputError as exc:
        return failed_entries(job, one_line(exc.diagnostics))
    except Exception as exc:  # a bug must fail this customer, not the batch
        return failed_entries(job, internal_error(f"{type(exc).__name__}: {exc}"))
    out_dir = Path(job.out_dir)
    previous = {e.format: e for e in job.previous}
    entries = []
    for fmt in job.formats:
        rel = f"{c.id}/{output_name(annex, fmt)}"
        target = out_dir / rel
        base = dict(customer=c.id, matrix=matrix.id, lang=annex.lang, version=matrix.version, format=fmt, path=rel,
                    fingerprint=annex.stamp.fingerprint, template=annex.brand.version)
        before = previous.get(fmt)
        if (not job.force and before and before.fingerprint == annex.stamp.fingerprint
                and before.template == annex.brand.version and before.path == rel and target.is_file()
                and target.stat().st_size == before.size and sha256_file(target) == before.sha256):
            entries.append(Entry(**base, size=before.size, sha256=before.sha256, status="unchanged"))
            continue
        try:
            data = renderer(fmt)(annex)
            write_atomic(target, data)
        except InputError as exc:
            entries.append(Entry(**base, size=0, sha256="", status="failed", error=one_line(exc.diagnostics)))
            continue
        except Exception as exc:  # a bug must fail this annex, not the batch
            entries.append(Entry(**base, size=0, sha256="", status="failed",
                                 error=internal_error(f"{type(exc).__name__}: {exc}")))
            continue
        entries.append(Entry(**base, size=len(data), sha256=hashlib.sha256(data).hexdigest(), status="written"))
    if job.since:
        from ..versions.batch_notice import write_notices
        entries += write_notices(c, matrix, annex.brand, notice_formats(job.formats), out_dir, Path(job.data_dir),
                                 job.since, tuple(e for e in job.previous if e.format.startswith("notice-")))
    if "pdf" in job.formats:
        freeze_long_lived()
    return entries


def failed_entries(job: Job, message: str) -> list[Entry]:
    """A job's annexes, every format, failed with one message."""
    c = job.customer
    return [Entry(c.id, job.matrix_id, c.lang or "fr", "", fmt, "", 0, "", "", "", "failed", message)
            for fmt in job.formats]


def internal_error(what: str) -> str:
    """An unexpected exception, told as what it is: a bug, not the customer's data."""
    return f"internal error (a bug in annex, please report it with this line): {what}"


_frozen_version: Optional[int] = None


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


def one_line(diagnostics) -> str:
    """Diagnostics on one line, for the manifest and log lines."""
    return " | ".join(d.format().replace("\n    ", " — ") for d in diagnostics)


def _interrupt(signum, frame):
    """SIGINT or SIGTERM: stop the batch once; a second signal during the cleanup is ignored,
    so that the cleanup itself is never cut short by a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def notice_formats(formats) -> tuple[str, ...]:
    """The formats a change notice is written in (`--since`): PDF and DOCX, not the review copy."""
    return tuple(f for f in formats if f in ("pdf", "docx"))


JOB_TIMEOUT = 300.0  # seconds for one customer x matrix; the worst legal input takes ~35 s here


def run_batch(customers_file: Path, *, jobs: Optional[int], formats: list[str], out_dir: Path, force: bool,
              templates: Optional[Path], data_dir: Path, signer=None, since: Optional[str] = None,
              job_timeout: Optional[float] = JOB_TIMEOUT) -> int:
    entries_in = read_customer_entries(customers_file)[0]  # the parsed file itself is not kept
    brand = load_brand(templates)  # a bad brand folder fails the whole run, before any work
    from ..writers import check_brand
    check_brand(formats, brand)  # imports the writers once, before workers fork from this process
    fontcoverage.covered(brand)
    with _locked_output(out_dir):
        return _run_locked(entries_in, jobs=jobs, formats=formats, out_dir=out_dir, force=force,
                           templates=templates, data_dir=data_dir, signer=signer, since=since,
                           job_timeout=job_timeout)


def _locked_output(out_dir: Path) -> ExitStack:
    """The output folder, created and locked for this batch; anything that stands in the way (a
    file under its name, a read-only folder, another batch, a folder named like the manifest)
    is an InputError (exit 2) raised before any work."""
    stack = ExitStack()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stack.enter_context(lock_folder(out_dir))
    except FolderLocked as exc:
        holder = f" (pid {exc.pid})" if exc.pid else ""
        raise InputError([error(out_dir, f"another batch{holder} is writing into this output folder",
                                hint="wait until it ends, or choose another output folder with -o")],
                         unreadable=True) from None
    except OSError as exc:
        raise write_error(out_dir if exc.filename is None else exc.filename, exc) from None
    problems = check_writable(out_dir)
    if problems:
        stack.close()
        raise InputError(problems, unreadable=True)
    return stack


def _run_locked(entries_in, *, jobs: Optional[int], formats: list[str], out_dir: Path, force: bool,
                templates: Optional[Path], data_dir: Path, signer=None, since: Optional[str] = None,
                job_timeout: Optional[float] = JOB_TIMEOUT) -> int:
    swept = sweep_temporaries(out_dir)  # only under the lock: no other batch is writing here
    previous, warnings = load_previous(out_dir)
    results: list[Entry] = []
    planned: list[Job] = []
    for e in entries_in:
        if e.customer is None:
            message = one_line(e.problems)
            for mid in e.matrices or ("?",):
                for fmt in formats:
                    results.append(Entry(e.raw_id, mid, "", "", fmt, "", 0, "", "", "", "failed", message))
            continue
        c = e.customer
        for mid in c.matrices:
            prev = tuple(p for k, p in previous.items() if k[0] == c.id and k[1] == mid)
            planned.append(Job(c, mid, tuple(formats), str(out_dir), str(data_dir),
                               str(templates) if templates else None, prev, force, since))
    total = len(planned) * (len(formats) + (len(notice_formats(formats)) if since else 0)) + len(results)
    report = Reporter(total, stream=sys.stderr)
    if swept:
        report.log(f"removed {swept} temporary file(s) left by an interrupted run")
    for w in warnings:
        report.log(one_line([w]))
    for r in results:
        report.done(r)
    workers = max(1, jobs or os.cpu_count() or 1)
    handlers = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        # always in worker processes, even one: a job that dies, or runs past the time limit,
        # fails alone instead of taking the batch with it
        _parallel(planned, workers, report, results, job_timeout)
    except KeyboardInterrupt:
        report.close()
        sweep_temporaries(out_dir)  # every worker is dead by now: nothing is still being written
        print("interrupted: annexes written so far are complete; the manifest was not updated", file=sys.stderr)
        return 130
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    report.close()
    sweep_temporaries(out_dir)  # what a worker killed mid-write left (its job ran again)
    if signer is not None:  # `--sign`: a signed copy of each PDF, its SHA-256 in the manifest
        from ..signing.batch import sign_entries
        results = sign_entries(out_dir, results, signer)
    totals = write_manifest(out_dir, results)
    print(f"{totals['written']} written, {totals['unchanged']} unchanged, {totals['failed']} failed "
          f"({totals['annexes']} annexes, {totals['customers']} customers) -> {printable(out_dir)}/manifest.json",
          file=sys.stderr)
    return 1 if totals["failed"] else 0


def _parallel(planned: list[Job], workers: int, report: Reporter, results: list[Entry],
              job_timeout: Optional[float] = None) -> None:
    """Run the jobs over worker processes (workers.py); a job whose worker dies is retried once
    in a fresh one, and fails alone if it kills that one too; a job still running after
    `job_timeout` seconds fails alone (its worker is killed)."""
    # fork: workers inherit the imported modules and warm caches instead of re-importing; what
    # they inherit is frozen, so their garbage collector neither scans nor copies it
    gc.collect()
    gc.freeze()

    def on_result(job: Job, result) -> None:
        if isinstance(result, Lost):
            result = failed_entries(job, f"the worker process building it died {ATTEMPTS} times ({result.how}); "
                                         "it may need more memory than the machine has")
        elif isinstance(result, TimedOut):
            result = failed_entries(job, f"took longer than {result.seconds:g} s and was stopped (--job-timeout); "
                                         "check this customer's data for unusually long texts")
        elif isinstance(result, Crashed):
            result = failed_entries(job, internal_error(result.error))
        for r in result:
            results.append(r)
            report.done(r)

    def on_retry(job: Job, how: str) -> None:
        report.log(f"worker died ({how}) while building {job.customer.id} {job.matrix_id}: "
                   "trying once more in a fresh worker")

    run_jobs(planned, run_job, workers, on_result, on_retry, time_limit=job_timeout)


class Reporter:
    """A progress bar on a terminal; plain log lines otherwise (CI, cron, pipes)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total = total
        self.count = 0
        self.stream = stream
        self.started = time.monotonic()
        self.progress = None
        if stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            self.progress = Progress(TextColumn("annexes"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[rate]}/s"), TimeElapsedColumn(),
                                     TextColumn("left"), TimeRemainingColumn(),
                                     console=Console(file=stream), transient=False)
            self.task = self.progress.add_task("batch", total=total, rate="0.0")
            self.progress.start()

    def log(self, message: str) -> None:
        """One line; control characters from the data are shown escaped (diagnostics.printable)."""
        message = printable(message)
        if self.progress:
            self.progress.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self.stream, flush=True)

    def done(self, entry: Entry) -> None:
        self.count += 1
        if entry.status == "failed":
            self.log(f"FAILED {entry.customer} {entry.matrix} {entry.format}: {entry.error}")
        if self.progress:
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress.update(self.task, advance=1, rate=f"{self.count / elapsed:.1f}")
        elif entry.status != "failed":
            print(f"[{self.count}/{self.total}] {entry.status:9} {printable(entry.path)}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.progress:
            self.progress.stop()
            self.progress = None
