"""The raw WordprocessingML the DOCX writer needs beyond python-docx's API, in one place.

Repeat header rows, rows that never split, shading, fields (PAGE, NUMPAGES), document
language, tracked changes (w:ins / w:del) and their protection, custom properties, and a
deterministic zip (fixed entry dates and order) so the same inputs give the same bytes.
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
LANG_TAGS = {"fr": "fr-FR", "en": "en-GB", "de": "de-DE", "es": "es-ES", "it": "it-IT"}


def deterministic_zip(data: bytes) -> bytes:
    """Re-pack a DOCX with fixed entry dates and a fixed entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in names]
    order = first + sorted(n for n in names if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def _tr_pr(row):
    return row._tr.get_or_add_trPr()


def repeat_header(row) -> None:
    """w:tblHeader: Word repeats this row at the top of every page the table spans."""
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    _tr_pr(row).append(el)


def cant_split(row) -> None:
    """w:cantSplit: the row moves whole to the next page instead of breaking."""
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    _tr_pr(row).append(el)


def shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    tc_pr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def left_border(cell, color: str, size: int = 18) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(parse_xml(f'<w:tcBorders {nsdecls("w")}><w:left w:val="single" w:sz="{size}" w:space="0" '
                           f'w:color="{color}"/></w:tcBorders>'))


def cell_width(cell, twips: int) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:tcW")):
        tc_pr.remove(old)
    tc_pr.insert(0, parse_xml(f'<w:tcW {nsdecls("w")} w:w="{twips}" w:type="dxa"/>'))


def fixed_layout(table, widths: list[int]) -> None:
    """Fixed column widths (twips), so Word and LibreOffice lay the table out alike."""
    tbl_pr = table._tbl.tblPr
    tbl_pr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{sum(widths)}" w:type="dxa"/>'))
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(width))


def add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A real field (PAGE, NUMPAGES): Word and LibreOffice compute it when they lay out."""
    def run_with(child):
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def right_tab(paragraph, position_twips: int) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(parse_xml(f'<w:tabs {nsdecls("w")}><w:tab w:val="right" w:pos="{position_twips}"/></w:tabs>'))


def set_language(document, lang: str) -> None:
    """w:lang on the document defaults (and styles that set their own): Word checks spelling
    in the matrix language."""
    tag = LANG_TAGS.get(lang, lang)
    styles = document.styles.element
    rpr_default = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr_default is None:
        doc_defaults = styles.find(qn("w:docDefaults"))
        if doc_defaults is None:
            doc_defaults = OxmlElement("w:docDefaults")
            styles.insert(0, doc_defaults)
        rpr_default = parse_xml(f'<w:rPrDefault {nsdecls("w")}><w:rPr/></w:rPrDefault>')
        doc_defaults.insert(0, rpr_default)
        rpr_default = rpr_default[0]
    for rpr in [rpr_default] + styles.findall(".//" + qn("w:rPr")):
        langs = rpr.findall(qn("w:lang"))
        if rpr is rpr_default or langs:
            for old in langs:
                rpr.remove(old)
            el = OxmlElement("w:lang")
            el.set(qn("w:val"), tag)
            el.set(qn("w:eastAsia"), tag)
            el.set(qn("w:bidi"), tag)
            rpr.append(el)


def protect_for_review(document) -> None:
    """Every edit becomes a tracked change: w:trackRevisions and w:documentProtection
    w:edit="trackedChanges" (no password: it states intent, as legal departments expect)."""
    settings = document.settings.element
    for tag in ("w:trackRevisions", "w:documentProtection"):
        for old in settings.findall(qn(tag)):
            settings.remove(old)
    protection = parse_xml(f'<w:documentProtection {nsdecls("w")} w:edit="trackedChanges" w:enforcement="1"/>')
    track = OxmlElement("w:trackRevisions")
    # schema order: writeProtection?, view?, zoom?, ..., trackRevisions, ..., documentProtection
    anchor = settings.find(qn("w:defaultTabStop"))
    if anchor is not None:
        anchor.addprevious(track)
        anchor.addprevious(protection)
    else:
        settings.insert(0, protection)
        settings.insert(0, track)



def tracked_runs(paragraph, deleted: list, inserted: list, *, author: str, date: str, first_id: int) -> int:
    """Standard roles as a w:del and agreed roles as a w:ins, with author and date; returns
    the next free revision id. Each item is (text, style_id or None)."""
    next_id = first_id
    for kind, items in (("del", deleted), ("ins", inserted)):
        if not items:
            continue
        wrapper = OxmlElement(f"w:{kind}")
        wrapper.set(qn("w:id"), str(next_id))
        wrapper.set(qn("w:author"), author)
        wrapper.set(qn("w:date"), date)
        next_id += 1
        for text, style in items:
            r = OxmlElement("w:r")
            if style:
                r_pr = OxmlElement("w:rPr")
                r_style = OxmlElement("w:rStyle")
                r_style.set(qn("w:val"), style)
                r_pr.append(r_style)
                r.append(r_pr)
            t = OxmlElement("w:delText" if kind == "del" else "w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = text
            r.append(t)
            wrapper.append(r)
        paragraph._p.append(wrapper)
    return next_id


CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


def set_custom_properties(document, props: dict[str, str]) -> None:
    """docProps/custom.xml: matrix id, version, language, fingerprint, readable in Word's
    File > Properties > Custom and by document management systems."""
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f'<vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(props.items(), start=2))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           f'{items}</Properties>').encode("utf-8")
    package = document.part.package
    for rel in list(package.rels.values()):
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            rel.target_part._blob = xml
            return
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, xml, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def box(cell, color: str = "8C96A0") -> None:
    """A bordered cell: the signature box."""
    tc_pr = cell._tc.get_or_add_tcPr()
    sides = "".join(f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="{color}"/>'
                    for side in ("top", "left", "bottom", "right"))
    tc_pr.append(parse_xml(f'<w:tcBorders {nsdecls("w")}>{sides}</w:tcBorders>'))


def table_look(table, *, first_row: bool = True, banded: bool = True) -> None:
    """Which parts of the table style apply (w:tblLook)."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblLook")):
        tbl_pr.remove(old)
    val = (0x0020 if first_row else 0) | (0 if banded else 0x0200) | 0x0400
    tbl_pr.append(parse_xml(f'<w:tblLook {nsdecls("w")} w:val="{val:04X}" w:firstRow="{int(first_row)}" w:lastRow="0" '
                            f'w:firstColumn="0" w:lastColumn="0" w:noHBand="{int(not banded)}" w:noVBand="1"/>'))
