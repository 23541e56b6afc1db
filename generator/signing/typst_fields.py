"""Empty signature fields in a Typst PDF, one per party, over the boxes the template drew.

Typst makes no form fields, so they are added to its output with pikepdf, as fields.py adds
them to WeasyPrint's: a merged field/widget annotation per party with an empty appearance
stream (PDF/A wants one for every widget), no action or JavaScript, tagged as a `Form`
structure element in the sign-off cell. The template tells where each box is: a `metadata`
labelled `<signature-field>` holding the field name, the page, and the box's top-left corner
and size in points (origin top left, as Typst lays out). The fields go into the open file the
writer finishes (writers/typst_finish.py), which appends what changed as an incremental update.
"""
from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..infra.pdf_update import Update, append_kid, holder, struct_kids

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


def _last_table(element: Any) -> Any:
    """The last `Table` structure element under `element` in reading order, searched from the
    end (the sign-off table closes the document: the matrix's tables are never walked)."""
    for kid in reversed(struct_kids(element)):
        found = _last_table(kid)
        if found is not None:
            return found
    return element if element.get("/S") == Name.Table else None


def _cells_of_last_table(root: Any) -> list[Any]:
    """The cells of the last row of the document's last table: the sign-off boxes."""
    table = _last_table(root)
    if table is None:
        return []
    stack: list[Any] = [table]
    while stack:  # depth first from the end: the first row met is the last
        element = stack.pop()
        if element.get("/S") == Name.TR:
            return struct_kids(element)
        stack.extend(kid for kid in struct_kids(element)
                     if kid.get("/S") in (Name.TR, Name.THead, Name.TBody, Name.TFoot))
    return []


def _tag(update: Update, widget: Any, page: pikepdf.Page, parent: Any) -> None:
    """A `Form` structure element holding the widget, under `parent` (the sign-off cell)."""
    root = update.pdf.Root
    tree = root.StructTreeRoot
    key = int(tree.get("/ParentTreeNextKey", 0))
    objr = update.new(Dictionary(Type=Name.OBJR, Obj=widget, Pg=page.obj))
    # K a single OBJR: pyHanko's difference analysis recognises a field's widget as `Form.K.Obj`
    form = update.new(Dictionary(Type=Name.StructElem, S=Name.Form, P=parent, Pg=page.obj, K=objr,
                                 Alt=widget.TU))
    append_kid(update, parent, form)
    widget.StructParent = key
    tree.ParentTree.Nums.extend([pikepdf.Object.parse(str(key).encode()), form])
    tree.ParentTreeNextKey = key + 1
    update.changed(holder(root, tree),
                   holder(root, tree, tree.ParentTree, tree.ParentTree.Nums))


def add_fields(update: Update, boxes: list[dict], labels: dict[str, str]) -> None:
    """One empty /Sig field per box in the file `update` changes; `labels` gives each field's
    spoken name (/TU)."""
    pdf = update.pdf
    heights = [float(p.mediabox[3]) - float(p.mediabox[1]) for p in pdf.pages]
    found = rectangles(boxes, heights)
    tagged = "/StructTreeRoot" in pdf.Root
    cells = _cells_of_last_table(pdf.Root.StructTreeRoot) if tagged and found else []
    fields = Array()
    for index, (name, page_index, rect) in enumerate(found):
        page = pdf.pages[page_index]
        x1, y1, x2, y2 = rect
        appearance = update.new_stream(b"", Type=Name.XObject, Subtype=Name.Form,
                                       BBox=Array([0, 0, round(x2 - x1, 3), round(y2 - y1, 3)]))
        widget = update.new(Dictionary(
            Type=Name.Annot, Subtype=Name.Widget, FT=Name.Sig, T=String(name),
            TU=String(labels.get(name, name)), Rect=Array(list(rect)), F=PRINT_FLAG, P=page.obj,
            AP=Dictionary(N=appearance)))
        if "/Annots" not in page.obj:
            page.obj.Annots = Array()
        page.obj.Annots.append(widget)
        update.changed(holder(page.obj, page.obj.Annots))
        fields.append(widget)
        if tagged:
            parent = cells[index] if index < len(cells) else pdf.Root.StructTreeRoot.K
            if isinstance(parent, Array):
                parent = parent[0]
            _tag(update, widget, page, parent)
    if len(fields):
        pdf.Root.AcroForm = Dictionary(Fields=fields)
        update.changed(pdf.Root)
