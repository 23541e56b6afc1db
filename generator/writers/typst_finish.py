"""What the PDF writer adds to Typst's PDF, in one pass: the empty signature fields
(signing/typst_fields.py), the row headers of the tables the template marks and the tables it
laid out in two parts joined (typst_tags.py), and a `/MarkInfo` without `/Suspects false`.

The file is opened once and what changed is appended as an incremental update
(infra/pdf_update.py): a full rewrite would parse and write all of Typst's objects again to add
a few. `/Suspects false` is Typst's (krilla's) and valid PDF, the default value; Poppler
(pdfinfo, pdftotext) reports it as "Syntax Error: Suspects object is wrong type (boolean)", a
Poppler bug (fixed after 25.11), so the key is dropped.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import BinaryIO

import pikepdf

from ..infra.pdf_update import Update, holder
from ..signing import typst_fields
from . import typst_tags


def _in_memory_file(data: bytes) -> BinaryIO:
    """`data` as a file qpdf can map: it then reads the objects it parses straight from memory
    (from a BytesIO each read is a call into Python, which doubles the cost of the pass)."""
    made = getattr(os, "memfd_create", None)
    file: BinaryIO = os.fdopen(made("annex-typst-pdf"), "w+b") if made else tempfile.TemporaryFile()
    file.write(data)
    file.seek(0)
    return file


def _mark_info(update: Update) -> None:
    """`/MarkInfo` without its default `/Suspects false` (which Poppler misreads)."""
    root = update.pdf.Root
    info = root.get("/MarkInfo")
    if isinstance(info, pikepdf.Dictionary) and info.get("/Suspects") is False:
        del info["/Suspects"]
        update.changed(holder(root, info))


def finish(data: bytes, boxes: list[dict], labels: dict[str, str], row_header_tables: Iterable[int],
           continued_tables: Iterable[int] = ()) -> bytes:
    """Typst's `data` with a signature field per box (`labels`: their spoken names), the
    tables numbered `row_header_tables` given row headers, and each of `continued_tables`
    joined to the table before it."""
    with _in_memory_file(data) as file, pikepdf.open(file, access_mode=pikepdf.AccessMode.mmap) as pdf:
        update = Update(data, pdf)
        _mark_info(update)
        typst_fields.add_fields(update, boxes, labels)
        typst_tags.row_headers(update, row_header_tables)
        typst_tags.join_continued(update, continued_tables)  # after: both count tables as Typst laid them out
        return update.write()
