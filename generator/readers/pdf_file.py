"""A PDF from outside (an annex to sign, verify or compare), read with pyHanko, bounded.

The file is read as every input is (a regular file, at most MAX_PDF_BYTES); its revisions are
counted before pyHanko reads them all: pyHanko reads every xref section at once (a 64 MiB
file of empty updates is 300,000 of them) and its difference analysis, and each lookup of an
old object, walk the revisions one by one, so 1,500 empty updates made `verify` take 40 s.
With at most MAX_PDF_REVISIONS revisions each step is bounded and the whole check is linear
in the file. A structure nested past Python's recursion limit is refused, not a traceback.

The reader also avoids pyHanko's quadratic walk through object streams: for each object kept
in an object stream, pyHanko re-reads the stream's header from the start up to that object;
WeasyPrint puts the annex's ~800 objects in one stream, so validating two signatures (which
reads every object of every revision) took 5 s. Here each stream's header is read once;
anything unusual falls back to pyHanko's own code, which also reports the errors.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader, process_data_at_eof
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.xref import XRefBuilder

from ..infra.diagnostics import InputError, error
from ..infra.yamlsource import read_bytes
from ..model.limits import MAX_PDF_BYTES, MAX_PDF_REVISIONS

HINT = "give an annex PDF made by `annex build` (or signed with `annex sign`)"


class Reader(PdfFileReader):
    def _offsets(self, stmnum: int) -> tuple[bytes, int, dict[int, tuple[int, int]]]:
        cache = self.__dict__.setdefault("_annex_object_streams", {})
        if stmnum not in cache:
            stream = generic.Reference(stmnum, 0, self).get_object()
            assert isinstance(stream, generic.StreamObject)  # pyHanko's own code checks it too
            data = stream.read_data(DecodePurpose.OBJECT_STREAM)
            first, count = int(stream["/First"]), int(stream["/N"])
            numbers = [int(n) for n in data[:first].split()[:2 * count]]
            pairs = list(zip(numbers[::2], numbers[1::2], strict=False))
            cache[stmnum] = (data, first, {n: (i, off) for i, (n, off) in enumerate(pairs)})
        return cache[stmnum]

    def _get_object_from_stream(self, idnum: int, stmnum: int, idx: int) -> Any:
        try:
            data, first, offsets = self._offsets(stmnum)
            index, offset = offsets[idnum]
            if index != idx:
                raise KeyError(idnum)
            buffer = io.BytesIO(data)
            buffer.seek(first + offset)
            obj = generic.read_object(buffer, generic.Reference(idnum, 0, self))
            if isinstance(obj, (generic.StreamObject, generic.IndirectObject)):
                raise ValueError("forbidden object type in an object stream")
            return obj
        except Exception:  # not the plain case: pyHanko's code decides (and reports)
            return super()._get_object_from_stream(idnum, stmnum, idx)


class _TooManyRevisions(Exception):
    pass


class _Sections(list):
    """The xref sections pyHanko's XRefBuilder collects, one per revision, refusing one more
    than the limit: the walk along the /Prev chain stops there."""

    def append(self, section: Any) -> None:
        if len(self) >= MAX_PDF_REVISIONS:
            raise _TooManyRevisions
        super().append(section)


def _count_revisions(data: bytes) -> None:
    """pyHanko's own walk of the xref chain (the one the reader makes), stopped at the limit."""
    stream = io.BytesIO(data)
    stream.seek(-1, os.SEEK_END)
    builder = XRefBuilder(handler=PdfHandler(), stream=stream, strict=True, last_startxref=process_data_at_eof(stream))
    builder.sections = _Sections()
    builder.read_xrefs()


def unreadable(where: str | Path, exc: BaseException, doing: str = "is not a readable PDF") -> InputError:
    """What any failure of pyHanko or pypdf on a file from outside becomes: one located message
    (objects nested past Python's recursion limit are named as such). Objects are parsed when
    first used, so this holds for every walk through the file, not only its opening."""
    if isinstance(exc, RecursionError):
        return InputError([error(where, "holds PDF objects nested too deeply to read", hint=HINT)], unreadable=True)
    return InputError([error(where, f"{doing}: {type(exc).__name__}: {str(exc)[:200]}", hint=HINT)],
                      unreadable=True)


def open_pdf(data: bytes, where: str | Path) -> Reader:
    """pyHanko's reader on a PDF from outside; InputError (unreadable) when it is not one, has
    more than MAX_PDF_REVISIONS revisions or is nested too deeply to parse."""
    try:
        _count_revisions(data)
        return Reader(io.BytesIO(data), strict=True)
    except _TooManyRevisions:
        hint = ("an annex has one revision as built and a few per signature; this file was updated many more "
                "times after it was made: ask for the signed file as it was sent")
        raise InputError([error(where, f"has more than {MAX_PDF_REVISIONS} revisions (incremental updates)",
                                hint=hint)], unreadable=True) from None
    except Exception as exc:  # a hostile file can make the parser raise anything: one message
        raise unreadable(where, exc) from None


def read_pdf(path: Path) -> tuple[bytes, Reader]:
    """A PDF file, read as every input is (regular file, at most MAX_PDF_BYTES), and its reader."""
    data = read_bytes(path, max_bytes=MAX_PDF_BYTES, what="PDF file")
    return data, open_pdf(data, path)
