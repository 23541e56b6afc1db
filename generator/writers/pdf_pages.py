"""Matrix pages laid out once per worker and reused: the one place that reaches into
WeasyPrint's laid-out page boxes.

Most of an annex's layout time goes to the matrix sections, and those pages are the same for
every customer of a matrix, language and set of deviations: the template starts the matrix and
the part after it on new pages (see annex.html.j2), so the matrix can be laid out on its own and
its pages put into each customer's "frame" (title block, legend, summary, deviations, sign-off),
which holds one empty page per matrix page. A composed page is the frame's page box, with the
frame's page margins (running header, version stamp, page N of M), around the matrix page's
content. The result is byte for byte the PDF of the whole annex laid out in one document
(tests/writers/test_pdf_pages.py checks it): WeasyPrint tags, fonts and draws page by page, and
a page box is only read when drawn, so the same matrix pages can be drawn into many annexes.

Kept per process, keyed by the matrix HTML itself (and the brand, whose files are read once per
process), so no change of data can reuse stale pages. The cache is small: a batch worker sees a
few matrices and languages, and customers with deviations of their own miss it anyway.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from weasyprint import Document
from weasyprint.document import Page

SLOT_CLASS = "matrix-page"
CACHE_SIZE = 8

_cache: OrderedDict[tuple, Document] = OrderedDict()


def matrix_document(key: object, html: str, layout: Callable[[str], Document]) -> Document:
    """The laid-out matrix pages for this HTML: from the cache, else `layout(html)`."""
    full_key = (key, hashlib.sha256(html.encode()).hexdigest())
    document = _cache.get(full_key)
    if document is None:
        document = layout(html)
        _cache[full_key] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(full_key)
    return document


def clear() -> None:
    _cache.clear()


def _is_slot(page: Page) -> bool:
    for box in page._page_box.children[0].descendants():
        element = getattr(box, "element", None)
        if element is not None and SLOT_CLASS in (element.get("class") or "").split():
            return True
    return False


def compose(frame: Document, matrix: Document) -> Document | None:
    """The frame with its empty matrix pages filled by the matrix's pages, or None when the
    frame's empty pages do not match (a template that ignores parts): lay out the whole then."""
    slots = [i for i, page in enumerate(frame.pages) if _is_slot(page)]
    if not slots or len(slots) != len(matrix.pages):
        return None
    pages = list(frame.pages)
    for index, source in zip(slots, matrix.pages):
        frame_box = frame.pages[index]._page_box
        # children[0] is the page's content (the root box); the rest are its margin boxes
        box = frame_box.copy_with_children([source._page_box.children[0], *frame_box.children[1:]])
        pages[index] = Page(box)
    return frame.copy(pages)
