"""The pipeline: from a customer and a matrix to annex files in a sink, the one way every front
end (`annex build`, `annex batch`, the web service, a queue worker) makes annexes.

    catalog   (generator/catalog.py, a layer below: signing and versions read matrices too) the
              matrix catalog: `resolve_matrix`, `matrix_file`, `load_checked_matrix`, and
              `lookup(id, lang, data_dir) -> Held` (matrix + file SHA-256, cached per process)
    task      `Task`: one customer x one matrix x formats, self-contained (customer entry, matrix
              id/lang/sha256, brand version, sink spec, previous entries); `to_payload()` and
              `from_payload(payload, data_dir=, templates=)` as JSON for a queue (untrusted)
    sinks     `Sink`, the protocol a destination keeps (holds / put / get / session / previous /
              write_manifest); `FolderSink`, `StoreSink` (the web store); `open_sink(spec)`,
              `register_scheme(prefix, factory)` for more (object storage)
    job       `run_task(task) -> Outcome`: THE job function (skip unchanged, build, render,
              put, change notices; failures as `failed` entries, never raised);
              `produce(tasks, sink, runner=, signer=)`, `plan(...)` from customer entries to tasks
    failures  how a failure is told: `one_line`, `internal_error` (a bug, in the same words everywhere)
    pool      `local_pool(workers, job_timeout)`: the runner over this machine's worker processes
    signed    signed copies of the PDFs (`--sign`); notices: change notices (`--since`)

A runner is `runner(tasks, on_outcome, on_retry)`; a queue provides one that sends
`task.to_payload()` and hands back each `Outcome` (entries are plain dataclasses).
The interface above is kept stable for the front ends and the queue.
"""
from ..catalog import Held, load_checked_matrix, load_matrix_cached, lookup, matrix_file, resolve_matrix
from .failures import internal_error, one_line
from .job import Outcome, Runner, in_process, plan, produce, run_task
from .sinks import FolderSink, Sink, StoreSink, open_sink, register_scheme
from .task import BrandRef, MatrixRef, Task, from_payload

__all__ = ["BrandRef", "FolderSink", "Held", "MatrixRef", "Outcome", "Runner", "Sink", "StoreSink", "Task",
           "from_payload", "in_process", "internal_error", "load_checked_matrix", "load_matrix_cached", "lookup",
           "matrix_file", "one_line", "open_sink", "plan", "produce", "register_scheme", "resolve_matrix",
           "run_task"]
