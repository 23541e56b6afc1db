"""The review reader's pieces: text with tracked changes applied or rejected, role cells as the
writer prints them, and the custom properties that say which annex a DOCX is."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from generator.infra.diagnostics import InputError
from generator.readers.review_docx import identity, role_cell, text_of

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


def docx_with_custom(xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("docProps/custom.xml", xml)
    return out.getvalue()


def test_identity_needs_the_annex_properties():
    ns = 'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" ' \
         'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
    props = "".join(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{k}">'
                    f'<vt:lpwstr>{v}</vt:lpwstr></property>' for i, (k, v) in enumerate(
                        [("AnnexMatrixId", "s3-object-storage"), ("AnnexMatrixVersion", "1.0.0"),
                         ("AnnexLanguage", "fr")], start=2))
    ident = identity(Path("x.docx"), docx_with_custom(f"<Properties {ns}>{props}</Properties>".encode()))
    assert (ident.matrix_id, ident.version, ident.lang, ident.customer) == ("s3-object-storage", "1.0.0", "fr", "")
    with pytest.raises(InputError) as exc:
        identity(Path("x.docx"), docx_with_custom(f"<Properties {ns}/>".encode()))
    assert exc.value.unreadable and "not made by annex" in str(exc.value)


def test_identity_does_not_expand_entities():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
            b'<property name="AnnexMatrixId">&b;</property></Properties>')
    with pytest.raises(InputError) as exc:
        identity(Path("x.docx"), docx_with_custom(bomb))
    assert "aaaaaaaaaa" not in str(exc.value)
