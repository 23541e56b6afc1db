"""The annex as a DOCX for legal review, filled into the brand's reference document.

The reference document (templates/<brand>/annex.docx, made by scripts/make_reference_docx.py
or edited in Word) brings the styles, page set-up and header logo; this writer adds the
content of the annex model with those styles, so Word's navigation pane, table styles and
spell checker work as in any native document. Raw XML lives in docx_xml.py.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from types import MappingProxyType

from docx import Document
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt, Twips
from docx.text.paragraph import Paragraph
from fontTools import subset
from fontTools.ttLib import TTFont
from lxml import etree

from .. import fontcoverage
from ..annex import Annex, BlockView, ItemView, Row, SectionView
from ..brand import Brand
from ..infra.diagnostics import InputError, error
from ..infra.zipcheck import zip_problem
from ..model import CALLOUT_KINDS, RoleCell, spans
from . import docx_package, docx_properties
from . import docx_xml as xml

REFERENCE = "annex.docx"
CONTENT_WIDTH = 9865  # twips: A4 (11906) less 2 x 18 mm margins: 174 mm, as the PDF
PARTY_WIDTH = 1531  # 27 mm per party column, as in the PDF
CORE_PROPERTY_MAX = 255
HEADER_SIZE, HEADER_LINE = 17, 235  # table header cells: half-points (8.5 pt), twips (8.5 pt x 1.38)
CELL_PADDING = 113  # twips (2 mm): the reference's Annex Matrix left cell margin, as the PDF's cells
# what the en space after a section number lacks to be the PDF's 1.5 mm and a space, per heading
# level (13, 11, 10 pt): 20 x (4.25 pt - 0.222 x size) twips
NUMBER_GAP = {1: 27, 2: 36, 3: 41}
CALLOUT_STYLES = tuple(f"Annex Callout {kind.title()}{part}" for kind in CALLOUT_KINDS for part in ("", " Title"))
# list paragraph styles: bulleted, numbered (each names its numbering: Word's list buttons use it),
# and a list under a table, in its notes' size
LIST_STYLES = {False: "Annex List Bullet", True: "Annex List Number"}
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Annex Matrix", "Annex Kicker", "Annex Note",
                   "Annex Small", "Annex Cell", "Annex Banner", "Annex Role R", "Annex Role A", "Annex Role C",
                   "Annex Role I", "Annex Quote", *LIST_STYLES.values(), "Annex List Note", *CALLOUT_STYLES)
LIST_INDENT = 312  # twips: a list item's text, 5.5 mm from the edge as in the PDF (nested: twice)
# a reference document is a few tens of kilobytes; a brand's may carry a logo, never a zip bomb
MAX_REFERENCE = 8 * 1024 * 1024
MAX_REFERENCE_EXPANDED = 64 * 1024 * 1024
MAX_REFERENCE_ENTRIES = 500


def _check_zip(path: Path, data: bytes) -> None:
    """Refuse what is not a DOCX-sized zip before python-docx inflates it."""
    def refuse(message: str) -> InputError:
        return InputError([error(path, message, hint="save the reference document again from Word or LibreOffice "
                                                     "as .docx, or regenerate it with scripts/make_reference_docx.py")])
    problem = zip_problem(data, max_bytes=MAX_REFERENCE, max_expanded=MAX_REFERENCE_EXPANDED,
                          max_entries=MAX_REFERENCE_ENTRIES)
    if problem:
        raise refuse(problem)


@lru_cache(maxsize=16)
def reference_bytes(brand: Brand) -> bytes:
    """The brand's reference DOCX, checked once: a sane zip that python-docx opens, holding every
    style the writer uses."""
    path = brand.find(REFERENCE)
    data = path.read_bytes()
    _check_zip(path, data)
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise InputError([error(path, f"cannot be opened as a DOCX: {type(exc).__name__}: {exc}",
                                hint="save it again from Word or LibreOffice as .docx")]) from None
    ids = {s.name: s.style_id for s in document.styles}
    missing = [n for n in REQUIRED_STYLES if n not in ids]
    if missing:
        raise InputError([error(path, f"reference document lacks the style(s) {', '.join(missing)}",
                                hint="keep these style names when editing it in Word, or regenerate it with "
                                     "scripts/make_reference_docx.py")])
    unnumbered = [n for n in LIST_STYLES.values() if xml.style_abstract_num(document, ids[n]) is None]
    if unnumbered:
        raise InputError([error(path, f"the list style(s) {', '.join(unnumbered)} of the reference document have "
                                      "no list numbering", hint="give each a bullet or numbering in Word "
                                                                "(Format > Bullets and Numbering), or regenerate it "
                                                                "with scripts/make_reference_docx.py")])
    return data


# What a reviewer may type in Word or LibreOffice and still get the brand's font: Latin (with its
# extensions and combining marks), punctuation, currency and letterlike symbols, arrows. The
# embedded faces hold these glyphs plus every other character the annex prints (a Greek or
# Cyrillic legal name), without hinting: about 190 KB per DOCX instead of 850 KB for the whole fonts.
EDITING_REPERTOIRE = frozenset(chain(range(0x20, 0x7F), range(0xA0, 0x250), range(0x2B0, 0x370),
                                     range(0x2000, 0x2070), range(0x20A0, 0x20C1), range(0x2100, 0x2200),
                                     range(0xFB00, 0xFB07)))


def _subset(path: Path, points: frozenset[int]) -> bytes:
    """The font with only `points` (and what its layout features reach), every table's
    timestamp kept: the same inputs give the same bytes."""
    options = subset.Options()
    options.hinting = False  # hinting is half of Liberation Sans; screens and PDF export do without
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's own timestamp: nothing reads it
    font = TTFont(str(path), fontNumber=0, recalcTimestamp=False)  # else the clock is in the bytes
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=points)
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    finally:
        font.close()


@lru_cache(maxsize=64)
def brand_fonts(brand: Brand, extra: frozenset[int] = frozenset()) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The brand's font family and its faces ready to embed ({face: (font key, odttf bytes)}):
    the editing repertoire plus `extra`, the other characters the annex prints (usually none:
    one subset per brand and process). Only when the DOCX styles name the brand's own family
    (`docx_family` = `family`), as the files are that family; only TrueType/OpenType files
    (WOFF cannot be embedded)."""
    fonts = brand.config.fonts if brand.config else None
    if fonts is None or fonts.docx_family != fonts.family:
        return "", {}
    files = fonts.files.model_dump()
    points = EDITING_REPERTOIRE | extra
    faces = {face: xml.obfuscate_font(_subset(brand.find(files[face]), points)) for face in xml.FONT_FACES
             if files.get(face) and files[face].lower().endswith((".ttf", ".otf"))}
    return fonts.docx_family, faces


