"""The PDF's structure as assistive technology and archive validators read it: each attachment
listed once, matrix rows headed by their activity (row headers), no empty header cell, and
colours that reach 4.5:1 contrast, all from the brand palette."""
from __future__ import annotations

import re

import pikepdf
import pytest

from generator.brand import DEFAULT_TEMPLATES, Colors, contrast, load_brand
from generator.writers import pdf as pdf_writer

from ..conftest import load_customer, make_annex
from ..pdftext import table_rows


@pytest.fixture(scope="module")
def annex_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("structure") / "annex.pdf"
    path.write_bytes(pdf_writer.render(make_annex("fr", load_customer("banque-horizon"))))
    return path


def test_each_attachment_is_listed_once_in_the_catalog(annex_pdf):
    with pikepdf.open(annex_pdf) as pdf:
        af = list(pdf.Root.AF)
        names = list(pdf.Root.Names.EmbeddedFiles.Names)
        assert len(af) == 1 and af[0].objgen == names[1].objgen and str(af[0].F) == "annex-data.json"


def _elements(node, kind):
    if isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == kind:
            yield node
        kids = node.get("/K")
        if kids is not None:
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                yield from _elements(kid, kind)


def _kids(node):
    kids = node.get("/K")
    return [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else [])
            if isinstance(k, pikepdf.Dictionary)]


def test_every_matrix_row_is_headed_by_its_activity(annex_pdf):
    """A row header (`<th scope="row">`): WeasyPrint gives it an /ID and lists that ID in the
    /Headers of every other cell of its row, so a screen reader announces the activity with
    each role."""
    annex = make_annex("fr", load_customer("banque-horizon"))
    activities = [row.text for _, row in annex.rows()]
    headed = 0
    with pikepdf.open(annex_pdf) as pdf:
        for tr in _elements(pdf.Root.StructTreeRoot, "/TR"):
            cells = _kids(tr)
            if len(cells) < 2 or cells[0].get("/S") != "/TH" or cells[1].get("/S") != "/TD":
                continue
            row_id = bytes(cells[0].ID)
            assert all(row_id in [bytes(h) for h in td.A.Headers] for td in cells[1:])
            headed += 1
    # the matrix rows and the summary's party rows (the title block's facts are headed too)
    assert headed >= len(activities) + len(annex.parties)
    assert headed <= len(activities) + len(annex.parties) + 8  # + the facts


def test_no_header_cell_is_empty(annex_pdf):
    headers = [cell for row in table_rows(annex_pdf) if row["kind"] == "th" for cell in row["cells"]]
    assert headers and all(cell.strip() for cell in headers), headers


def test_the_default_brand_reaches_4_5_to_1_for_every_text_colour():
    colors = load_brand().config.colors
    assert min(contrast(*pair) for pair in colors.text_pairs().values()) >= 4.5


def test_a_brand_with_unreadable_text_colours_is_refused():
    with pytest.raises(ValueError, match=r"muted \(3\.0:1\)"):
        Colors(muted="#8C96A0")


def test_no_colour_is_written_outside_the_brand_palette():
    for name in ("annex.css", "annex.html.j2"):
        text = (DEFAULT_TEMPLATES / name).read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/|\{#.*?#\}", "", text, flags=re.S)
        assert not re.findall(r"#[0-9A-Fa-f]{3,8}\b|rgba?\(", text), name
