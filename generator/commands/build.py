"""`annex build`: one matrix (and optionally one customer) into annex files, through the pipeline
(pipeline.run_task into a folder): the same code, and so the same bytes, as a batch."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..brand import Brand
from ..infra.diagnostics import InputError
from ..model import Customer, Matrix
from ..pipeline import BrandRef, FolderSink, Held, MatrixRef, Task, run_task
from ..pipeline.signed import ensure_signed
from ..writers import check_brand


@dataclass(frozen=True)
class Written:
    path: Path
    fmt: str
    size: int
    fingerprint: str
    what: str = "wrote"  # or, for a signed copy: "signed", "kept (already signs these bytes)"


def build(matrix: Matrix, customer: Optional[Customer], brand: Brand, formats: list[str], out_dir: Path, *,
          draft: bool = False, review: bool = False, signer=None) -> list[Written]:
    """The annex in each format; `review` adds the review DOCX (`_review.docx`) to them, a
    `signer` a signed copy of the PDF. Raises InputError for what the inputs cannot make."""
    formats = formats + ["review"] if review and "review" not in formats else formats
    check_brand(formats, brand)
    sink = FolderSink(out_dir)
    task = Task(customer, MatrixRef(matrix.id, matrix.lang), tuple(formats), sink.spec,
                brand=BrandRef(str(brand.folder), brand.version), draft=draft)
    outcome = run_task(task, sink, held=Held(matrix, "", Path()), brand=brand)
    if outcome.problems:
        raise InputError(outcome.problems, unreadable=outcome.unreadable)
    written = [Written(sink.path(e.path), e.format, e.size, e.fingerprint) for e in outcome.entries]
    if signer is not None:
        for w in [w for w in written if w.fmt == "pdf"]:
            rel = w.path.relative_to(out_dir).as_posix()
            name, signed, made = ensure_signed(sink, rel, signer)
            written.append(Written(sink.path(name), "pdf", len(signed), w.fingerprint,
                                   "signed" if made else "kept (already signs these bytes)"))
    sink.flush()  # on disk before the command says so
    return written
