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
