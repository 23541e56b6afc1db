"""Empty signature fields in a Typst PDF, one per party, over the boxes the template drew.

Typst makes no form fields, so they are added to its output with pikepdf, as fields.py adds
them to WeasyPrint's: a merged field/widget annotation per party with an empty appearance
stream (PDF/A wants one for every widget), no action or JavaScript, tagged as a `Form`
structure element in the sign-off cell. The template tells where each box is: a `metadata`
labelled `<signature-field>` holding the field name, the page, and the box's top-left corner
and size in points (origin top left, as Typst lays out). The file is rewritten with an
identifier derived from its content, so the same inputs still give the same bytes.
"""
from __future__ import annotations

import io
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

PRINT_FLAG = 1 << 2


def _points(length: Any) -> float:
    """A Typst length as serialised by `query` (`"51.02pt"`) in points."""
    text = str(length)
    return float(text[:-2]) if text.endswith("pt") else float(text)


def rectangles(boxes: list[dict], heights: list[float]) -> list[tuple[str, int, tuple[float, ...]]]:
    """(field, page index, PDF rectangle x1 y1 x2 y2 with origin bottom left), first box per field."""
    out: dict[str, tuple[str, int, tuple[float, ...]]] = {}
    for b in boxes:
        name, page = str(b["field"]), int(b["page"]) - 1
        if name in out or not 0 <= page < len(heights):
            continue
        x, y, w, h = (_points(b[k]) for k in ("x", "y", "width", "height"))
        top = heights[page] - y
        out[name] = (name, page, (round(x, 3), round(top - h, 3), round(x + w, 3), round(top, 3)))
    return list(out.values())


def _cells_of_last_table(root: Any) -> list[Any]:
    """The cells of the last row of the document's last table: the sign-off boxes."""
    last_table = None
    stack: list[Any] = [root]
    while stack:
        element = stack.pop()
        if not isinstance(element, Dictionary):
            continue
        if element.get("/S") == Name.Table:
            last_table = element
        kids = element.get("/K")
        children = list(kids) if isinstance(kids, Array) else [kids] if kids is not None else []
        stack.extend(reversed(children))
    if last_table is None:
        return []
    rows: list[Any] = []
    stack = [last_table]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        for kid in reversed(list(kids) if isinstance(kids, Array) else []):
            if isinstance(kid, Dictionary) and kid.get("/S") in (Name.TR, Name.THead, Name.TBody, Name.TFoot):
                stack.append(kid)
        if element.get("/S") == Name.TR:
            rows.append(element)
    if not rows:
        return []
    cells = rows[-1].get("/K")
    return [c for c in (cells if isinstance(cells, Array) else []) if isinstance(c, Dictionary)]


def _tag(pdf: pikepdf.Pdf, widget: Any, page: pikepdf.Page, parent: Any) -> None:
    """A `Form` structure element holding the widget, under `parent` (the sign-off cell)."""
    tree = pdf.Root.StructTreeRoot
    key = int(tree.get("/ParentTreeNextKey", 0))
    objr = pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=widget, Pg=page.obj))
    # K a single OBJR: pyHanko's difference analysis recognises a field's widget as `Form.K.Obj`
    form = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Form, P=parent, Pg=page.obj, K=objr,
                                        Alt=widget.TU))
    kids = parent.get("/K")
    if not isinstance(kids, Array):
        parent.K = Array([kids]) if kids is not None else Array()
    parent.K.append(form)
    widget.StructParent = key
    tree.ParentTree.Nums.extend([pikepdf.Object.parse(str(key).encode()), form])
    tree.ParentTreeNextKey = key + 1


def add_fields(data: bytes, boxes: list[dict], labels: dict[str, str]) -> bytes:
    """`data` with one empty /Sig field per box; `labels` gives each field's spoken name (/TU)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        heights = [float(p.mediabox[3]) - float(p.mediabox[1]) for p in pdf.pages]
        found = rectangles(boxes, heights)
        tagged = "/StructTreeRoot" in pdf.Root
        cells = _cells_of_last_table(pdf.Root.StructTreeRoot) if tagged else []
        fields = Array()
        for index, (name, page_index, rect) in enumerate(found):
            page = pdf.pages[page_index]
            x1, y1, x2, y2 = rect
            appearance = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Form,
                                         BBox=Array([0, 0, round(x2 - x1, 3), round(y2 - y1, 3)]))
            widget = pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Widget, FT=Name.Sig, T=String(name),
                TU=String(labels.get(name, name)), Rect=Array(list(rect)), F=PRINT_FLAG, P=page.obj,
                AP=Dictionary(N=appearance)))
            if "/Annots" not in page.obj:
                page.obj.Annots = Array()
            page.obj.Annots.append(widget)
            fields.append(widget)
            if tagged:
                parent = cells[index] if index < len(cells) else pdf.Root.StructTreeRoot.K
                if isinstance(parent, Array):
                    parent = parent[0]
                _tag(pdf, widget, page, parent)
        if len(fields):
            pdf.Root.AcroForm = Dictionary(Fields=fields)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True)
        return out.getvalue()
