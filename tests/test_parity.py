"""One model, two writers: the PDF and the DOCX say the same thing, row by row."""
import pytest

from generator.writers import docx as docx_writer
from generator.writers import pdf as pdf_writer

from .conftest import LANGS, customer_for, make_annex
from .expected import model_rows
from .helpers import docx_sequence, pdf_sequence


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_and_docx_hold_the_same_rows_as_the_model(tmp_path, lang):
    annex = make_annex(lang, customer_for(lang))
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.render(annex))
    from_pdf = pdf_sequence(annex, path)
    from_docx = docx_sequence(annex, docx_writer.render(annex))
    assert from_pdf == from_docx == model_rows(annex)


LONG_SIGNATORIES = {
    "customer": {"name": "Marie-Christine de La Rochefoucauld-Montbel",
                 "title": "Directrice des systèmes d'information et de la transformation numérique",
                 "place": "Saint-Rémy-de-Provence"},
    "provider": {"name": "Julien Moreau", "title": "DSI", "place": "Paris"}}


def _long_annex():
    from generator.model import Signatory
    customer = customer_for("fr")
    signatories = {k: Signatory(**v) for k, v in LONG_SIGNATORIES.items()}
    return make_annex("fr", customer.model_copy(update={"signatories": signatories}))


def test_the_header_facts_and_signatories_print_the_same_in_pdf_and_docx(tmp_path):
    """The annex model decides every printed value once; the writers only lay them out."""
    import pdfplumber
    from docx.oxml.ns import qn

    from .docxtext import open_docx
    annex = _long_annex()
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.render(annex))
    with pdfplumber.open(path) as pdf:
        first, last = pdf.pages[0].extract_text(), pdf.pages[-1].extract_text()
    document = open_docx(docx_writer.render(annex))
    header = "".join(t.text for t in document.sections[0].header._element.iter(qn("w:t")))
    assert annex.running_title == "Annexe 4" and header == f"{annex.running_header}{annex.running_title}"
    assert annex.running_title in first.splitlines()[0]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert [tuple(r) for r in tables[0]] == [tuple(f) for f in annex.facts]
    for _label, value in annex.facts:
        assert value.split(" — ")[0] in " ".join(first.split())
    signoff = tables[-1]
    assert signoff[0] == [s.heading for s in annex.signatories]
    assert all(s.heading in " ".join(last.split()) or s.heading[:20] in last for s in annex.signatories)


def test_the_parties_signature_boxes_stay_level_whatever_the_length_of_their_lines(tmp_path):
    import pikepdf
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.render(_long_annex()))
    with pikepdf.open(path) as pdf:
        rects = {str(f.T): [float(x) for x in f.Rect] for f in pdf.Root.AcroForm.Fields}
    assert set(rects) == {"customer", "provider"}
    customer, provider = rects["customer"], rects["provider"]
    assert abs(customer[1] - provider[1]) < 0.5 and abs(customer[3] - provider[3]) < 0.5  # same bottom and top
    assert customer[2] < provider[0]  # side by side