@lru_cache(maxsize=16)
def style_ids(brand: Brand) -> Mapping[str, str]:
    """{style name: style id} of the brand's reference document, read once per brand: styles are
    set by id on the XML (python-docx's by-name lookup scans every style on each call)."""
    document = Document(io.BytesIO(reference_bytes(brand)))
    return MappingProxyType({style.name: style.style_id for style in document.styles})


def check(brand: Brand) -> None:
    """What a batch checks once, up front, before any annex: the reference document."""
    reference_bytes(brand)


def add_inline(paragraph: Paragraph, text: str) -> None:
    """Inline Markdown as runs, emphasis kept (the same spans the PDF uses)."""
    for span in spans(text):
        run = paragraph.add_run(span.text)
        if span.bold:
            run.bold = True
        if span.italic:
            run.italic = True


def role_runs(cell: RoleCell) -> list[tuple[str, str | None]]:
    """(text, character style id) per badge; a dash for no role."""
    if not cell.letters and not cell.marks:
        return [("–", None)]
    runs: list[tuple[str, str | None]] = []
    for i, letter in enumerate(cell.letters):
        if i:
            runs.append((" ", None))
        runs.append((f"\u00a0{letter}\u00a0", f"AnnexRole{letter}" if letter in "RACI" else None))
    if cell.marks:
        runs.append(("".join(cell.marks), None))
    return runs


def row_bookmark(activity_id: str, kind: str = "a") -> str:
    """The bookmark that ties a row to its activity id through Word and LibreOffice edits
    (readers/review_docx.py), `a_` on a matrix row, `d_` on a row of the deviations table: a
    letter first, letters, digits and `_` only, 40 characters at most (Word's limits), readable,
    and unique by a hash of the whole id."""
    digest = hashlib.sha256(activity_id.encode("utf-8")).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9]+", "_", activity_id).strip("_")[:29]
    return f"{kind}_{slug}_{digest}"


