"""The raw WordprocessingML the DOCX writer needs beyond python-docx's API, in one place.

Repeat header rows, rows that never split, shading, fields (PAGE, NUMPAGES), document
language, tracked changes (w:ins / w:del) and their protection, embedded fonts. The package
(the zip) is docx_package.py's, the custom properties docx_properties.py's.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph
from lxml import etree


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A real field (PAGE, NUMPAGES): Word and LibreOffice compute it when they lay out."""
    def run_with(child: BaseOxmlElement) -> None:
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


def right_tab(paragraph: Paragraph, position_twips: int) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    tab = f'<w:tab w:val="right"{attr("w:pos", int(position_twips))}/>'
    p_pr.append(parse_xml(f'<w:tabs {nsdecls("w")}>{tab}</w:tabs>'))


def set_language(document: DocxDocument, tag: str) -> None:
    """w:lang (a BCP 47 tag, `en-GB`) on the document defaults and on styles that set their
    own: Word checks spelling in the annex language."""
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


def protect_for_review(document: DocxDocument) -> None:
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


def character_spacing(run: Any, twips: int) -> None:
    """w:spacing on a run: its characters set wider (or narrower) by `twips` each."""
    run._r.get_or_add_rPr().append(parse_xml(f'<w:spacing {nsdecls("w")}{attr("w:val", int(twips))}/>'))


def paragraph_style(paragraph: Paragraph, style_id: str) -> None:
    """w:pStyle by id (python-docx's name lookup walks every style on each call)."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.get_or_add_pStyle().set(qn("w:val"), style_id)


# ---- lists: Word's numbering (numbering.xml) ----
# A list style of the reference document names a w:num (its w:pPr/w:numPr/w:numId), which names
# the w:abstractNum that draws the bullets or numbers of each level. Every list of an annex gets a
# w:num of its own over that abstractNum, its first number set by w:lvlOverride/w:startOverride:
# two lists in a row are numbered each from its start (Word continues a w:num, not a list), and a
# nested list is a w:num of its own at w:ilvl 1, whatever the kind of the list around it.

def style_abstract_num(document: DocxDocument, style_id: str) -> int | None:
    """The w:abstractNumId the paragraph style's numbering names, or None if it has none."""
    style = document.styles.element.get_by_id(style_id)
    num_id = style.xpath("./w:pPr/w:numPr/w:numId/@w:val") if style is not None else []
    if not num_id:
        return None
    found = document.part.numbering_part.element.xpath(f"./w:num[@w:numId='{int(num_id[0])}']/w:abstractNumId/@w:val")
    return int(found[0]) if found else None


def new_list(document: DocxDocument, abstract_num: int, level: int, start: int) -> int:
    """A w:num over `abstract_num` whose `level` starts at `start`: one list's numbering; its numId."""
    num = document.part.numbering_part.element.add_num(abstract_num)
    num.add_lvlOverride(ilvl=level).add_startOverride(start)
    return int(num.numId)


