"""What a DOCX of annex says it is: its custom properties written, read back, and refused when
they are not annex's."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from generator.infra.diagnostics import InputError
from generator.writers import docx_package, docx_properties
from generator.writers.docx_properties import NOTICE, Identity


@pytest.mark.parametrize("identity, names", [
    (Identity("s3-object-storage", "1.0.0", "fr", "banque-horizon", "ab" * 32),
     ["AnnexMatrixId", "AnnexMatrixVersion", "AnnexLanguage", "AnnexFingerprint", "AnnexCustomer"]),
    (Identity("iaas", "1.1.0", "en", "", "cd" * 32, document=NOTICE, from_version="1.0.0"),
     ["AnnexMatrixId", "AnnexMatrixVersion", "AnnexFromVersion", "AnnexLanguage", "AnnexFingerprint",
      "AnnexDocument", "AnnexCustomer"]),
])
def test_written_properties_read_back_as_the_same_identity(identity, names):
    document = Document()
    docx_properties.write(document, Identity("old", "0.1.0", "de"))
    docx_properties.write(document, identity)  # a second write replaces the first
    data = docx_package.save(document)
    assert docx_properties.read(Path("x.docx"), data) == identity
    custom = zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml").decode()
    assert [part.split('"')[0] for part in custom.split(' name="')[1:]] == names


def test_values_are_escaped():
    identity = Identity("m", "1", "fr", 'a<b>&"c"', "f")
    assert docx_properties.read(Path("x.docx"), docx_package.save(_written(identity))) == identity


def _written(identity: Identity):
    document = Document()
    docx_properties.write(document, identity)
    return document


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
    ident = docx_properties.read(Path("x.docx"), docx_with_custom(f"<Properties {ns}>{props}</Properties>".encode()))
    assert (ident.matrix_id, ident.version, ident.lang, ident.customer) == ("s3-object-storage", "1.0.0", "fr", "")
    with pytest.raises(InputError) as exc:
        docx_properties.read(Path("x.docx"), docx_with_custom(f"<Properties {ns}/>".encode()))
    assert exc.value.unreadable and "not made by annex" in str(exc.value)


def test_identity_does_not_expand_entities():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
            b'<property name="AnnexMatrixId">&b;</property></Properties>')
    with pytest.raises(InputError) as exc:
        docx_properties.read(Path("x.docx"), docx_with_custom(bomb))
    assert "aaaaaaaaaa" not in str(exc.value)
