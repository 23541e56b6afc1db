"""The two PDF engines side by side: the same annex from WeasyPrint (the reference) and from
Typst, read back line by line (pdfplumber), with their signature fields and attachments."""
from __future__ import annotations

import io
import re
from typing import NamedTuple

import pdfplumber
import pikepdf


class Line(NamedTuple):
    text: str  # without white space: engines may space a line's words differently in the text layer
    top: float
    x0: float


def _upright(char: dict) -> bool:
    """Whether a character is set level (pdfminer's `upright` also holds for 45°)."""
    a, b, c, d = char["matrix"][:4]
    return abs(b) < 1e-3 and abs(c) < 1e-3


def lines(data: bytes, *, upright: bool = True) -> list[list[Line]]:
    """Each page's text lines, top to bottom, as pdfplumber groups characters into lines: the
    upright text, or (`upright=False`) the text set at an angle (the draft watermark), whose
    letters pdfplumber sees as lines of their own."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [[Line(re.sub(r"\s+", "", ln["text"]), round(ln["top"], 2), round(ln["x0"], 2))
                 for ln in page.filter(lambda o: o.get("object_type") != "char" or _upright(o) == upright)
                 .extract_text_lines(strip=True, return_chars=False)] for page in pdf.pages]


def fields(data: bytes) -> dict[str, tuple[int, tuple[float, ...]]]:
    """Each signature field: (page index, rectangle)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
        out = {}
        for f in pdf.Root.AcroForm.Fields:
            out[str(f.T)] = (pages[f.P.objgen], tuple(float(v) for v in f.Rect))
        return out


def attachment(data: bytes, name: str = "annex-data.json") -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return pdf.attachments[name].get_file().read_bytes()


def differences(reference: bytes, other: bytes, tolerance: float = 2.0) -> list[str]:
    """Where `other` departs from `reference`: page count, a page's lines (text and order), a
    line more than `tolerance` points away. Empty when they print the same."""
    a, b = lines(reference), lines(other)
    out = [] if len(a) == len(b) else [f"{len(a)} pages, {len(b)} with Typst"]
    pages = list(zip(a, b, strict=False)) + list(zip(lines(reference, upright=False), lines(other, upright=False),
                                                     strict=False))
    for number, (pa, pb) in enumerate(pages, 1):
        number = (number - 1) % len(a) + 1 if a else number
        if [ln.text for ln in pa] != [ln.text for ln in pb]:
            out.append(f"page {number}: other lines: {[ln.text for ln in pa]} vs {[ln.text for ln in pb]}")
            continue
        for la, lb in zip(pa, pb, strict=True):
            if abs(la.top - lb.top) > tolerance or abs(la.x0 - lb.x0) > tolerance:
                out.append(f"page {number}: {la.text[:40]!r} at ({la.x0}, {la.top}), with Typst ({lb.x0}, {lb.top})")
    return out
