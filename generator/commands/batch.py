"""`annex batch`: every customer x subscribed matrix x format, in parallel, incrementally,
with a manifest; one customer's bad data fails that customer alone.

The parent reads the customer file, plans one task per (customer, matrix) (pipeline.plan) and
hands them to a runner: by default this machine's worker processes (pipeline/pool.py: a dead
worker costs one retry, not the batch). The output folder is locked for the run. This module is
the command's face: the progress line, interrupts and the summary.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Optional

from .. import fontcoverage
from ..brand import load_brand
from ..infra.diagnostics import printable
from ..manifest import Entry
from ..pipeline import BrandRef, FolderSink, Runner, Sink, Task, one_line, plan, produce
from ..pipeline.pool import JOB_TIMEOUT, local_pool
from ..pipeline.signed import sign_entries
from ..readers.customers import read_customer_entries
from ..writers import check_brand


def _interrupt(signum, frame):
    """SIGINT or SIGTERM: stop the batch once; a second signal during the cleanup is ignored,
    so that the cleanup itself is never cut short by a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def run_batch(customers_file: Path, *, jobs: Optional[int], formats: list[str], out_dir: Path, force: bool,
              templates: Optional[Path], data_dir: Path, signer=None, since: Optional[str] = None,
              job_timeout: Optional[float] = JOB_TIMEOUT, runner: Optional[Runner] = None,
              sink: Optional[Sink] = None) -> int:
    """The batch into `sink` (default: the folder `out_dir`) over `runner` (default: the local
    worker pool, `jobs` processes)."""
    entries_in = read_customer_entries(customers_file)[0]  # the parsed file itself is not kept
    brand = load_brand(templates)  # a bad brand folder fails the whole run, before any work
    check_brand(formats, brand)  # imports the writers once, before workers fork from this process
    fontcoverage.covered(brand)
    sink = sink or FolderSink(out_dir)
    runner = runner or local_pool(max(1, jobs or os.cpu_count() or 1), job_timeout)
    with sink.session():
        previous, warnings = sink.previous()
        tasks, results = plan(entries_in, formats, sink, data_dir=data_dir, previous=previous, force=force,
                              since=since, brand=BrandRef(str(templates) if templates else None, brand.version))
        total = sum(len(t.formats) + len(t.notice_formats) for t in tasks) + len(results)
        report = Reporter(total, stream=sys.stderr)
        if sink.swept:
            report.log(f"removed {sink.swept} temporary file(s) left by an interrupted run")
        for w in warnings:
            report.log(one_line([w]))
        for r in results:
            report.done(r)
        return _run(tasks, results, sink, runner, report, signer)


def _run(tasks: list[Task], results: list[Entry], sink: Sink, runner: Runner, report: Reporter, signer) -> int:
    handlers = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_retry(task: Task, how: str) -> None:
        who = task.customer.id if task.customer else ""
        report.log(f"worker died ({how}) while building {who} {task.matrix.id}: trying once more in a fresh worker")
    try:
        results += produce(tasks, sink, runner=runner, on_entry=report.done, on_retry=on_retry)
    except KeyboardInterrupt:
        report.close()
        sweep(sink)  # every worker is dead by now: nothing is still being written
        print("interrupted: annexes written so far are complete; the manifest was not updated", file=sys.stderr)
        return 130
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    report.close()
    sweep(sink)  # what a worker killed mid-write left (its job ran again)
    if signer is not None:  # `--sign`: a signed copy of each PDF, its SHA-256 in the manifest
        results = sign_entries(sink, results, signer)
    totals = sink.write_manifest(results)
    print(f"{totals['written']} written, {totals['unchanged']} unchanged, {totals['failed']} failed "
          f"({totals['annexes']} annexes, {totals['customers']} customers) -> {printable(sink.spec)}/manifest.json",
          file=sys.stderr)
    return 1 if totals["failed"] else 0


def sweep(sink: Sink) -> None:
    """Clear the temporaries of killed workers, where the sink has such (a folder)."""
    clear = getattr(sink, "sweep", None)
    if clear is not None:
        clear()


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