class Writer:
    def __init__(self, annex: Annex):
        self.a = annex
        self.L = annex.labels
        self.doc = Document(io.BytesIO(reference_bytes(annex.brand)))
        self.ids = style_ids(annex.brand)
        self.body = self.doc.element.body
        self.page_section = self.doc.sections[0]  # python-docx finds it by an XPath over the whole body
        self.revision = 0
        colors = annex.brand.get("colors", {}) or {}
        self.header_text = xml.hex_color(colors.get("table_header_text", "#FFFFFF"))
        self.deviation_fill = xml.hex_color(colors.get("deviation", "#FFF4D6"))
        self.deviation_border = xml.hex_color(colors.get("deviation_border", "#C77700"))
        self.box = xml.hex_color(colors.get("box", "#8C96A0"))
        self.date = dt.datetime.combine(annex.stamp.effective_date, dt.time()).strftime("%Y-%m-%dT%H:%M:%SZ")
        # the bullets and the numbers of the reference's list styles (reference_bytes checked them)
        self.list_abstract = {ordered: xml.style_abstract_num(self.doc, self.ids[name]) or 0
                              for ordered, name in LIST_STYLES.items()}

    # -- building blocks --
    def para(self, text: str = "", style: str | None = None, *, inline: bool = True) -> Paragraph:
        p = self.doc.add_paragraph()
        if style:
            xml.paragraph_style(p, self.ids[style])
        if text:
            add_inline(p, text) if inline else p.add_run(text)
        return p

    def heading(self, text: str, level: int, *, new_page: bool = False, number: str = "") -> Paragraph:
        p = self.para(style=f"Heading {level}")
        if number:  # "2.1", an en space set as wide as the PDF's gap (1.5 mm and a space), the title
            p.add_run(number)
            xml.character_spacing(p.add_run("\u2002"), NUMBER_GAP[level])
        add_inline(p, text)
        if new_page:
            p.paragraph_format.page_break_before = True
        return p

    def runs(self, text: str) -> list[xml.XRun]:
        """Inline Markdown as runs, emphasis kept (the same spans the PDF uses)."""
        return [xml.XRun(s.text, bold=s.bold, italic=s.italic) for s in spans(text)]

    def roles(self, cell: RoleCell, change: str | None = None) -> list[xml.XRun]:
        return [xml.XRun(text, style=self.ids[f"Annex Role {style[-1]}"] if style else None, change=change)
                for text, style in role_runs(cell)]

    def cell(self, runs: list[xml.XRun], *, center: bool = False, line: int | None = None, fill: str | None = None,
             left_border: str | None = None) -> xml.XCell:
        return xml.XCell([xml.XPara(runs, self.ids["Annex Cell"], center, line)], fill=fill, left_border=left_border)

    def header_row(self, labels: list[str], center_from: int = 1) -> xml.XRow:
        # bold and colour are in the table style too, but LibreOffice ignores a style's first-row font;
        # 8.5 pt on 1.38 lines, as the PDF's header cells
        return xml.XRow([self.cell([xml.XRun(text, bold=True, color=self.header_text, size=HEADER_SIZE)],
                                   center=i >= center_from, line=HEADER_LINE)
                         for i, text in enumerate(labels)], header=True)

    def table(self, rows: list[xml.XRow], widths: list[int], *, first_row: bool = True,
              banded: bool = True, indent: int = 0) -> BaseOxmlElement:
        element, self.revision = xml.build_table(rows, widths, style=self.ids["Annex Matrix"], author=self.a.provider,
                                                 date=self.date, first_change_id=self.revision, first_row=first_row,
                                                 banded=banded, indent=indent)
        self.body.sectPr.addprevious(element)
        return element

    def block(self, b: BlockView) -> list[Paragraph]:
        """A paragraph, a note, a list, a callout (its title, then its body, in the kind's styles: one
        bordered, shaded box in Word) or a quote; returns its paragraphs."""
        if b.kind in ("paragraph", "note"):
            return [self.para(b.text, "Annex Note" if b.kind == "note" else None)]
        if b.kind == "list":
            items = self.list_items(b, "Annex List Note" if b.note else LIST_STYLES[b.ordered])
            items[-1].paragraph_format.space_after = Pt(6 if b.note else 5.67)  # the list's margin (2 / 2.5 mm)
            return items
        style = "Annex Quote" if b.kind == "quote" else f"Annex Callout {b.callout.title()}"
        paragraphs = [self.para(b.title, style + " Title")] if b.kind == "callout" else []
        for item in b.body:
            if isinstance(item, BlockView):
                paragraphs += self.list_items(item, style, boxed=True)
            else:
                paragraphs.append(self.para(item, style))
        for p in paragraphs[:-1]:  # a box is not split across pages, as in the PDF
            p.paragraph_format.keep_with_next = True
        paragraphs[0].paragraph_format.space_before = Pt(4)
        paragraphs[-1].paragraph_format.space_after = Pt(6)
        return paragraphs

    def list_items(self, b: BlockView, style: str, *, boxed: bool = False) -> list[Paragraph]:
        """A list's items in `style`, numbered by Word (a w:num per list, a nested list at level 1).
        In a callout or a quote (`boxed`), each item's first line starts at the box's own indent,
        where Word and LibreOffice draw the box's border: it stays straight."""
        out: list[Paragraph] = []
        base = self.style_indent(style) if boxed else None

        def items(view: BlockView | ItemView, level: int) -> None:
            num_id = xml.new_list(self.doc, self.list_abstract[view.ordered], level, view.start)
            for item in view.items:
                p = self.para(item.text, style)
                xml.number(p, num_id, level)
                if base is not None:  # the first line (the marker) at the box's indent, where its border is drawn
                    p.paragraph_format.left_indent = Twips(base + LIST_INDENT * (level + 1))
                    p.paragraph_format.first_line_indent = Twips(-LIST_INDENT * (level + 1))
                out.append(p)
                if item.items:
                    items(item, level + 1)
        items(b, 0)
        return out

    def style_indent(self, style: str) -> int:
        """The left indent of a paragraph style, in twips."""
        indent = self.doc.styles[style].paragraph_format.left_indent
        return int(indent.twips) if indent is not None else 0

    def start(self, language_tag: str) -> None:
        """The reference document emptied (its page set-up kept), in `language_tag`, with the
        header and footer: what an annex and a change notice both start from."""
        for child in list(self.body):
            if child.tag != xml.qn("w:sectPr"):
                self.body.remove(child)
        xml.set_language(self.doc, language_tag)
        self.header_footer()

    def facts_table(self, facts: list[tuple[str, str]]) -> None:
        """A title block's table: a label in italics, its value in bold, per line."""
        rows = [xml.XRow([self.cell([xml.XRun(label, italic=True)]), self.cell([xml.XRun(value, bold=True)])])
                for label, value in facts]
        self.table(rows, [2721, CONTENT_WIDTH - 2721], first_row=False, banded=False)

    def saved(self) -> bytes:
        """The document's bytes, the same for the same content (docx_package.save)."""
        return docx_package.save(self.doc)

    # -- the annex --
    def write(self) -> bytes:
        a = self.a
        self.start(a.language_tag)
        self.title_block()
        for b in a.intro:
            self.block(b)
        self.legend()
        self.summary()
        # as in the PDF: the matrix starts on a new page, and so does what follows it
        for i, section in enumerate(a.sections):
            self.section(section, new_page=i == 0)
        if a.deviations:
            self.deviations()
        self.signoff(new_page=not a.deviations)
        self.properties()
        self.embed_fonts()
        if a.review:
            xml.protect_for_review(self.doc)
        return self.saved()

    def embed_fonts(self) -> None:
        """The brand's font inside the DOCX, so that no machine draws it in another font."""
        section = self.page_section
        # the text of each part serialised at once (lxml's itertext would ask python-docx's `text`
        # of each paragraph and run: an XPath search each)
        printed = set(map(ord, "".join(etree.tostring(part, method="text", encoding=str, with_tail=False)
                                       for part in (self.doc.element, section.header._element,
                                                    section.footer._element))))
        extra = frozenset(p for p in printed if p not in EDITING_REPERTOIRE and p in fontcoverage.covered(self.a.brand))
        family, faces = brand_fonts(self.a.brand, extra)
        if faces:
            xml.embed_fonts(self.doc, family, faces, subsetted=True)

    def header_footer(self) -> None:
        a, L = self.a, self.L
        section = self.page_section
        header = section.header.paragraphs[0]
        xml.right_tab(header, CONTENT_WIDTH)
        header.add_run(f"{a.running_header}\t{a.running_title}")  # as the PDF: who and which annex
        if a.draft:
            banner = section.header.add_paragraph()
            xml.paragraph_style(banner, self.ids["Annex Banner"])
            banner.add_run(f"{L.draft_watermark} — {L.status_draft}")
        footer = section.footer.paragraphs[0]
        xml.right_tab(footer, CONTENT_WIDTH)
        footer.add_run(a.stamp_text + "\t")
        before, _, rest = L.page_of.partition("{page}")
        middle, _, after = rest.partition("{pages}")
        footer.add_run(before)
        xml.add_field(footer, "PAGE")
        footer.add_run(middle)
        xml.add_field(footer, "NUMPAGES")
        if after:
            footer.add_run(after)

    def title_block(self) -> None:
        a = self.a
        self.para(a.running_title, "Annex Kicker", inline=False)
        self.para(a.matrix.title, "Title", inline=False)
        self.facts_table(list(a.facts))
        self.para()

    def legend(self) -> None:
        a, L = self.a, self.L
        self.heading(a.legend_title, 1)
        for b in a.legend_intro:
            self.block(b)
        rows = [self.header_row([L.legend_code, L.legend_label, L.legend_description], center_from=3)]
        rows += [xml.XRow([self.cell(self.roles(RoleCell((e.code,), ()))), self.cell([xml.XRun(e.label)]),
                           self.cell(self.runs(e.description))]) for e in a.legend]
        self.table(rows, [900, 2200, CONTENT_WIDTH - 3100], indent=CELL_PADDING)

    def summary(self) -> None:
        L = self.L
        self.heading(L.summary_title, 1)
        rows = [self.header_row([L.party, *self.a.summary_headers], center_from=3)]
        rows += [xml.XRow([self.cell([xml.XRun(s.party.label, bold=True)]),
                           self.cell([xml.XRun(L.summary_activities.format(count=s.realises))]),
                           self.cell([xml.XRun(L.summary_activities.format(count=s.approves))])])
                 for s in self.a.summary]
        self.table(rows, [3695, 3000, 3000], indent=CELL_PADDING)

    def section(self, s: SectionView, *, new_page: bool = False) -> None:
        self.heading(s.title, min(s.depth, 3), new_page=new_page, number=s.number)
        for b in s.intro:
            for p in self.block(b):
                p.paragraph_format.keep_with_next = True
        for t in s.tables:
            if t.rows:
                table = self.matrix_table(t.rows)
                if t.after:  # the table's notes never start a page away from its last row
                    for p in table.findall(xml.qn("w:tr"))[-1].iter(xml.qn("w:p")):
                        p.get_or_add_pPr().get_or_add_keepNext()
            for b in t.after:
                self.block(b)

    def matrix_table(self, rows: Sequence[Row]) -> BaseOxmlElement:
        a, L = self.a, self.L
        n = len(a.parties)
        out = [self.header_row([L.activity] + [p.label for p in a.parties])]
        for row in rows:
            text = self.runs(row.text)
            fill = border = None
            if row.deviation:
                text.append(xml.XRun(f" [{L.deviation_mark} {row.deviation}]", bold=True, size=15))
                fill, border = self.deviation_fill, self.deviation_border
            cells = [self.cell(text, fill=fill, left_border=border)]
            for i, roles in enumerate(row.roles):
                if row.deviation and a.review and row.standard is not None:
                    runs = self.roles(row.standard[i], "del") + self.roles(roles, "ins")
                else:
                    runs = self.roles(roles)
                cells.append(self.cell(runs, center=True, fill=fill))
            out.append(xml.XRow(cells, bookmark=row_bookmark(row.activity.id)))
        return self.table(out, [CONTENT_WIDTH - n * PARTY_WIDTH] + [PARTY_WIDTH] * n, indent=CELL_PADDING)

    def deviations(self) -> None:
        a, L = self.a, self.L
        self.heading(L.deviations_title, 1, new_page=True)
        self.para(L.deviations_intro, inline=False)
        rows = [self.header_row(["#", L.activity, L.standard_roles, L.agreed_roles, L.reason], center_from=5)]
        for d in a.deviations:
            def by_party(cells: tuple[RoleCell, ...]) -> xml.XCell:
                return xml.XCell([xml.XPara([xml.XRun(f"{party.label} ", italic=True, size=15)] + self.roles(roles),
                                            self.ids["Annex Cell"])
                                  for party, roles in zip(a.parties, cells, strict=False)])
            activity = xml.XCell([xml.XPara(self.runs(d.activity.text), self.ids["Annex Cell"]),
                                  xml.XPara([xml.XRun(d.section, size=15)], self.ids["Annex Small"])])
            cells = [self.cell([xml.XRun(str(d.number))]), activity, by_party(d.standard), by_party(d.agreed),
                     self.cell([xml.XRun(d.reason)])]
            rows.append(xml.XRow([self.smaller(c) for c in cells], bookmark=row_bookmark(d.activity.id, "d")))
        # the PDF's columns: 7, 40, 38, 38 mm and the rest
        self.table(rows, [397, 2268, 2154, 2154, CONTENT_WIDTH - 6973], indent=CELL_PADDING)

    @staticmethod
    def smaller(cell: xml.XCell) -> xml.XCell:
        """A deviations table cell at the PDF's 8.5 pt (7.5 pt for the party names and the section)."""
        for para in cell.paras:
            para.line = HEADER_LINE
            for run in para.runs:
                if run.size is None and run.style is None:  # role badges keep their style's size
                    run.size = HEADER_SIZE
        return cell

    def signoff(self, *, new_page: bool = False) -> None:
        a, L = self.a, self.L
        self.heading(L.signoff_title, 1, new_page=new_page)
        self.para(L.signoff_intro, inline=False).paragraph_format.keep_with_next = True
        colon = " : " if a.lang == "fr" else ": "
        cell = self.ids["Annex Cell"]
        # one row per line, as in the PDF: the parties' lines and boxes stay level
        rows = [xml.XRow([xml.XCell([xml.XPara([xml.XRun(s.heading, bold=True)], cell)]) for s in a.signatories])]
        for key, label in (("name", L.name), ("title", L.function), ("place", L.place), ("date", L.date)):
            rows.append(xml.XRow([xml.XCell([xml.XPara([xml.XRun(label + colon, italic=True),
                                                        xml.XRun(getattr(s.signatory, key) if key != "date" else "")],
                                                       cell)]) for s in a.signatories]))
        rows.append(xml.XRow([xml.XCell([xml.XPara([xml.XRun(L.signature, italic=True)], self.ids["Annex Small"])],
                                        box=self.box) for _ in a.signatories], height=1588))
        self.table(rows, [CONTENT_WIDTH // len(a.signatories)] * len(a.signatories), first_row=False, banded=False)
        self.para(f"{a.approval_text} · {a.stamp_text}", "Annex Small", inline=False)

    def properties(self) -> None:
        a = self.a
        day = dt.datetime.combine(a.stamp.effective_date, dt.time())
        core = self.doc.core_properties
        texts = {"title": a.heading, "subject": a.matrix.service or a.matrix.title, "author": a.provider,
                 "last_modified_by": a.provider,
                 "keywords": f"RACI, {a.matrix.id}, v{a.stamp.version}, {a.lang}, {a.stamp.short}",
                 "version": a.stamp.version, "language": a.language_tag,
                 "comments": f"{a.stamp_text} · SHA-256 {a.stamp.fingerprint}",
                 "category": a.customer.contract if a.customer and a.customer.contract else "",
                 "identifier": a.stamp.fingerprint}
        for name, value in texts.items():
            # core properties hold at most 255 characters (python-docx refuses more); they are
            # metadata, the document body prints the whole text
            setattr(core, name, value if len(value) <= CORE_PROPERTY_MAX else value[:CORE_PROPERTY_MAX - 1] + "…")
        core.created = day
        core.modified = day
        core.revision = 1
        docx_properties.write(self.doc, docx_properties.Identity(a.matrix.id, a.stamp.version, a.lang,
                                                                 a.customer.id if a.customer else "",
                                                                 a.stamp.fingerprint))


def render(annex: Annex) -> bytes:
    return Writer(annex).write()
