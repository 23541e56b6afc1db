"""Matrix pages laid out once per process and reused: the one place that reaches into
WeasyPrint's laid-out page boxes.

Most of an annex's layout time goes to the matrix sections, and those pages are the same for
every customer of a matrix, language and set of deviations: the template starts the matrix and
the part after it on new pages (see annex.html.j2). So an annex is laid out whole, as one
document, until its matrix part comes back, and then its matrix pages are kept (`keep`); a later
annex with the same matrix part lays out only its "frame" (title block, legend, summary,
deviations, sign-off), which holds one empty page per matrix page, and `compose` puts the kept
pages in: a composed page is the frame's page box, with the frame's page margins (running
header, version stamp, page N of M), around the kept page's content. The result is byte for byte
the PDF of the whole annex laid out as one document (tests/writers/test_pdf_pages.py checks it):
WeasyPrint tags, fonts and draws page by page, and a laid-out box is only read when drawn, so
the same pages can be drawn into many annexes.

Kept per process, keyed by the matrix part's HTML itself (and the brand, whose files are read
once per process), so no change of data can reuse stale pages (see PageCache).

Kept pages depend on the font configuration they were laid out with: their text boxes hold
Pango layouts whose fonts live in that configuration's fontconfig set and temporary font
files, which `FontConfiguration.__del__` removes. WeasyPrint keeps the configuration alive
through `Document.font_config` for as long as a document lives; kept pages outlive their
document, so each entry keeps the configuration too (pdf.font_config's per-brand cache may
drop it first, with more brands in a process than it holds).

Fenced: reuse is on only with a WeasyPrint version it was verified with (VERIFIED), and can be
turned off with ANNEX_PAGE_REUSE=0; off, every annex is laid out whole (same bytes, slower).
"""
from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from functools import cache as once
from typing import NamedTuple

import weasyprint
from weasyprint import Document
from weasyprint.document import Page
from weasyprint.formatting_structure.boxes import Box
from weasyprint.text.fonts import FontConfiguration

MATRIX_CLASS = "matrix-section"  # a section of the matrix part
SLOT_CLASS = "matrix-page"  # an empty page of the frame, for one matrix page
# WeasyPrint versions whose page boxes this module was checked against, byte for byte
# (tests/writers/test_pdf_pages.py): its private attributes may change in any other one
VERIFIED = ("70.",)
SWITCH = "ANNEX_PAGE_REUSE"  # "0": never reuse pages

LOG = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether matrix pages may be kept and reused in this process now."""
    return os.environ.get(SWITCH, "1") != "0" and verified(weasyprint.__version__)


@once
def verified(version: str) -> bool:
    """Whether page reuse was checked with this WeasyPrint version; said once when not."""
    if version.startswith(VERIFIED):
        return True
    LOG.debug("WeasyPrint %s: matrix page reuse was verified with %s only; annexes are laid out whole",
              version, ", ".join(v + "x" for v in VERIFIED))
    return False


class Kept(NamedTuple):
    pages: tuple[Box, ...]
    font_config: FontConfiguration  # what the pages' text draws with: must live as long as they do


class PageCache:
    """Matrix pages by (brand, SHA-256 of the matrix part's HTML), least recently used first.

    Pages are kept the second time a matrix part is seen, not the first: a customer with
    deviations of its own never comes back, and keeping its pages would only push out shared
    ones. Bounded by pages, not entries (about 2.5 MB a page), so a long matrix counts for more.
    `generation()` changes whenever pages are kept or dropped: a batch worker re-freezes its
    garbage collector's view of long-lived objects then (see batch.py)."""

    MAX_PAGES = 48
    MAX_SEEN = 4096

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, Kept] = OrderedDict()
        self.seen: OrderedDict[tuple, None] = OrderedDict()
        self.version = 0  # read through generation()

    def generation(self) -> int:
        """A number that changes whenever pages are kept or dropped, and only then."""
        return self.version

    @staticmethod
    def key(brand: object, matrix_html: str) -> tuple:
        return brand, hashlib.sha256(matrix_html.encode()).hexdigest()

    def lookup(self, brand: object, matrix_html: str) -> tuple[Box, ...] | None:
        """The kept matrix pages for this matrix part, if an earlier annex laid them out."""
        key = self.key(brand, matrix_html)
        kept = self.entries.get(key)
        if kept is None:
            return None
        self.entries.move_to_end(key)
        return kept.pages

    def keep(self, brand: object, matrix_html: str, whole: Document) -> None:
        """Keep the matrix pages of an annex laid out whole, if its matrix part was seen before:
        the pages whose content is only matrix sections. Nothing is kept if the template does
        not put them on pages of their own."""
        key = self.key(brand, matrix_html)
        if key not in self.seen:
            self.seen[key] = None
            if len(self.seen) > self.MAX_SEEN:
                self.seen.popitem(last=False)
            return
        classes = [_classes_on(page) for page in whole.pages]
        holding = [i for i, found in enumerate(classes) if MATRIX_CLASS in found]
        # the matrix must hold consecutive pages of its own, nothing else on them
        if not holding or any(classes[i] != {MATRIX_CLASS} for i in range(holding[0], holding[-1] + 1)):
            return
        self.entries[key] = Kept(tuple(whole.pages[i]._page_box.children[0] for i in holding), whole.font_config)
        while sum(len(kept.pages) for kept in self.entries.values()) > self.MAX_PAGES and len(self.entries) > 1:
            self.entries.popitem(last=False)
        self.version += 1

    def clear(self) -> None:
        self.entries.clear()
        self.seen.clear()
        self.version += 1


cache = PageCache()


def generation() -> int:
    """Changes whenever this process keeps or drops matrix pages (PageCache.generation)."""
    return cache.generation()


def _classes_on(page: Page) -> set[str]:
    """The classes of the elements whose boxes are the page's top-level content (the children
    of the body box), fixed boxes such as a draft watermark left out."""
    root = page._page_box.children[0]
    found: set[str] = set()
    for body in root.children:
        if getattr(body, "element_tag", None) != "body":
            continue
        for box in body.children:
            element = getattr(box, "element", None)
            if element is None or box.style["position"] == "fixed":
                continue
            marks = set((element.get("class") or "").split()) & {MATRIX_CLASS, SLOT_CLASS}
            found |= marks or {element.tag}
    return found


def compose(frame: Document, matrix_pages: tuple[Box, ...]) -> Document | None:
    """The frame with its empty pages filled by the matrix pages, or None when the frame's
    empty pages do not match (a template that ignores parts): lay out the whole then."""
    slots = [i for i, page in enumerate(frame.pages) if _classes_on(page) == {SLOT_CLASS}]
    if not slots or len(slots) != len(matrix_pages):
        return None
    pages = list(frame.pages)
    for index, content in zip(slots, matrix_pages, strict=True):
        frame_box = frame.pages[index]._page_box
        # children[0] is the page's content (the root box); the rest are its margin boxes
        pages[index] = Page(frame_box.copy_with_children([content, *frame_box.children[1:]]))
    return frame.copy(pages)
