"""The review reader's pieces: text with tracked changes applied or rejected, and role cells as the
writer prints them (the custom properties that say which annex a DOCX is: writers/test_docx_properties.py)."""
from __future__ import annotations

import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from generator.readers.review_docx import role_cell, text_of

CELL = (f'<w:tc {nsdecls("w")}><w:p><w:r><w:t>R</w:t></w:r>'
        '<w:del w:id="1" w:author="x" w:date="2025-01-01T00:00:00Z"><w:r><w:delText>A</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="x" w:date="2025-01-01T00:00:00Z"><w:r><w:t>C</w:t></w:r></w:ins>'
        '<w:moveFrom w:id="3" w:author="x" w:date="2025-01-01T00:00:00Z"><w:r><w:t>I</w:t></w:r></w:moveFrom>'
        '</w:p></w:tc>')


def test_text_with_changes_accepted_and_rejected():
    cell = parse_xml(CELL)
    assert text_of(cell) == "RC"  # deleted and moved-away text gone, inserted text in
    assert text_of(cell, accepted=False) == "RAI"  # as it was before the edits


@pytest.mark.parametrize("printed, letters", [("\u00a0R\u00a0 \u00a0A\u00a0", ("R", "A")), ("–", ()),
                                              ("", ()), ("C, I", ("C", "I")), ("ar", None)])
def test_role_cells_as_the_writer_prints_them(printed, letters):
    cell = role_cell(printed)
    if letters is None:
        assert cell.unknown
    else:
        assert cell.letters == letters and not cell.unknown
