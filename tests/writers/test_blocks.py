"""Callouts, quotes and notes as the published pages have them, at their place, printed the
same in the PDF and the DOCX (both read back as their readers do and compared with the model)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pdfplumber
import pytest
import yaml
from docx.oxml.ns import qn

from generator.annex import build_annex
from generator.brand import contrast, load_brand
from generator.commands.importer import matrix_from_page
from generator.i18n import labels, languages
from generator.model import CALLOUT_KINDS, Matrix, Revision, plain
from generator.writers import docx as docx_writer
from generator.writers import pdf as pdf_writer

from ..docxtext import body_blocks, cell_text, open_docx
from ..pdftext import squash

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "raci_fidelity.fr.md"
STAR_NOTE = "*Ces responsabilités peuvent être déléguées à Cloud Temple dans le cadre d'une offre d'infogérance."


def page_texts(data: bytes) -> list[str]:
    """Page texts without the draft watermark (its 96 pt letters fall between the lines)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.filter(lambda o: o.get("size", 0) < 40).extract_text() or "" for page in pdf.pages]


def fixture_matrix() -> Matrix:
    matrix, _ = matrix_from_page(FIXTURE, lang=None, reference=None, existing=None, matrix_id="vm")
    return matrix.model_copy(update={"history": [Revision(version="0.1.0", date=dt.date(2025, 5, 1))]})


@pytest.fixture(scope="module")
def built():
    annex = build_annex(fixture_matrix(), None, load_brand(), draft=True)
    return annex, pdf_writer.render(annex), docx_writer.render(annex)


def list_lines(view) -> list[str]:
    """A list's items, each followed by its nested items."""
    return [line for i in view.items for line in [plain(i.text), *list_lines(i)]]


def block_lines(block) -> list[str]:
    """What a reader sees of one block, line by line: a callout's title, then its body."""
    lines = [block.title] if block.kind == "callout" else []
    if block.kind in ("paragraph", "note"):
        return [plain(block.text)]
    if block.kind == "list":
        return list_lines(block)
    for item in block.body:
        lines += [plain(item)] if isinstance(item, str) else list_lines(item)
    return lines


def reading_order(annex) -> list[str]:
    """Everything of the matrix part in the order a reader meets it: headings, blocks, rows."""
    out = []
    for s in annex.sections:
        out.append(f"{s.number} {plain(s.title)}")
        for b in s.intro:
            out += block_lines(b)
        for t in s.tables:
            out += [plain(r.text) for r in t.rows]
            for b in t.after:
                out += block_lines(b)
    return [squash(line.replace("\n", " ")) for line in out]


def test_the_fixture_holds_every_callout_kind_and_syntax(built):
    annex, _, _ = built
    callouts = [b for s in annex.sections for b in (*s.intro, *(x for t in s.tables for x in t.after))
                if b.kind == "callout"] + [b for b in annex.intro if b.kind == "callout"]
    assert sorted(b.callout for b in callouts) == sorted(CALLOUT_KINDS)
    titles = {b.callout: b.title for b in callouts}
    # a title in [...], after the kind (older syntax), none, or empty []: the kind's French name
    assert titles == {"warning": "Condition de validité du SLA", "tip": "Bien dimensionner", "info": "Information",
                      "danger": "Danger", "caution": "Attention", "note": "Remarque"}


def test_pdf_prints_every_block_at_its_place(built):
    annex, pdf, _ = built
    text = squash(" ".join(page_texts(pdf)))
    position = 0
    for line in reading_order(annex):
        found = text.find(line, position)
        assert found >= 0, f"not found after position {position}: {line!r}"
        position = found + len(line)
    intro = squash(" ".join(page_texts(pdf)[:1]))
    assert "Information Cette matrice complète la matrice IaaS" in intro  # the page-level callout, on page 1


def docx_lines(data: bytes) -> list[str]:
    """Headings, table rows' first cells and block paragraphs of the DOCX, in order."""
    out = []
    for block in body_blocks(open_docx(data)):
        if block[0] == "heading":
            out.append(block[2].replace("\u2002", " "))
        elif block[0] == "table":
            out += [cell_text(r.cells[0]) for r in block[1].rows[1:]]
        elif block[1] in ("Annex Note", "Annex Quote") or block[1].startswith("Annex Callout"):
            out.append(block[2])
    return [squash(line) for line in out]


def test_docx_prints_the_same_blocks_in_the_same_order(built):
    annex, _, docx = built
    lines = docx_lines(docx)
    start = lines.index(reading_order(annex)[0])
    assert lines[start:start + len(reading_order(annex))] == reading_order(annex)