def number(paragraph: Paragraph, num_id: int, level: int) -> None:
    """w:numPr (w:ilvl, w:numId): the paragraph is an item of that list, at that level."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


# ---- tables built as one XML string: python-docx's cell/row objects cost ~1 ms per row ----
# Every attribute of these strings is written by `attr`, escaped, from a typed value: brand and
# data values (style ids, colours, author names) never reach the XML unescaped.

_HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def hex_color(value: object) -> str:
    """`#0b2e4f` -> `0B2E4F`, the form w:color and w:fill take; anything else is refused."""
    m = _HEX.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"not a #RRGGBB colour: {value!r}")
    return m.group(1).upper()


def attr(name: str, value: str | int | bool) -> str:
    """` name="value"`, escaped for an XML attribute; booleans as 1/0, as OOXML writes them."""
    if isinstance(value, bool):
        value = int(value)
    return f' {name}="{escape(str(value), _ATTR_ENTITIES)}"'


@dataclass
class XRun:
    text: str
    bold: bool = False
    italic: bool = False
    style: str | None = None  # character style id
    size: int | None = None  # half-points
    color: str | None = None
    change: str | None = None  # "ins" or "del": a tracked change


@dataclass
class XPara:
    runs: list[XRun] = field(default_factory=list)
    style: str | None = None
    center: bool = False
    line: int | None = None  # twips, at least: a line height of its own (smaller text than the style's)


@dataclass
class XCell:
    paras: list[XPara]
    fill: str | None = None
    left_border: str | None = None
    box: str | None = None


@dataclass
class XRow:
    cells: list[XCell]
    header: bool = False
    height: int | None = None  # twips, at least
    bookmark: str | None = None  # names the row (around its first paragraph), for review-import


def _run_xml(run: XRun) -> str:
    props = ""
    if run.style:
        props += f'<w:rStyle{attr("w:val", run.style)}/>'
    if run.bold:
        props += "<w:b/><w:bCs/>"
    if run.italic:
        props += "<w:i/><w:iCs/>"
    if run.color:
        props += f'<w:color{attr("w:val", hex_color(run.color))}/>'
    if run.size:
        props += f'<w:sz{attr("w:val", int(run.size))}/><w:szCs{attr("w:val", int(run.size))}/>'
    tag = "w:delText" if run.change == "del" else "w:t"
    r_pr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{r_pr}<{tag} xml:space="preserve">{escape(run.text)}</{tag}></w:r>'


def _para_xml(para: XPara, author: str, date: str, ids: list[int], bookmark: str | None = None) -> str:
    props = ""
    if para.style:
        props += f'<w:pStyle{attr("w:val", para.style)}/>'
    if para.line:
        props += f'<w:spacing{attr("w:line", int(para.line))} w:lineRule="atLeast"/>'
    if para.center:
        props += '<w:jc w:val="center"/>'
    out = [f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}"]
    if bookmark:  # annotation ids (bookmarks, changes) share one counter: unique in the document
        ids[0] += 1
        mark = ids[0]
        out.append(f'<w:bookmarkStart{attr("w:id", mark)}{attr("w:name", bookmark)}/>')
    open_change = None
    for run in para.runs:
        if run.change != open_change:
            if open_change:
                out.append(f"</w:{open_change}>")
            if run.change:  # one w:ins / w:del around consecutive runs of the same change
                ids[0] += 1
                assert run.change in ("ins", "del"), run.change
                out.append(f'<w:{run.change}{attr("w:id", ids[0])}{attr("w:author", author)}{attr("w:date", date)}>')
            open_change = run.change
        out.append(_run_xml(run))
    if open_change:
        out.append(f"</w:{open_change}>")
    if bookmark:
        out.append(f'<w:bookmarkEnd{attr("w:id", mark)}/>')
    out.append("</w:p>")
    return "".join(out)


def build_table(rows: list[XRow], widths: list[int], *, style: str, first_row: bool = True, banded: bool = True,
                author: str = "", date: str = "", first_change_id: int = 0,
                indent: int = 0) -> tuple[BaseOxmlElement, int]:
    """A whole w:tbl from plain data; returns the element and the last tracked-change id used.
    `indent` (twips, w:tblInd) is where the first cell's text starts: the cell's own left padding
    puts the table's edge on the margin, as a CSS table."""
    look = (0x0020 if first_row else 0) | (0 if banded else 0x0200) | 0x0400
    ids = [first_change_id]
    out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle{attr("w:val", style)}/>'
           f'<w:tblW{attr("w:w", int(sum(widths)))} w:type="dxa"/><w:tblInd{attr("w:w", int(indent))} w:type="dxa"/>'
           f'<w:tblLayout w:type="fixed"/>'
           f'<w:tblLook{attr("w:val", f"{look:04X}")}{attr("w:firstRow", first_row)} w:lastRow="0" w:firstColumn="0" '
           f'w:lastColumn="0"{attr("w:noHBand", not banded)} w:noVBand="1"/></w:tblPr><w:tblGrid>']
    out += [f'<w:gridCol{attr("w:w", int(w))}/>' for w in widths]
    out.append("</w:tblGrid>")
    for row in rows:
        tr_pr = '<w:cantSplit w:val="true"/>'
        if row.height:
            tr_pr += f'<w:trHeight{attr("w:val", int(row.height))}/>'
        if row.header:
            tr_pr += '<w:tblHeader w:val="true"/>'
        out.append(f"<w:tr><w:trPr>{tr_pr}</w:trPr>")
        for cell, width in zip(row.cells, widths, strict=False):
            tc_pr = f'<w:tcW{attr("w:w", int(width))} w:type="dxa"/>'
            borders = ""
            if cell.box:
                color = attr("w:color", hex_color(cell.box))
                borders = "".join(f'<w:{side} w:val="single" w:sz="6" w:space="0"{color}/>'
                                  for side in ("top", "left", "bottom", "right"))
            elif cell.left_border:
                color = attr("w:color", hex_color(cell.left_border))
                borders = f'<w:left w:val="single" w:sz="18" w:space="0"{color}/>'
            if borders:
                tc_pr += f"<w:tcBorders>{borders}</w:tcBorders>"
            if cell.fill:
                tc_pr += f'<w:shd w:val="clear" w:color="auto"{attr("w:fill", hex_color(cell.fill))}/>'
            out.append(f"<w:tc><w:tcPr>{tc_pr}</w:tcPr>")
            out += [_para_xml(p, author, date, ids, row.bookmark if (cell is row.cells[0] and i == 0) else None)
                    for i, p in enumerate(cell.paras or [XPara()])]
            out.append("</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return parse_xml("".join(out)), ids[0]


# ---- embedded fonts (ECMA-376 Part 1, §17.8.1 and §17.8.3.3) ----
FONT_CT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_FACES = ("regular", "bold", "italic", "bolditalic")  # brand.yaml's keys, in w:font's schema order
_EMBED_TAG = {"regular": "w:embedRegular", "bold": "w:embedBold", "italic": "w:embedItalic",
              "bolditalic": "w:embedBoldItalic"}
# w:font children after the embed elements: none; before them, in schema order
_FONT_BEFORE_EMBED = ("w:altName", "w:panose1", "w:charset", "w:family", "w:notTrueType", "w:pitch", "w:sig")
# w:settings children that come before w:embedTrueTypeFonts
_SETTINGS_BEFORE_EMBED = ("w:writeProtection", "w:view", "w:zoom", "w:removePersonalInformation",
                          "w:removeDateAndTime", "w:doNotDisplayPageBoundaries", "w:displayBackgroundShape",
                          "w:printPostScriptOverText", "w:printFractionalCharacterWidth", "w:printFormsData")


def obfuscate_font(data: bytes) -> tuple[str, bytes]:
    """(font key, .odttf bytes): the key is a GUID derived from the font's bytes (same font, same
    key, same DOCX bytes), and the first 32 bytes are XORed with the key's 16 bytes read from its
    last hex pair to its first, as Word and LibreOffice undo it."""
    key = uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])
    mask = key.bytes[::-1]
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32]))
    return "{" + str(key).upper() + "}", head + data[32:]


