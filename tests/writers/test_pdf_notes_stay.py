"""A table's notes never start a page away from its rows (annex.css `.raci + .after-table`, and
annex.typ's sticky last row): when a table ends at the foot of a page and its notes do not fit
under it, both engines move the table's last row, under the repeated header, to the next page
with the notes, and print that page alike."""
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


def long_table(notes: list, count: int) -> Matrix:
    """The s3 matrix with a first section of `count` rows and `notes` under them."""
    data = load_matrix("fr").model_dump(mode="python")
    rows = [{"id": f"ligne-{i}", "text": ROW.format(i), "roles": {"customer": "RA", "provider": "CI"}}
            for i in range(1, count + 1)]
    data["sections"] = [{"title": "Un long tableau", "activities": rows, "notes": notes}, data["sections"][1]]
    return Matrix.model_validate(data)


def render_both(notes: list, count: int = ROWS) -> tuple[bytes, bytes]:
    """The annex from WeasyPrint (the reference), then from Typst."""
    customer = load_customer("banque-horizon").model_copy(update={"deviations": []})
    brand = load_brand()
    reference, typst = (pdf.render(build_annex(long_table(notes, count), customer, b))
                        for b in (brand, brand.with_engine("typst")))
    return reference, typst


def page_of(pages: list[list[str]], start: str) -> int:
    """The 1-based page of the first line starting with `start` (white space removed)."""
    return next(n for n, page in enumerate(pages, 1) for line in page if line.startswith(start))


def texts(data: bytes) -> list[list[str]]:
    return [[ln.text for ln in page] for page in lines(data)]


def row(i: int) -> str:
    return ROW.format(i).replace(" ", "")


@pytest.fixture(scope="module")
def without_notes():
    return render_both([])


@pytest.mark.parametrize("kind", ["note", "callout"])
def test_the_notes_first_line_is_on_the_page_of_the_tables_last_row(without_notes, kind):
    reference, typst = render_both([NOTE] if kind == "note" else [CALLOUT])
    for alone, with_notes in zip(without_notes, (reference, typst), strict=True):
        bare, pages = texts(alone), texts(with_notes)
        foot = page_of(bare, row(ROWS))
        assert page_of(bare, row(ROWS - 1)) == foot  # the table alone ends at the foot of a page
        last = page_of(pages, row(ROWS))
        assert page_of(pages, FIRST_LINE[kind]) == last == foot + 1  # the notes took the last row along
        assert page_of(pages, row(ROWS - 1)) == foot  # only the last row moved
        header = pages[last - 1].index(next(ln for ln in pages[last - 1] if ln.startswith(row(ROWS)))) - 1
        assert pages[last - 1][header] == "ActivitéClientCloudTemple"  # under the repeated header
    assert differences(reference, typst) == []


def test_a_table_whose_notes_fit_keeps_them_under_it_on_its_page():
    """The rule moves nothing when the notes fit: the last row stays with the rows before it."""
    reference, typst = render_both([NOTE], ROWS - 3)
    for data in (reference, typst):
        pages = texts(data)
        assert page_of(pages, row(ROWS - 3)) == page_of(pages, FIRST_LINE["note"]) == page_of(pages, row(1))
    assert differences(reference, typst) == []
