"""Every PDF annex carries one empty signature field per party, exactly over the party's drawn
signature box, PDF/A-friendly (appearance stream, print flag, no action or JavaScript) and
tagged as a form field."""
from __future__ import annotations

import pdfplumber
import pikepdf

from ..conftest import load_matrix


def widgets(pdf: pikepdf.Pdf):
    return [(i, a) for i, page in enumerate(pdf.pages) for a in page.get("/Annots", []) if a.get("/FT") == "/Sig"]


def test_one_empty_field_per_party_in_the_acroform(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        names = [str(f.T) for f in pdf.Root.AcroForm.Fields]
        assert names == [p.id for p in load_matrix("fr").parties] == ["customer", "provider"]
        assert all("/V" not in f for f in pdf.Root.AcroForm.Fields)  # empty: nobody signed yet
        assert [str(a.T) for _, a in widgets(pdf)] == names


def test_each_field_lies_exactly_on_its_drawn_box(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        placed = [(i, [float(v) for v in a.Rect]) for i, a in widgets(pdf)]
        last = len(pdf.pages) - 1
    page_index = placed[0][0]
    assert page_index == last  # the sign-off is the last page
    with pdfplumber.open(annex_pdf) as doc:
        page = doc.pages[page_index]
        drawn = [(r["x0"], page.height - r["bottom"], r["x1"], page.height - r["top"]) for r in page.rects]
    for _, rect in placed:
        assert any(all(abs(a - b) < 0.01 for a, b in zip(rect, box, strict=True)) for box in drawn), rect
    (_, left), (_, right) = placed
    assert left[2] < right[0]  # the customer's box, then the provider's, side by side


def test_widgets_are_pdfa_friendly_and_carry_no_action(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        for _, a in widgets(pdf):
            assert a.F == 4 and "/N" in a.AP and a.AP.N.BBox[2] > 0  # printed, with an appearance
            assert not {"/A", "/AA"} & set(a.keys())
            assert str(a.TU).startswith("Signature – ")
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        raw = annex_pdf.read_bytes()
    assert b"/JavaScript" not in raw and b"/JS" not in raw


def test_fields_are_tagged_as_form_elements(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        tree = dict(zip(nums[::2], nums[1::2], strict=True))
        for _, a in widgets(pdf):
            form = tree[int(a.StructParent)]
            assert form.S == "/Form" and form.P.S == "/TD"
            assert form.K.Type == "/OBJR" and form.K.Obj.objgen == a.objgen


def test_the_annex_stays_pdfa_3a_with_its_attachment(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "A"
        assert "annex-data.json" in pdf.attachments
