"""Annexes generated for the service by the CLI's own pipeline, in warm worker processes.

A worker reads matrices once (batch.load_matrix_cached), the brand once (load_brand is
cached) and keeps WeasyPrint's matrix pages between annexes (writers/pdf_pages.py), so an annex
costs what the warm benchmark says, not a cold start. Workers are started with `spawn` (the
server has threads, which `fork` does not mix with) and warmed up before the first request.
Results cross the process boundary as plain data: file digests, never file bytes.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..infra.diagnostics import Diagnostic, InputError, error
from ..model.matrix import LANGUAGES

MATRIX_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIMEOUT = 180  # seconds for one annex; a stuck worker must not hang a request for ever
MAX_PREVIEW_PAGES = 40


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
    from ..commands.batch import load_matrix_cached
    from ..commands.build import resolve_matrix
    try:
        return load_matrix_cached(resolve_matrix(matrix_id, lang=lang, data_dir=data_dir)).status
    except InputError:
        return None


def run(req: Request) -> Result:
    """Build one annex in this process; bad input comes back as diagnostics, never raised."""
    try:
        return _run(req)
    except InputError as exc:
        return Result(req.matrix_id, req.lang, errors=exc.diagnostics)
    except Exception as exc:  # a bug fails this request with a message, not the worker
        return Result(req.matrix_id, req.lang,
                      errors=[error("annex", f"internal error: {type(exc).__name__}: {exc}")])


def _run(req: Request) -> Result:
    from ..annex import build_annex, output_name
    from ..brand import load_brand
    from ..commands.batch import load_matrix_cached
    from ..commands.build import resolve_matrix
    from ..model import Customer
    from ..writers import check_brand, renderer
    from .store import Store
    if not MATRIX_ID.match(req.matrix_id) or req.lang not in LANGUAGES:
        # an id, never a path: resolve_matrix would also take a file name relative to the server
        raise InputError([error("request", f"`{req.matrix_id}` ({req.lang}) is not a matrix id and language",
                                hint="use a matrix id under data/matrices and one of fr, en, de, es, it")])
    path = resolve_matrix(req.matrix_id, lang=req.lang, data_dir=Path(req.data_dir))
    matrix = load_matrix_cached(path)
    if matrix.id != req.matrix_id:
        raise InputError([error(path, f"holds matrix `{matrix.id}`, not `{req.matrix_id}`")])
    customer = Customer.model_validate(req.customer) if req.customer else None
    brand = load_brand(req.templates)
    formats = list(req.formats)
    check_brand(formats, brand)
    # a preview carries the draft watermark (a draft matrix's, or an approved one's), so that it
    # can never be sent in place of the issued annex
    annex = build_annex(matrix, customer, brand, draft=not req.issue)
    store = Store(Path(req.store_dir))
    result = Result(matrix.id, annex.lang, matrix.version, annex.stamp.fingerprint, annex.draft)
    for fmt in formats:
        data = renderer(fmt)(annex)
        result.files[fmt] = {"sha256": store.put(data), "size": len(data), "name": output_name(annex, fmt)}
        if fmt == "pdf" and req.preview:
            result.pages = [store.put(png) for png in page_images(data)]
    if "pdf" in formats and multiprocessing.parent_process() is not None:
        from ..commands.batch import freeze_long_lived
        freeze_long_lived()  # as a batch worker does: kept matrix pages leave the garbage collector's scans
    return result


def page_images(pdf: bytes, scale: float = 1.0) -> list[bytes]:
    """Each page of a PDF as PNG bytes (PDFium, from the pypdfium2 wheel: no system package)."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(min(len(doc), MAX_PREVIEW_PAGES)):
            page = doc[i]
            image = page.render(scale=scale).to_pil()
            buf = io.BytesIO()
            image.save(buf, format="PNG", optimize=False)
            out.append(buf.getvalue())
            page.close()
        return out
    finally:
        doc.close()


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

    def __init__(self, workers: int, *, data_dir: Path, store_dir: Path, templates: Optional[Path],
                 warm: tuple[tuple[str, str], ...] = ()):
        self.data_dir, self.store_dir = str(data_dir), str(store_dir)
        self.templates = str(templates) if templates else None
        self.pool = None
        if workers > 0:
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(workers, initializer=_warm,
                                 initargs=(self.data_dir, self.store_dir, self.templates, tuple(warm)))

    def request(self, matrix_id: str, lang: str, customer: Optional[dict], formats: tuple[str, ...], *,
                preview: bool = False, issue: bool = False) -> Request:
        return Request(matrix_id, lang, customer, formats, self.data_dir, self.store_dir, self.templates,
                       preview, issue)

    def run(self, req: Request) -> Result:
        if self.pool is None:
            return run(req)
        try:
            return self.pool.apply_async(run, (req,)).get(TIMEOUT)
        except multiprocessing.TimeoutError:
            return Result(req.matrix_id, req.lang,
                          errors=[error("annex", f"generation took over {TIMEOUT} s and was abandoned",
                                        hint="try again; if it persists, tell the administrator")])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def known_matrices(data_dir: Path) -> list[tuple[str, list[str]]]:
    """(matrix id, languages) for every matrix folder under data/matrices."""
    root = Path(data_dir) / "matrices"
    if not root.is_dir():
        return []
    return [(d.name, sorted(f.stem for f in d.glob("*.yaml"))) for d in sorted(root.iterdir()) if d.is_dir()]


def cpu_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))
