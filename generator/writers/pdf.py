"""The annex as a PDF: HTML (writers/html.py) laid out by WeasyPrint.

PDF/A-3a: archival (fonts embedded, colour profile, XMP identification), tagged for
accessibility (the "a" level), and able to carry the canonical JSON of the annex's inputs
as an attached file (PDF/A-3 allows attachments, PDF/A-2 does not). WeasyPrint may load
resources only from the brand folder (and templates/default): the URL fetcher refuses every
other file and every network URL. No clock: dates come from the effective date, the file
identifier from the fingerprint, so the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import CSS, HTML, Attachment, Document
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..annex import Annex
from ..brand import Brand
from ..infra.diagnostics import InputError, error
from ..model.annex_data import ATTACHMENT_NAME, RELATIONSHIP
from ..signing import fields as signature_fields
from . import html as html_writer
from . import pdf_pages

PDF_VARIANT = "pdf/a-3a"
OPTIONS = MappingProxyType({"pdf_variant": PDF_VARIANT, "uncompressed_pdf": False})  # layout and writing alike
Finisher = Callable[[Document, pydyf.PDF], None]  # WeasyPrint's write_pdf(finisher=...)
STYLESHEET = "annex.css"
MIME = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff",
        ".woff2": "font/woff2", ".json": "application/json"}


class RefusedResource(FatalURLFetchingError):
    """A template or data field asked for a resource outside the brand folder."""


class BrandFetcher(URLFetcher):
    """Serves files of the brand folder (falling back to templates/default), nothing else."""

    def __init__(self, brand: Brand):
        super().__init__(allowed_protocols=("file", "data"))
        self.brand = brand

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedResource(f"network and other non-file URLs are refused: {url}")
        path = Path(unquote(parts.path)).resolve()
        if path in self.brand.system_fonts:  # a fallback font brand.yaml names (brand.py checked it)
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": MIME.get(
                path.suffix.lower(), "font/collection")})
        for root in self.brand.roots():
            if path.is_relative_to(root):
                found = self.brand.find(path.relative_to(root).as_posix())
                return URLFetcherResponse(found.as_uri(), found.read_bytes(),
                                          {"Content-Type": MIME.get(found.suffix.lower(), "application/octet-stream")})
        raise RefusedResource(f"file outside the template folder is refused: {url}")


def base_url(brand: Brand) -> str:
    return brand.folder.as_uri() + "/"


@lru_cache(maxsize=16)
def font_config(brand: Brand) -> FontConfiguration:
    """One font configuration per brand and process: @font-face files are loaded once."""
    return FontConfiguration()


def check(brand: Brand) -> None:
    """What a batch checks once, up front, before any annex: the font subsetter, the stylesheet
    and its fonts (for a Typst brand: its template, pdf_typst.check)."""
    if brand.engine == "typst":
        from . import pdf_typst
        return pdf_typst.check(brand)
    if harfbuzz_subset is None:
        # WeasyPrint would subset fonts with fontTools instead: other font bytes, so other PDFs
        raise InputError([error("libharfbuzz-subset0", "HarfBuzz's subsetting library is not installed: annexes "
                                "would embed different font bytes than on every other machine",
                                hint="install it: apt-get install libharfbuzz-subset0 (or run "
                                     "scripts/install-system-deps.sh as root)")], unreadable=True)
    with resource_errors(brand):
        stylesheet(brand)


@lru_cache(maxsize=16)
def stylesheet(brand: Brand) -> CSS:
    """The brand's annex.css, parsed once per brand and process (parsing it took as long as
    laying out a page of the frame). Applied as the user stylesheet: the template's own <style>
    block, which brand.yaml fills, wins over it where both set the same property."""
    path = brand.find(STYLESHEET)
    return CSS(string=path.read_text(encoding="utf-8"), base_url=path.parent.as_uri() + "/",
               url_fetcher=BrandFetcher(brand), font_config=font_config(brand))


@contextmanager
def source_date(day: dt.datetime) -> Iterator[None]:
    """fontTools stamps each font subset's `head.modified` with the clock unless
    SOURCE_DATE_EPOCH is set: pin it to the effective date while rendering."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(day.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def resource_errors(brand: Brand) -> Iterator[None]:
    """WeasyPrint logs a resource it cannot use (a broken logo, a bad stylesheet) as an error and
    goes on without it; an annex must not silently lose its logo, so that stops the build."""
    handler = _Collect()
    LOGGER.addHandler(handler)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
    if handler.messages:
        raise InputError([error(brand.folder, f"a brand resource could not be used: {m}",
                                hint="fix or replace the file named in brand.yaml or the template")
                          for m in dict.fromkeys(handler.messages)])