def embed_fonts(document: Any, family: str, faces: dict[str, tuple[str, bytes]], *, subsetted: bool = False) -> None:
    """Embed one family's faces ({face: (font key, odttf bytes)}) as word/fonts/*.odttf parts
    related from the font table (`w:subsetted` when they hold only some glyphs), with
    w:embedTrueTypeFonts in the settings: Word and LibreOffice then draw the document in the
    brand's font on a machine that lacks it."""
    package = document.part.package
    table_part = document.part.part_related_by(RT.FONT_TABLE)
    fonts = parse_xml(table_part.blob)
    font = next((f for f in fonts.findall(qn("w:font")) if f.get(qn("w:name")) == family), None)
    if font is None:
        font = parse_xml(f'<w:font {nsdecls("w")}{attr("w:name", family)}><w:charset w:val="00"/>'
                         '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>')
        fonts.append(font)
    for tag in _EMBED_TAG.values():
        for old in font.findall(qn(tag)):
            font.remove(old)
    slug = re.sub(r"[^A-Za-z0-9]+", "", family) or "font"
    for face in FONT_FACES:
        if face not in faces:
            continue
        key, data = faces[face]
        part = Part(PackURI(f"/word/fonts/{slug}-{face}.odttf"), FONT_CT, data, package)
        rid = table_part.relate_to(part, RT.FONT)
        font.append(parse_xml(f'<{_EMBED_TAG[face]} {nsdecls("w", "r")}{attr("w:fontKey", key)}{attr("r:id", rid)}'
                              f'{attr("w:subsetted", subsetted)}/>'))
    table_part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = document.settings.element
    if settings.find(qn("w:embedTrueTypeFonts")) is None:
        element = OxmlElement("w:embedTrueTypeFonts")
        before = [c for c in settings if c.tag in {qn(t) for t in _SETTINGS_BEFORE_EMBED}]
        before[-1].addnext(element) if before else settings.insert(0, element)
