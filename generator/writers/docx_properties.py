"""What a DOCX of annex says it is: its custom properties (docProps/custom.xml), named, written
and read here only.

Word shows them in File > Properties > Custom, document management systems index them, and
`annex review-import` reads them back to know which matrix version, language and customer a
reviewed file is of, and whether it is an annex or a change notice.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from ..infra.diagnostics import InputError, error
from .docx_xml import attr

PART_NAME = "/docProps/custom.xml"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Word gives user-defined properties
NOTICE = "change-notice"  # AnnexDocument of a change notice (an annex has none)

# (property name, Identity field), in the order they are written
PROPERTIES = (("AnnexMatrixId", "matrix_id"), ("AnnexMatrixVersion", "version"), ("AnnexFromVersion", "from_version"),
              ("AnnexLanguage", "lang"), ("AnnexFingerprint", "fingerprint"), ("AnnexDocument", "document"),
              ("AnnexCustomer", "customer"))
REQUIRED = ("matrix_id", "version", "lang")  # a DOCX without them was not made by annex
NOTICE_ONLY = ("from_version", "document")  # left out of an annex's properties


@dataclass(frozen=True)
class Identity:
    """Which document a DOCX is, as its properties say."""

    matrix_id: str
    version: str
    lang: str
    customer: str = ""
    fingerprint: str = ""
    document: str = ""  # NOTICE for a change notice, empty for an annex
    from_version: str = ""  # the version a change notice amends

    def properties(self) -> dict[str, str]:
        """Property name -> value, in the order they are written."""
        return {name: getattr(self, field) for name, field in PROPERTIES
                if getattr(self, field) or field not in NOTICE_ONLY}


def write(document: DocxDocument, identity: Identity) -> None:
    """docProps/custom.xml of `document` says it is `identity` (replacing what it said before)."""
    items = "".join(f'<property fmtid="{FMTID}"{attr("pid", pid)}{attr("name", name)}>'
                    f'<vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
                    for pid, (name, value) in enumerate(identity.properties().items(), start=2))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           f'{items}</Properties>').encode()
    package = document.part.package
    for rel in list(package.rels.values()):
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            rel.target_part._blob = xml
            return
    part = Part(PackURI(PART_NAME), CONTENT_TYPE, xml, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def read(path: Path, data: bytes) -> Identity:
    """What the DOCX `data` (read from `path`) says it is; a DOCX without the annex properties was
    not made by annex: refused, located, as unreadable input."""
    hint = "review-import reads DOCX files made by `annex build` (their File > Properties > Custom)"

    def refuse(message: str) -> InputError:
        return InputError([error(path, message, hint=hint)], unreadable=True)
    try:
        raw = zipfile.ZipFile(io.BytesIO(data)).read(PART_NAME.lstrip("/"))
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    except KeyError:
        raise refuse("has no custom properties: it was not made by annex") from None
    except etree.XMLSyntaxError as exc:
        raise refuse(f"{PART_NAME.lstrip('/')} is not valid XML: {exc}") from None
    fields = dict(PROPERTIES)
    props = {fields[prop.get("name")]: "".join(prop.itertext()).strip() for prop in root if prop.get("name") in fields}
    names = {field: name for name, field in PROPERTIES}
    missing = [names[field] for field in REQUIRED if not props.get(field)]
    if missing:
        raise refuse(f"lacks the annex properties {', '.join(missing)}: it was not made by annex")
    return Identity(**props)