def effective_day(day: dt.date) -> dt.datetime:
    """The effective date as the PDF's clock: its attachment dates and its font subsets' stamps."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def embedded_data(content: str | bytes, name: str, description: str, day: dt.datetime, brand: Brand) -> Attachment:
    """The document's data as a PDF/A-3 associated file (/AFRelationship /Data), dated `day`."""
    return Attachment(string=content, name=name, relationship=RELATIONSHIP, description=description, created=day,
                      modified=day, url_fetcher=BrandFetcher(brand))


def layout(html: str, brand: Brand) -> Document:
    """HTML laid out with the brand's stylesheet and fonts, loading resources from its folder only."""
    return HTML(string=html, base_url=base_url(brand), url_fetcher=BrandFetcher(brand)).render(
        stylesheets=[stylesheet(brand)], font_config=font_config(brand), **OPTIONS)


def write(document: Document, data: Attachment, *, identifier: str, day: dt.datetime,
          finish: Finisher | None = None) -> bytes:
    """The finishing every PDF of annex gets (annex, change notice): PDF/A-3a, `data` attached and
    listed once in /AF, the file identifier from the fingerprint `identifier`, font subsets stamped
    with `day`; `finish` adds what is the document's own (the annex's signature fields)."""
    def finisher(document: Document, pdf: pydyf.PDF) -> None:
        if finish is not None:
            finish(document, pdf)
        unique_attachments(pdf)
    with source_date(day):
        return document.write_pdf(attachments=[data], pdf_identifier=identifier[:32].encode(), finisher=finisher,
                                  **OPTIONS)


@contextmanager
def brand_errors(brand: Brand) -> Iterator[None]:
    """A brand resource that cannot be used (resource_errors) or may not be loaded (the fetcher
    refused it) as a located input error."""
    try:
        with resource_errors(brand):
            yield
    except RefusedResource as exc:
        raise InputError([error(brand.folder, f"the template asked for a resource it may not load: {exc.args[0]}",
                                hint="templates may only use files inside their brand folder")]) from None


def render(annex: Annex, *, reuse: bool = True) -> bytes:
    """The annex as PDF bytes, laid out as one document; with `reuse`, its matrix pages are kept
    for later annexes of the same matrix, language and deviations in this process, and taken
    from an earlier one when it had them (pdf_pages, when `pdf_pages.enabled()`). Same bytes
    either way (tests/writers/test_pdf_pages.py). A brand whose `engine` is `typst` is laid out
    by Typst instead (writers/pdf_typst.py)."""
    if annex.brand.engine == "typst":
        from . import pdf_typst
        return pdf_typst.render(annex)
    brand = annex.brand
    day = effective_day(annex.stamp.effective_date)
    data = embedded_data(annex.embedded_json(), ATTACHMENT_NAME, "Canonical JSON of the matrix, customer context "
                         f"and deviations (SHA-256 {annex.stamp.fingerprint})", day, brand)
    with brand_errors(brand):
        document = _layout(annex, reuse and pdf_pages.enabled())
        add_fields = signature_fields.finisher(signature_fields.field_labels(annex))  # one empty field per party
        return write(document, data, identifier=annex.stamp.fingerprint, day=day, finish=add_fields)


def _layout(annex: Annex, reuse: bool) -> Document:
    """The annex laid out, reusing kept matrix pages when it can."""
    brand = annex.brand
    if reuse:
        matrix_html = html_writer.render(annex, part="matrix")
        matrix_pages = pdf_pages.cache.lookup(brand, matrix_html)
        if matrix_pages is not None:
            frame = layout(html_writer.render(annex, part="frame", matrix_pages=len(matrix_pages)), brand)
            return pdf_pages.compose(frame, matrix_pages)
    document = layout(html_writer.render(annex), brand)
    if reuse:
        pdf_pages.cache.keep(brand, matrix_html, document)
    return document


def unique_attachments(pdf: pydyf.PDF) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF (once from the name tree,
    once as a file specification), which PDF/A validators flag: list each once."""
    if "AF" in pdf.catalog:
        specs = [obj.reference for obj in pdf.objects
                 if isinstance(obj, dict) and obj.get("Type") == "/Filespec" and hasattr(obj, "reference")]
        pdf.catalog["AF"] = pydyf.Array(specs)