def test_docx_callouts_use_the_kinds_styles(built):
    _, _, docx = built
    styled = [(b[1], b[2]) for b in body_blocks(open_docx(docx)) if b[0] == "paragraph"]
    assert ("Annex Callout Warning Title", "Condition de validité du SLA") in styled
    assert ("Annex Callout Danger Title", "Danger") in styled
    assert ("Annex Quote", "Particularité de l'offre\nLes gabarits sont fournis par Cloud Temple et ne peuvent pas "
                           "être modifiés.") in styled
    assert ("Annex Callout Note", "Les correctifs critiques sont publiés sous 72 heures.") in styled


def test_a_footnote_star_stays_a_star_in_both_writers(built):
    _, pdf, docx = built
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            text = page.extract_text()
            if "Ces responsabilités" in text:
                assert squash(STAR_NOTE) in squash(text)
                star = next(c for c in page.chars if c["text"] == "*" and abs(c["top"] - next(
                    d for d in page.chars if d["text"] == "C" and d["top"] > c["top"] - 1)["top"]) < 1)
                assert "Italic" not in star["fontname"]  # a literal star, not an emphasis that swallowed it
                break
        else:
            pytest.fail("the note is not in the PDF")
    document = open_docx(docx)
    note = next(p for p in document.paragraphs if "Ces responsabilités" in p.text)
    assert note.text == STAR_NOTE and not any(r.italic for r in note.runs)


def test_docx_keeps_each_tables_last_row_with_its_notes(built):
    annex, _, docx = built
    body = open_docx(docx).element.body
    tables = [t for t in body.iter(qn("w:tbl")) if t.getnext() is not None and t.getnext().tag == qn("w:p")]
    kept = 0
    for table in tables:
        following = table.getnext().find(qn("w:pPr") + "/" + qn("w:pStyle"))
        if following is None or following.get(qn("w:val")) not in ("AnnexNote", "AnnexQuote", "AnnexCalloutNote") \
                and not following.get(qn("w:val")).startswith("AnnexCallout"):
            continue
        last = table.findall(qn("w:tr"))[-1]
        assert all(p.find(qn("w:pPr") + "/" + qn("w:keepNext")) is not None for p in last.iter(qn("w:p")))
        kept += 1
    assert kept == sum(1 for s in annex.sections for t in s.tables if t.rows and t.after) == 4


def long_section(rows: int) -> Matrix:
    activities = [{"id": f"a{k}", "text": f"Activité numéro {k} du tableau", "roles": {"customer": "RA",
                                                                                     "provider": "I"}}
                  for k in range(rows)]
    return Matrix.model_validate({
        "id": "k", "lang": "fr", "title": "T", "version": "1.0.0",
        "history": [{"version": "1.0.0", "date": "2025-05-01"}],
        "parties": [{"id": "customer", "label": "Client"}, {"id": "provider", "label": "Cloud Temple"}],
        "sections": [{"title": "S", "activities": activities, "notes": ["\\" + STAR_NOTE, "*(1) Deuxième note.*"]}]})


@pytest.mark.parametrize("rows", [27, 56])  # without the rule, the notes would start the next page
def test_pdf_notes_never_start_a_page_away_from_their_rows(rows):
    pdf = pdf_writer.render(build_annex(long_section(rows), None, load_brand(), draft=True))
    pages = page_texts(pdf)
    last_row = [i for i, t in enumerate(pages) if f"Activité numéro {rows - 1} du" in t]
    note = [i for i, t in enumerate(pages) if "*Ces responsabilités" in t]
    assert last_row == note and len(last_row) == 1


def test_callout_colours_come_from_the_brand_and_are_readable():
    colors = yaml.safe_load((Path(load_brand().find("brand.yaml"))).read_text(encoding="utf-8"))["colors"]
    palette = load_brand().config.colors.callouts
    assert {k: c.model_dump() for k, c in palette.items()} == {k: colors["callouts"][k] for k in CALLOUT_KINDS}
    for kind, c in palette.items():
        assert contrast(c.border, c.background) >= 4.5, kind  # the title's colour
        assert contrast(colors["text"], c.background) >= 4.5, kind  # the body's


def test_every_language_names_every_callout_kind():
    for lang in languages():
        names = labels(lang).callout_kinds
        assert sorted(names) == sorted(CALLOUT_KINDS) and all(names.values()), lang


def test_reference_document_has_the_block_styles():
    from docx import Document
    names = {s.name for s in Document(str(load_brand().find("annex.docx"))).styles}
    assert set(docx_writer.CALLOUT_STYLES) | {"Annex Quote"} <= names
    assert set(docx_writer.CALLOUT_STYLES) <= set(docx_writer.REQUIRED_STYLES)
