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


def _lvl(document, num_id: int, level: int):
    """(w:numFmt, w:lvlText, start) that Word uses for `level` of the w:num `num_id`."""
    numbering = document.part.numbering_part.element
    (num,) = numbering.xpath(f"./w:num[@w:numId='{num_id}']")
    abstract = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    (lvl,) = numbering.xpath(f"./w:abstractNum[@w:abstractNumId='{abstract}']/w:lvl[@w:ilvl='{level}']")
    start = lvl.find(qn("w:start")).get(qn("w:val"))
    override = num.xpath(f"./w:lvlOverride[@w:ilvl='{level}']/w:startOverride/@w:val")
    return (lvl.find(qn("w:numFmt")).get(qn("w:val")), lvl.find(qn("w:lvlText")).get(qn("w:val")),
            int(override[0] if override else start))


def list_items(document) -> list[dict]:
    """Every numbered or bulleted paragraph, with the label Word draws for it, computed from
    numbering.xml as Word does: a counter per w:num and level, from its start (or startOverride).
    {'level', 'label', 'text', 'style', 'num'}."""
    from docx.text.paragraph import Paragraph
    counters: dict[tuple[int, int], int] = {}
    out = []
    for p in document.element.body.iter(qn("w:p")):
        num_pr = p.find(qn("w:pPr") + "/" + qn("w:numPr"))
        if num_pr is None:
            continue
        num_id = int(num_pr.find(qn("w:numId")).get(qn("w:val")))
        level = int(num_pr.find(qn("w:ilvl")).get(qn("w:val")))
        fmt, text, start = _lvl(document, num_id, level)
        n = counters[(num_id, level)] = counters.get((num_id, level), start - 1) + 1
        label = text if fmt == "bullet" else text.replace(f"%{level + 1}", str(n))
        paragraph = Paragraph(p, document)
        out.append({"level": level, "label": label, "text": paragraph.text, "num": num_id,
                    "style": paragraph.style.name if paragraph.style is not None else ""})
    return out
