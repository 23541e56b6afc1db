"""One model, two writers: the PDF and the DOCX say the same thing, row by row."""
import pytest

from generator.model import plain
from generator.writers import docx as docx_writer
from generator.writers import pdf as pdf_writer

from .conftest import LANGS, customer_for, make_annex
from .expected import model_rows
from .pdftext import table_rows
from .writers.test_docx import docx_sequence


def pdf_sequence(annex, path):
    header = [annex.labels.activity] + [p.label for p in annex.parties]
    titles = {f"{s.number} {plain(s.title)}": plain(s.title) for s in annex.sections}
    current, tables, out = None, set(), []
    for r in table_rows(path):
        if r["kind"] == "heading":
            current = titles.get(r["cells"][0])
        elif r["kind"] == "th" and r["cells"] == header:
            tables.add(r["table"])
        elif r["kind"] == "td" and r["table"] in tables and current:
            out.append((current, r["cells"][0], tuple(r["cells"][1:])))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_and_docx_hold_the_same_rows_as_the_model(tmp_path, lang):
    annex = make_annex(lang, customer_for(lang))
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.render(annex))
    from_pdf = pdf_sequence(annex, path)
    from_docx = docx_sequence(annex, docx_writer.render(annex))
    assert from_pdf == from_docx == model_rows(annex)
