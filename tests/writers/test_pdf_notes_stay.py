"""A table's notes never start a page away from its rows (annex.css `.raci + .after-table`, and
annex.typ's sticky last row): when a table ends at the foot of a page and its notes do not fit
under it, both engines move the table's last row, under the repeated header, to the next page
with the notes (a one-row table goes whole, with its heading), and print those pages alike."""
from __future__ import annotations

import pytest

from generator.annex import build_annex
from generator.brand import load_brand
from generator.model import Matrix
from generator.writers import pdf

from ..conftest import load_customer, load_matrix
from .typst_parity import differences, lines

ROWS = 27  # with these many rows, the table alone ends at the foot of its first page
ROW = "Activité numéro {} du long tableau"
NOTE = "*(1) Une note sous le tableau, qui reste sur la page de sa dernière ligne.*"
CALLOUT = {"kind": "warning", "title": "Condition de validité",
           "body": ["Un encadré sous le tableau, qui reste sur la page de sa dernière ligne."]}
FIRST_LINE = {"note": "(1)Unenotesousletableau", "callout": "Conditiondevalidité"}
HEADER = "ActivitéClientCloudTemple"
INTRO = "Une ligne d'introduction qui remplit une ligne entière de texte, ou presque, pour décaler le tableau. "


def rows(count: int, text: str = ROW) -> list[dict]:
    return [{"id": f"ligne-{i}", "text": text.format(i), "roles": {"customer": "RA", "provider": "CI"}}
            for i in range(1, count + 1)]


def render_both(*sections: dict) -> tuple[bytes, bytes]:
    """The s3 matrix with `sections` first, from WeasyPrint (the reference), then from Typst."""
    data = load_matrix("fr").model_dump(mode="python")
    data["sections"] = [*sections, data["sections"][1]]
    customer = load_customer("banque-horizon").model_copy(update={"deviations": []})
    brand = load_brand()
    matrix = Matrix.model_validate(data)
    reference, typst = (pdf.render(build_annex(matrix, customer, b)) for b in (brand, brand.with_engine("typst")))
    return reference, typst


def texts(data: bytes) -> list[list[str]]:
    """Each page's lines, white space removed."""
    return [[ln.text for ln in page] for page in lines(data)]


def page_of(pages: list[list[str]], start: str) -> int:
    """The 1-based page of the first line starting with `start`."""
    return next(n for n, page in enumerate(pages, 1) for line in page if line.startswith(start))


def line_above(pages: list[list[str]], start: str) -> str:
    page = pages[page_of(pages, start) - 1]
    return page[next(i for i, line in enumerate(page) if line.startswith(start)) - 1]


def row(i: int) -> str:
    return ROW.format(i).replace(" ", "")


@pytest.fixture(scope="module")
def without_notes():
    return render_both({"title": "Un long tableau", "activities": rows(ROWS)})


@pytest.mark.parametrize("kind", ["note", "callout"])
def test_the_notes_first_line_is_on_the_page_of_the_tables_last_row(without_notes, kind):
    notes = [NOTE] if kind == "note" else [CALLOUT]
    reference, typst = render_both({"title": "Un long tableau", "activities": rows(ROWS), "notes": notes})
    for alone, with_notes in zip(without_notes, (reference, typst), strict=True):
        bare, pages = texts(alone), texts(with_notes)
        foot = page_of(bare, row(ROWS))
        assert page_of(bare, row(ROWS - 1)) == foot  # the table alone ends at the foot of a page
        assert page_of(pages, FIRST_LINE[kind]) == page_of(pages, row(ROWS)) == foot + 1  # the row went along
        assert page_of(pages, row(ROWS - 1)) == foot  # only the last row moved
        assert line_above(pages, row(ROWS)) == HEADER  # under the repeated header
    assert differences(reference, typst) == []


def test_notes_that_fit_stay_under_their_table_on_its_page():
    """The rule moves nothing when the notes fit."""
    reference, typst = render_both({"title": "Un long tableau", "activities": rows(ROWS - 3), "notes": [NOTE]})
    for data in (reference, typst):
        pages = texts(data)
        assert page_of(pages, row(1)) == page_of(pages, row(ROWS - 3)) == page_of(pages, FIRST_LINE["note"])
        assert line_above(pages, FIRST_LINE["note"]) == row(ROWS - 3) + "RACI"
    assert differences(reference, typst) == []


def test_a_one_row_table_goes_to_the_next_page_with_its_heading_and_notes():
    filler = {"title": "Un long tableau", "intro": [INTRO * 2], "activities": rows(22)}
    short = {"title": "Un tableau court", "activities": rows(1, "La seule ligne du tableau court")}
    alone = render_both(filler, short)
    reference, typst = render_both(filler, {**short, "notes": [NOTE]})
    for bare, pages in zip(map(texts, alone), map(texts, (reference, typst)), strict=True):
        foot = page_of(bare, "Laseuleligne")
        assert page_of(bare, "2Untableaucourt") == foot  # alone, the short table fits at the foot
        assert (page_of(pages, "2Untableaucourt") == page_of(pages, "Laseuleligne")
                == page_of(pages, FIRST_LINE["note"]) == foot + 1)
    assert differences(reference, typst) == []


def test_a_paragraph_of_fewer_than_six_lines_never_breaks_across_pages():
    """annex.css `p { orphans: 3; widows: 3 }`: a 5-line note under a table at the foot of a
    page, with room there for 3 of its lines, moves whole, and the table's last row with it."""
    sentence = "Une phrase du paragraphe sous le tableau, assez longue pour tenir sur une ligne. "
    notes = [sentence * 7, "Second paragraphe après."]
    reference, typst = render_both({"title": "Un long tableau", "activities": rows(ROWS - 2), "notes": notes})
    for data in (reference, typst):
        pages = texts(data)
        assert page_of(pages, "Unephraseduparagraphe") == page_of(pages, "Secondparagraphe")
        page = pages[page_of(pages, "Secondparagraphe") - 1]
        first, after = (next(i for i, line in enumerate(page) if line.startswith(s))
                        for s in ("Unephraseduparagraphe", "Secondparagraphe"))
        assert after - first == 5  # the whole paragraph, its 5 lines, on one page
        assert page_of(pages, row(ROWS - 2)) == page_of(pages, "Unephraseduparagraphe") > page_of(pages, row(1))
    assert differences(reference, typst) == []
