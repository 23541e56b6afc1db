"""Read a DOCX the way Word's reader does: headings, tables row by row, runs with emphasis."""
from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def cell_text(cell, *, deleted: bool = False) -> str:
    """Visible text of a cell: inserted text counts, deleted text does not (unless asked)."""
    out = []
    for p in cell._tc.iter(qn("w:p")):
        parts = []
        for el in p.iter(qn("w:t"), qn("w:delText")):
            if el.tag == qn("w:delText") and not deleted:
                continue
            if el.tag == qn("w:t") and deleted and _inside(el, "w:ins"):
                continue
            parts.append(el.text or "")
        out.append("".join(parts))
    return " ".join(" ".join(out).replace("\u00a0", " ").split())


def _inside(el, tag: str) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag == qn(tag):
            return True
        parent = parent.getparent()
    return False


def body_blocks(document):
    """('heading', level, text) and ('table', rows) in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            p = Paragraph(child, document)
            name = p.style.name if p.style is not None else ""
            if name.startswith("Heading"):
                yield ("heading", int(name.split()[-1]), p.text)
            else:
                yield ("paragraph", name, p.text)
        elif child.tag == qn("w:tbl"):
            yield ("table", Table(child, document))
