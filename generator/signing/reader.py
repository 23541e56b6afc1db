"""pyHanko's PDF reader, without its quadratic walk through object streams.

For each object kept in an object stream, pyHanko re-reads the stream's header from the start
up to that object; WeasyPrint puts the annex's ~800 objects in one stream, so validating two
signatures (which reads every object of every revision) took 5 s. Here each stream's header is
read once; anything unusual falls back to pyHanko's own code, which also reports the errors.
"""
from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader


class Reader(PdfFileReader):
    def _offsets(self, stmnum: int):
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

    def _get_object_from_stream(self, idnum, stmnum, idx):
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


def open_reader(data: bytes, strict: bool = True) -> Reader:
    return Reader(io.BytesIO(data), strict=strict)
