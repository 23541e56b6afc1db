"""A PDF changed by appending, not rewriting: the objects a pass made or changed, written after
the original bytes as an incremental update (PDF 1.7, 7.5.6), with a cross-reference section of
their own and a trailer pointing back to the original's.

Rewriting a whole file (pikepdf's save) parses and writes every object again; a pass that adds a
few objects to a file of hundreds pays for all of them. An update writes only what changed: the
original bytes stay as they are (PDF/A allows incremental updates; a signature is one more).
New objects are numbered here, from the file's /Size: qpdf's own numbering (make_indirect,
make_stream) first resolves every object of the file to find the highest number, which costs
more than the whole update. Deterministic: objects are written in number order, and the file
identifier's second half (which an update renews) is the MD5 of the bytes before the trailer.
"""
from __future__ import annotations

import hashlib
from typing import Any

import pikepdf

_EOL = b"\n"


def holder(*chain: Any) -> Any:
    """What an update rewrites for a change to the last of `chain` (an indirect object, then the
    direct objects down to the changed one): the last indirect object of the chain."""
    return [o for o in chain if o.is_indirect][-1]


def struct_kids(element: Any) -> list[Any]:
    """The structure elements (dictionaries) under a structure element's `/K`: one, an array, or
    none; marked-content ids (integers) left out."""
    kids = element.get("/K")
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [k for k in items if isinstance(k, pikepdf.Dictionary)]


def append_kid(update: Update, parent: Any, kid: Any) -> None:
    """`kid` as the last child of structure element `parent`, written by `update`."""
    kids = parent.get("/K")
    if not isinstance(kids, pikepdf.Array):
        parent.K = kids = pikepdf.Array([kids] if kids is not None else [])
    kids.append(kid)
    update.changed(holder(parent, kids))


def _xref(offsets: dict[int, int]) -> bytes:
    """A cross-reference section with one subsection per run of consecutive numbers."""
    out = [b"xref\n"]
    numbers = sorted(offsets)
    start = 0
    while start < len(numbers):
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        out.append(f"{numbers[start]} {end - start + 1}\n".encode())
        out += [f"{offsets[n]:010d} 00000 n\r\n".encode() for n in numbers[start:end + 1]]
        start = end + 1
    return b"".join(out)


class Update:
    """The changes a pass makes to `pdf` (opened from `data`), to be appended to `data`."""

    def __init__(self, data: bytes, pdf: pikepdf.Pdf):
        self.data, self.pdf = data, pdf
        self.size = self.next = int(pdf.trailer.Size)
        self.objects: dict[int, Any] = {}
        self.streams: dict[int, bytes] = {}  # new streams: their data (the object holds their dictionary)

    def new(self, value: pikepdf.Dictionary | pikepdf.Array) -> Any:
        """`value` as a new indirect object of the file (to refer to, and to change further)."""
        number, self.next = self.next, self.next + 1
        self.pdf._replace_object((number, 0), value)  # an object number the file lacks: qpdf adds it
        self.objects[number] = made = self.pdf.get_object((number, 0))
        return made

    def new_stream(self, data: bytes, **keys: Any) -> Any:
        """A new stream holding `data` (unfiltered), its dictionary `keys`: an object the update
        writes as a stream."""
        made = self.new(pikepdf.Dictionary(**keys))
        self.streams[made.objgen[0]] = data
        return made

    def changed(self, *objects: Any) -> None:
        """Indirect objects of the file this pass altered: written again."""
        for obj in objects:
            if not obj.is_indirect:
                raise ValueError("an incremental update rewrites indirect objects only")
            self.objects[obj.objgen[0]] = obj

    def _object_bytes(self, number: int) -> bytes:
        obj = self.objects[number]
        head = f"{number} 0 obj\n".encode()
        if number in self.streams:
            raw = self.streams[number]
            keys = pikepdf.Dictionary({k: v for k, v in obj.items() if k != "/Length"})
            keys.Length = len(raw)
            return head + keys.unparse() + b"\nstream\n" + raw + b"\nendstream\nendobj\n"
        if isinstance(obj, pikepdf.Stream):
            raise ValueError("an existing stream is not rewritten by an update")
        return head + obj.unparse(resolved=True) + b"\nendobj\n"

    def write(self) -> bytes:
        """The original bytes, then the update: objects, cross-references, trailer."""
        data, trailer = self.data, self.pdf.trailer
        marker = data.rindex(b"startxref")
        previous_xref = int(data[marker + len(b"startxref"):].split()[0])
        body = [data if data.endswith(_EOL) else data + _EOL]
        position = len(body[0])
        offsets: dict[int, int] = {}
        for number in sorted(self.objects):
            offsets[number] = position
            body.append(self._object_bytes(number))
            position += len(body[-1])
        body.append(_xref(offsets))
        written = b"".join(body)
        first = bytes(trailer.ID[0]) if "/ID" in trailer else hashlib.md5(data).digest()
        ident = pikepdf.Array([pikepdf.String(first), pikepdf.String(hashlib.md5(written).digest())])
        new = pikepdf.Dictionary(Size=max(self.next, self.size), Root=trailer.Root, Prev=previous_xref, ID=ident)
        if "/Info" in trailer:
            new.Info = trailer.Info
        return written + b"trailer\n" + new.unparse() + f"\nstartxref\n{position}\n%%EOF\n".encode()
