"""Empty signature fields, one per party, laid exactly over the party's drawn signature box.

Added while WeasyPrint writes the PDF (its `finisher` hook), so that the file stays one
PDF/A-3a revision with no extra pass: the box's position comes from WeasyPrint's own layout
(the element marked `data-signature-field="<party id>"` in the template), each field is a
merged field/widget annotation with an appearance stream (PDF/A wants one for every widget)
and no action or JavaScript, and it is tagged as a `Form` structure element inside the
sign-off cell so that the tagged reading order reaches it. Only the layout decides the bytes:
same inputs, same file.
"""
from __future__ import annotations

from dataclasses import dataclass

import pydyf

ATTRIBUTE = "data-signature-field"
SCALE = 0.75  # PDF points per CSS pixel, as WeasyPrint draws (zoom 1)
PRINT_FLAG = 1 << 2


@dataclass(frozen=True)
class Box:
    """Where a party's signature box was laid out: page index and PDF rectangle (points)."""

    field: str
    page: int
    rect: tuple[float, float, float, float]  # x1, y1, x2, y2, origin bottom left
    cell: object = None  # the layout box of the enclosing table cell, if any (tag parent)


def _walk(box, ancestors=()):
    yield box, ancestors
    for child in getattr(box, "children", ()):
        yield from _walk(child, ancestors + (box,))


def signature_boxes(document) -> list[Box]:
    """Each `data-signature-field` element's border box, first occurrence, in document order."""
    found: dict[str, Box] = {}
    for index, page in enumerate(document.pages):
        for box, ancestors in _walk(page._page_box):
            element = box.element
            name = element.get(ATTRIBUTE) if element is not None and "::" not in box.element_tag else None
            if not name or name in found or box.element_tag != element.tag:
                continue
            x, y = box.border_box_x(), box.border_box_y()
            w, h = box.border_width(), box.border_height()
            top = page.height - y
            rect = (round(x * SCALE, 3), round((top - h) * SCALE, 3),
                    round((x + w) * SCALE, 3), round(top * SCALE, 3))
            cell = next((a for a in reversed(ancestors) if getattr(a, "element_tag", "") == "td"), None)
            found[name] = Box(name, index, rect, cell)
    return list(found.values())


def _object(pdf: pydyf.PDF, reference: bytes):
    return pdf.objects[int(reference.split()[0])]


def _next_parent_key(pdf: pydyf.PDF):
    """The structure tree's ParentTree and the first unused StructParent key."""
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    tree = _object(pdf, root["ParentTree"])
    nums = tree["Nums"]
    return tree, max((nums[i] for i in range(0, len(nums), 2)), default=-1) + 1


def add_fields(pdf: pydyf.PDF, boxes: list[Box], labels: dict[str, str], compress: bool) -> None:
    """Add one empty /Sig field per box, with an (empty) appearance, on its page and in the
    structure tree. `labels` gives each field's spoken name (/TU), for assistive technology."""
    if not boxes:
        return
    fields = pydyf.Array()
    tagged = "StructTreeRoot" in pdf.catalog
    if tagged:
        tree, key = _next_parent_key(pdf)
    pages = pdf.page_references
    for b in boxes:
        x1, y1, x2, y2 = b.rect
        appearance = pydyf.Stream([], {"Type": "/XObject", "Subtype": "/Form",
                                       "BBox": pydyf.Array([0, 0, round(x2 - x1, 3), round(y2 - y1, 3)])},
                                  compress=compress)
        pdf.add_object(appearance)
        widget = pydyf.Dictionary({
            "Type": "/Annot", "Subtype": "/Widget", "FT": "/Sig",
            "T": pydyf.String(b.field), "TU": pydyf.String(labels.get(b.field, b.field)),
            "Rect": pydyf.Array(b.rect), "F": PRINT_FLAG, "P": pages[b.page],
            "AP": pydyf.Dictionary({"N": appearance.reference}),
        })
        pdf.add_object(widget)
        page = _object(pdf, pages[b.page])
        page.setdefault("Annots", pydyf.Array()).append(widget.reference)
        fields.append(widget.reference)
        if tagged:
            _tag(pdf, tree, key, widget, b, pages[b.page])
            key += 1
    pdf.catalog["AcroForm"] = pydyf.Dictionary({"Fields": fields})


def _tag(pdf: pydyf.PDF, tree, key: int, widget, box: Box, page_ref: bytes) -> None:
    """A `Form` structure element holding the widget, in the sign-off cell (or the document)."""
    mark = getattr(box.cell, "mark", None)  # WeasyPrint keeps each tagged cell's element there
    if mark is None:
        root = _object(pdf, pdf.catalog["StructTreeRoot"])
        mark = _object(pdf, root["K"][0])
    objr = pydyf.Dictionary({"Type": "/OBJR", "Obj": widget.reference, "Pg": page_ref})
    pdf.add_object(objr)
    form = pydyf.Dictionary({"Type": "/StructElem", "S": "/Form", "P": mark.reference, "Pg": page_ref,
                             "K": objr.reference, "Alt": widget["TU"]})  # K a single OBJR, not an array:
    # pyHanko's difference analysis recognises a field's widget in the structure tree as `Form.K.Obj`
    pdf.add_object(form)
    mark["K"].append(form.reference)
    widget["StructParent"] = key
    tree["Nums"].extend([key, form.reference])


def finisher(labels: dict[str, str], compress: bool = True):
    """WeasyPrint's `write_pdf(finisher=...)`: add the signature fields of the laid-out document."""
    def finish(document, pdf):
        add_fields(pdf, signature_boxes(document), labels, compress)
    return finish


def field_labels(annex) -> dict[str, str]:
    """Each party's field name as spoken by a screen reader: `Signature – Cloud Temple`."""
    return {p.id: f"{annex.labels.signature} – {p.label}" for p in annex.parties}
