"""Generate templates/default/annex.docx, the reference document the DOCX writer fills.

It holds what a brand team would otherwise edit in Word: styles (Title, Heading 1-3, Normal,
the `Annex Matrix` table style, small paragraph styles, role badge character styles), the page
set-up (A4) and the logo for the header. Any Word-edited replacement that keeps these style
names works with the writer. Reproducible: run it again and the file is byte-identical.

    python scripts/make_reference_docx.py [BRAND_FOLDER]
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import yaml
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.model import CALLOUT_KINDS  # noqa: E402
from generator.writers import docx_package  # noqa: E402
from generator.writers.docx import REQUIRED_STYLES  # noqa: E402  (the styles this document must define)

# The sizes below are annex.css's, so that LibreOffice and Word break pages where WeasyPrint does
# (tests/writers/test_docx_clients.py compares the page where each part starts): body text 9.5 pt
# on 1.38 lines, cells padded 1.6 x 2 mm, headings with the CSS margins (a table has no margin in
# Word, so a heading's space before is the CSS margin that collapses with the table's).
BODY_PT, LINE = 9.5, 1.38


def mm_pt(mm: float) -> float:
    return mm * 72 / 25.4


def lines(style, size: float, ratio: float = LINE) -> None:
    """CSS line-height as Word's "at least" line spacing: the same line boxes, and a taller
    inline (a role badge) still fits."""
    style.paragraph_format.line_spacing = Pt(round(size * ratio, 2))
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST


def hexcolor(value: str) -> str:
    return value.lstrip("#").upper()


def logo_png(colors: dict) -> bytes:
    """The brand mark of logo.svg, drawn with Pillow (Word does not render SVG everywhere)."""
    scale = 8
    size = 48 * scale
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    primary, accent = "#" + hexcolor(colors["primary"]), "#" + hexcolor(colors["accent"])

    def pts(*xy):
        return [(x * scale, y * scale) for x, y in xy]
    draw.polygon(pts((6, 38), (24, 6), (42, 38)), fill=primary)
    draw.polygon(pts((15, 38), (24, 22), (33, 38)), fill=accent)
    draw.rounded_rectangle([4 * scale, 40 * scale, 44 * scale, 43.5 * scale], radius=int(1.75 * scale), fill=primary)
    img = img.resize((192, 192), Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# w:pPr children after w:pBdr, in schema order: a border and shading go before them
AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                "w:rPr", "w:sectPr", "w:pPrChange")


def box(style, border: str, fill: str | None = None) -> None:
    """w:pBdr (and w:shd) on a paragraph style, in schema order."""
    p_pr = style.element.get_or_add_pPr()
    p_pr.insert_element_before(parse_xml(border), *AFTER_BORDER)
    if fill:
        p_pr.insert_element_before(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'),
                                   *AFTER_BORDER[1:])


def boxed_styles(paragraph_style, colors: dict) -> None:
    """Callouts: per kind, a body style (left rule in the kind's colour, shaded, indented) and a
    title style (the same box, bold, in the kind's colour). Consecutive paragraphs with the same
    border make one box in Word and LibreOffice. Quotes: a grey rule and an indent."""
    for kind in CALLOUT_KINDS:
        spec = colors["callouts"][kind]
        border, fill = hexcolor(spec["border"]), hexcolor(spec["background"])
        for part, bold in (("", False), (" Title", True)):
            style = paragraph_style(f"Annex Callout {kind.title()}{part}", 9, bold=bold, after=0,
                                    color=RGBColor.from_string(border) if bold else None)
            style.paragraph_format.left_indent = Mm(3)
            style.paragraph_format.right_indent = Mm(1)
            box(style, f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="4" w:space="4" w:color="{fill}"/>'
                       f'<w:left w:val="single" w:sz="24" w:space="6" w:color="{border}"/>'
                       f'<w:bottom w:val="single" w:sz="4" w:space="4" w:color="{fill}"/></w:pBdr>', fill)
    quote = paragraph_style("Annex Quote", 9, after=2)
    quote.paragraph_format.left_indent = Mm(4)
    box(quote, f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="16" w:space="8" '
               f'w:color="{hexcolor(colors["quote"])}"/></w:pBdr>')


# Lists as annex.css draws them: the text 5.5 mm from the edge (nested: 11 mm), the bullet or
# number in the 3.5 mm before it, in the accent colour; a nested bulleted list takes a dash
LIST_TEXT, LIST_HANGING = 312, 198  # twips (docx.LIST_INDENT)
# (w:numFmt, w:lvlText) of levels 0 and 1: bullets (w:abstractNumId 1), numbers (2)
LIST_LEVELS = ((("bullet", "\u2022"), ("bullet", "\u2013")), (("decimal", "%1."), ("decimal", "%2.")))


def list_styles(doc, paragraph_style, accent: str) -> None:
    """numbering.xml with one w:abstractNum per kind of list (bullets, numbers; two levels) and a
    w:num each, named by the paragraph styles `Annex List Bullet` and `Annex List Number`; and
    `Annex List Note`, a list's items under a table (its numbering comes with each list)."""
    numbering = doc.part.numbering_part.element
    for child in list(numbering):  # python-docx's blank template numbers its own List styles
        numbering.remove(child)
    for abstract_id, levels in enumerate(LIST_LEVELS, start=1):
        lvls = "".join(
            f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{LIST_TEXT * (level + 1)}" w:hanging="{LIST_HANGING}"/>'
            f'</w:pPr><w:rPr><w:color w:val="{accent}"/></w:rPr></w:lvl>'
            for level, (fmt, text) in enumerate(levels))
        numbering.append(parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                                   f'<w:multiLevelType w:val="hybridMultilevel"/>{lvls}</w:abstractNum>'))
    for num_id in (1, 2):
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>'
                                   '</w:num>'))
    for name, num_id in (("Annex List Bullet", 1), ("Annex List Number", 2)):
        style = paragraph_style(name, BODY_PT, after=mm_pt(0.8))
        style.element.get_or_add_pPr().insert_element_before(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'),
            "w:suppressLineNumbers", "w:pBdr", *AFTER_BORDER)
    paragraph_style("Annex List Note", 8, color=RGBColor(0x3A, 0x45, 0x50), after=mm_pt(0.8))


def build(brand_dir: Path) -> bytes:
    brand = yaml.safe_load((brand_dir / "brand.yaml").read_text(encoding="utf-8"))
    colors = brand["colors"]
    font = brand["fonts"]["docx_family"]
    primary = RGBColor.from_string(hexcolor(colors["primary"]))
    accent = RGBColor.from_string(hexcolor(colors["accent"]))
    muted = RGBColor.from_string(hexcolor(colors["muted"]))

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(24), Mm(22)
    section.left_margin = section.right_margin = Mm(18)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)

    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(BODY_PT)
    normal.font.color.rgb = RGBColor.from_string(hexcolor(colors["text"]))
    normal.paragraph_format.space_after = Pt(mm_pt(2))
    lines(normal, BODY_PT)
    normal.element.get_or_add_rPr().rFonts.set(qn("w:eastAsia"), font)
    # (name, size, margin before and after in mm, line height): h1, h2, h3, h4 of annex.css
    for name, size, before, after, ratio in (("Title", 19, 0, 5, 1.2), ("Heading 1", 13, 7, 2.5, 1.25),
                                             ("Heading 2", 11, 5, 2, 1.25), ("Heading 3", 10, 4, 2, 1.25)):
        style = styles[name]
        style.font.name = font
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = primary
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(mm_pt(before))
        style.paragraph_format.space_after = Pt(mm_pt(after))
        lines(style, size, ratio)
    title = styles["Title"]
    # the default Title has a bottom border and huge spacing; keep it plain
    for border in title.element.xpath("./w:pPr/w:pBdr"):
        border.getparent().remove(border)
    # h2's rule: 0.75 pt in the accent colour, 1 mm under the text (w:sz in eighths, w:space in pt)
    box(styles["Heading 1"], f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" '
                             f'w:color="{hexcolor(colors["accent"])}"/></w:pBdr>')
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(7.5)
        styles[name].font.color.rgb = muted

    def paragraph_style(name, size, *, color=None, bold=False, italic=False, after=4, caps=False):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = italic
        style.font.all_caps = caps
        if color is not None:
            style.font.color.rgb = color
        style.paragraph_format.space_after = Pt(after)
        lines(style, size)
        return style

    paragraph_style("Annex Kicker", 9, color=accent, bold=True, after=mm_pt(1), caps=True)
    note = paragraph_style("Annex Note", 8, color=RGBColor(0x3A, 0x45, 0x50), after=mm_pt(2.5))
    note.paragraph_format.space_before = Pt(mm_pt(1.5))
    paragraph_style("Annex Small", 8, color=muted, after=2)
    paragraph_style("Annex Cell", BODY_PT, after=0)
    banner = paragraph_style("Annex Banner", 11, color=RGBColor(0xB3, 0x26, 0x1E), bold=True, after=0)
    banner.paragraph_format.alignment = 1

    boxed_styles(paragraph_style, colors)
    list_styles(doc, paragraph_style, hexcolor(colors["accent"]))

    for letter, spec in colors["roles"].items():
        style = styles.add_style(f"Annex Role {letter}", WD_STYLE_TYPE.CHARACTER)
        style.font.bold = True
        style.font.size = Pt(8)
        style.font.color.rgb = RGBColor.from_string(hexcolor(spec["text"]))
        r_pr = style.element.get_or_add_rPr()
        if spec.get("border"):  # the light badges are outlined, 0.6 pt as in the PDF (w:sz in eighths)
            r_pr.append(parse_xml(f'<w:bdr {nsdecls("w")} w:val="single" w:sz="5" w:space="0" '
                                  f'w:color="{hexcolor(spec["border"])}"/>'))
        r_pr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" '
                              f'w:fill="{hexcolor(spec["background"])}"/>'))

    grid = "D9DEE3"
    styles.element.append(parse_xml(f'''
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="AnnexMatrix">
  <w:name w:val="Annex Matrix"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="40"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr>
  <w:tblPr>
    <w:tblStyleRowBandSize w:val="1"/>
    <w:tblBorders>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{grid}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{grid}"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="91" w:type="dxa"/><w:left w:w="113" w:type="dxa"/>
      <w:bottom w:w="101" w:type="dxa"/><w:right w:w="113" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/><w:color w:val="{hexcolor(colors["table_header_text"])}"/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{hexcolor(colors["primary"])}"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band2Horz">
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{hexcolor(colors["row_alt"])}"/></w:tcPr>
  </w:tblStylePr>
</w:style>'''))

    # theme fonts (asciiTheme...) override named fonts: name the brand font everywhere
    for rfonts in styles.element.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), font)
    # Header/Footer come with centre and right tab stops; the writer sets its own
    for name in ("Header", "Footer"):
        for tabs in styles[name].element.xpath("./w:pPr/w:tabs"):
            tabs.getparent().remove(tabs)

    # the header: the logo, then the writer adds the customer and contract after a tab
    header = section.header
    para = header.paragraphs[0]
    para.add_run().add_picture(io.BytesIO(logo_png(colors)), height=Mm(7))
    # keep only the styles an annex uses (and what they are based on): a lighter styles part
    # is faster to open for the writer and clearer for the brand team in Word's style pane
    keep = {"Normal", "Default Paragraph Font", "Normal Table", "No List",
            "Header", "Footer", *REQUIRED_STYLES}
    by_id = {st.get(qn("w:styleId")): st for st in styles.element.findall(qn("w:style"))}
    wanted = set()
    for st in styles.element.findall(qn("w:style")):
        name = st.find(qn("w:name")).get(qn("w:val"))
        if name in keep or name.lower() in {k.lower() for k in keep}:
            while st is not None and st.get(qn("w:styleId")) not in wanted:
                wanted.add(st.get(qn("w:styleId")))
                based = st.find(qn("w:basedOn"))
                link = st.find(qn("w:link"))
                if link is not None and link.get(qn("w:val")) in by_id:
                    wanted.add(link.get(qn("w:val")))
                st = by_id.get(based.get(qn("w:val"))) if based is not None else None
    for st in styles.element.findall(qn("w:style")):
        if st.get(qn("w:styleId")) not in wanted:
            styles.element.remove(st)

    # python-docx's blank template carries a thumbnail of an empty page, and a Word 2010
    # copy of every style (stylesWithEffects): drop both
    package = doc.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[key]
    for key, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[key]
    return docx_package.save(doc)


def main() -> None:
    brand_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "templates" / "default"
    target = brand_dir / "annex.docx"
    target.write_bytes(build(brand_dir))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
