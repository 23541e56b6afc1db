"""The annex as a DOCX for legal review, filled into the brand's reference document.

The reference document (templates/<brand>/annex.docx, made by scripts/make_reference_docx.py
or edited in Word) brings the styles, page set-up and header logo; this writer adds the
content of the annex model with those styles, so Word's navigation pane, table styles and
spell checker work as in any native document. Raw XML lives in docx_xml.py.
"""
from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from ..annex import Annex
from ..brand import Brand
from ..diagnostics import InputError, error
from ..model import RoleCell, spans
from . import docx_xml as xml

REFERENCE = "annex.docx"
CONTENT_WIDTH = 9695  # twips: A4 (11906) less 2 x 18 mm margins
PARTY_WIDTH = 1531  # 27 mm per party column, as in the PDF
DEVIATION_FILL = "FFF4D6"
DEVIATION_BORDER = "C77700"
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Annex Matrix", "Annex Kicker", "Annex Note",
                   "Annex Small", "Annex Cell", "Annex Banner")


@lru_cache(maxsize=16)
def reference_bytes(brand: Brand) -> bytes:
    path = brand.find(REFERENCE)
    data = path.read_bytes()
    document = Document(io.BytesIO(data))
    names = {s.name for s in document.styles}
    missing = [n for n in REQUIRED_STYLES if n not in names]
    if missing:
        raise InputError([error(path, f"reference document lacks the style(s) {', '.join(missing)}",
                                hint="keep these style names when editing it in Word, or regenerate it with "
                                     "scripts/make_reference_docx.py")])
    return data


def add_inline(paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """Inline Markdown as runs, emphasis kept (the same spans the PDF uses)."""
    for span in spans(text):
        run = paragraph.add_run(span.text)
        if span.bold or bold:
            run.bold = True
        if span.italic or italic:
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


def add_roles(paragraph, cell: RoleCell) -> None:
    for text, style in role_runs(cell):
        run = paragraph.add_run(text)
        if style:
            run.style = paragraph.part.document.styles[f"Annex Role {style[-1]}"]


class Writer:
    def __init__(self, annex: Annex):
        self.a = annex
        self.L = annex.labels
        self.doc = Document(io.BytesIO(reference_bytes(annex.brand)))
        self.revision = 1
        colors = annex.brand.get("colors", {}) or {}
        self.header_text = RGBColor.from_string(str(colors.get("table_header_text", "#FFFFFF")).lstrip("#"))
        self.date = dt.datetime.combine(annex.stamp.effective_date, dt.time()).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- building blocks --
    def para(self, text: str = "", style: str | None = None, *, inline: bool = True):
        p = self.doc.add_paragraph(style=style)
        if text:
            add_inline(p, text) if inline else p.add_run(text)
        return p

    def heading(self, text: str, level: int):
        p = self.doc.add_heading(level=level)
        add_inline(p, text)
        return p

    def table(self, header: list[str], widths: list[int]):
        t = self.doc.add_table(rows=1, cols=len(header))
        t.style = self.doc.styles["Annex Matrix"]
        t.alignment = WD_TABLE_ALIGNMENT.LEFT
        xml.fixed_layout(t, widths)
        row = t.rows[0]
        xml.repeat_header(row)
        xml.cant_split(row)
        for cell, text, width in zip(row.cells, header, widths):
            xml.cell_width(cell, width)
            cell.paragraphs[0].style = self.doc.styles["Annex Cell"]
            run = cell.paragraphs[0].add_run(text)
            # the table style says so too, but LibreOffice ignores a style's first-row font
            run.bold = True
            run.font.color.rgb = self.header_text
        return t

    def row(self, table, widths: list[int]):
        r = table.add_row()
        xml.cant_split(r)
        for cell, width in zip(r.cells, widths):
            xml.cell_width(cell, width)
            cell.paragraphs[0].style = self.doc.styles["Annex Cell"]
        return r

    # -- the annex --
    def write(self) -> bytes:
        a = self.a
        body = self.doc.element.body
        for child in list(body):
            if child.tag != xml.qn("w:sectPr"):
                body.remove(child)
        xml.set_language(self.doc, a.lang)
        self.header_footer()
        self.title_block()
        for p in a.matrix.intro:
            self.para(p)
        self.legend()
        self.summary()
        for section in a.sections:
            self.section(section)
        if a.deviations:
            self.deviations()
        self.signoff()
        self.properties()
        if a.review:
            xml.protect_for_review(self.doc)
        out = io.BytesIO()
        self.doc.save(out)
        return xml.deterministic_zip(out.getvalue())

    def header_footer(self) -> None:
        a, L = self.a, self.L
        section = self.doc.sections[0]
        header = section.header.paragraphs[0]
        xml.right_tab(header, CONTENT_WIDTH)
        text = (f"{a.customer.name}" + (f" · {L.contract} {a.customer.contract}" if a.customer.contract else "")
                if a.customer else a.matrix.title)
        header.add_run("\t" + text)
        if a.draft:
            banner = section.header.add_paragraph(style=self.doc.styles["Annex Banner"])
            banner.add_run(f"{L.draft_watermark} — {L.status_draft}")
        footer = section.footer.paragraphs[0]
        xml.right_tab(footer, CONTENT_WIDTH)
        footer.add_run(a.stamp_text() + "\t")
        before, _, rest = L.page_of.partition("{page}")
        middle, _, after = rest.partition("{pages}")
        footer.add_run(before)
        xml.add_field(footer, "PAGE")
        footer.add_run(middle)
        xml.add_field(footer, "NUMPAGES")
        if after:
            footer.add_run(after)

    def title_block(self) -> None:
        a, L = self.a, self.L
        self.para(f"{L.annex} {a.annex_number}".strip(), "Annex Kicker", inline=False)
        self.doc.add_paragraph(a.matrix.title, style="Title")
        facts = [(L.service, a.matrix.service or a.matrix.title)]
        if a.customer:
            facts.append((L.customer, a.customer.name))
            if a.customer.contract:
                facts.append((L.contract, a.customer.contract))
        facts += [(L.provider, a.provider), (L.matrix_version, a.stamp.version),
                  (L.effective_date, a.effective_date_text), (L.status, f"{a.status_text} — {a.approval_text}")]
        widths = [2721, CONTENT_WIDTH - 2721]
        t = self.doc.add_table(rows=0, cols=2)
        t.style = self.doc.styles["Annex Matrix"]
        xml.table_look(t, first_row=False, banded=False)
        xml.fixed_layout(t, widths)
        for label, value in facts:
            r = self.row(t, widths)
            r.cells[0].paragraphs[0].add_run(label).italic = True
            r.cells[1].paragraphs[0].add_run(value).bold = True
        self.doc.add_paragraph()

    def legend(self) -> None:
        a, L = self.a, self.L
        self.heading(a.matrix.legend_title or L.legend_title, 1)
        for p in a.matrix.legend_intro:
            self.para(p)
        widths = [900, 2200, CONTENT_WIDTH - 3100]
        t = self.table([L.legend_code, L.legend_label, L.legend_description], widths)
        for entry in a.legend:
            r = self.row(t, widths)
            add_roles(r.cells[0].paragraphs[0], RoleCell((entry.code,), ()))
            r.cells[1].paragraphs[0].add_run(entry.label)
            add_inline(r.cells[2].paragraphs[0], entry.description)

    def summary(self) -> None:
        L = self.L
        self.heading(L.summary_title, 1)
        widths = [3695, 3000, 3000]
        t = self.table(["", L.summary_realises, L.summary_approves], widths)
        for s in self.a.summary:
            r = self.row(t, widths)
            r.cells[0].paragraphs[0].add_run(s.party.label).bold = True
            r.cells[1].paragraphs[0].add_run(L.summary_activities.format(count=s.realises))
            r.cells[2].paragraphs[0].add_run(L.summary_activities.format(count=s.approves))

    def section(self, s) -> None:
        a, L = self.a, self.L
        self.heading(f"{s.number}\u2002{s.title}", min(s.depth, 3))
        for p in s.intro:
            self.para(p).paragraph_format.keep_with_next = True
        if s.rows:
            n = len(a.parties)
            widths = [CONTENT_WIDTH - n * PARTY_WIDTH] + [PARTY_WIDTH] * n
            t = self.table([L.activity] + [p.label for p in a.parties], widths)
            for cell in t.rows[0].cells[1:]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            for row in s.rows:
                r = self.row(t, widths)
                text_p = r.cells[0].paragraphs[0]
                add_inline(text_p, row.text)
                if row.deviation:
                    mark = text_p.add_run(f" [{L.deviation_mark} {row.deviation}]")
                    mark.bold = True
                    mark.font.size = Pt(7.5)
                    for cell in r.cells:
                        xml.shade(cell, DEVIATION_FILL)
                    xml.left_border(r.cells[0], DEVIATION_BORDER)
                for i, cell_roles in enumerate(row.roles):
                    p = r.cells[i + 1].paragraphs[0]
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    if row.deviation and a.review:
                        self.revision = xml.tracked_runs(p, role_runs(row.standard[i]), role_runs(cell_roles),
                                                         author=a.provider, date=self.date, first_id=self.revision)
                    else:
                        add_roles(p, cell_roles)
        for note in s.notes:
            self.para(note, "Annex Note")

    def deviations(self) -> None:
        a, L = self.a, self.L
        self.heading(L.deviations_title, 1)
        self.para(L.deviations_intro, inline=False)
        widths = [500, 3000, 1900, 1900, CONTENT_WIDTH - 7300]
        t = self.table(["#", L.activity, L.standard_roles, L.agreed_roles, L.reason], widths)
        for d in a.deviations:
            r = self.row(t, widths)
            r.cells[0].paragraphs[0].add_run(str(d.number))
            add_inline(r.cells[1].paragraphs[0], d.activity.text)
            where = r.cells[1].add_paragraph(style=self.doc.styles["Annex Small"])
            where.add_run(d.section)
            for col, cells in ((2, d.standard), (3, d.agreed)):
                for k, (party, roles) in enumerate(zip(a.parties, cells)):
                    p = r.cells[col].paragraphs[0] if k == 0 else r.cells[col].add_paragraph(
                        style=self.doc.styles["Annex Cell"])
                    p.add_run(f"{party.label} ").italic = True
                    add_roles(p, roles)
            r.cells[4].paragraphs[0].add_run(d.reason)

    def signoff(self) -> None:
        a, L = self.a, self.L
        self.heading(L.signoff_title, 1)
        self.para(L.signoff_intro, inline=False).paragraph_format.keep_with_next = True
        n = len(a.signatories)
        width = CONTENT_WIDTH // n
        t = self.doc.add_table(rows=0, cols=n)
        xml.fixed_layout(t, [width] * n)
        for k, label in enumerate(("for", "name", "function", "place", "date", "signature")):
            r = self.row(t, [width] * n)
            if k == 5:
                r.height = Mm(28)
            for cell, s in zip(r.cells, a.signatories):
                p = cell.paragraphs[0]
                p.paragraph_format.keep_with_next = True
                if label == "for":
                    who = (a.customer.name if a.customer and s.party.id == a.parties[0].id
                           else a.provider if s is a.signatories[-1] else s.party.label)
                    p.add_run(L.for_party.format(party=who)).bold = True
                elif label == "signature":
                    p.add_run(L.signature).italic = True
                    xml.box(cell)
                else:
                    p.add_run(f"{L[label]} : " if a.lang == "fr" else f"{L[label]}: ").italic = True
                    value = {"name": s.signatory.name, "function": s.signatory.title, "place": s.signatory.place,
                             "date": ""}[label]
                    p.add_run(value or "")
        self.para(f"{a.approval_text} · {a.stamp_text()}", "Annex Small", inline=False)

    def properties(self) -> None:
        a = self.a
        day = dt.datetime.combine(a.stamp.effective_date, dt.time())
        core = self.doc.core_properties
        core.title = a.heading
        core.subject = a.matrix.service or a.matrix.title
        core.author = a.provider
        core.last_modified_by = a.provider
        core.keywords = f"RACI, {a.matrix.id}, v{a.stamp.version}, {a.lang}, {a.stamp.short}"
        core.version = a.stamp.version
        core.language = xml.LANG_TAGS.get(a.lang, a.lang)
        core.created = day
        core.modified = day
        core.revision = 1
        core.comments = f"{a.stamp_text()} · SHA-256 {a.stamp.fingerprint}"
        core.category = a.customer.contract if a.customer and a.customer.contract else ""
        core.identifier = a.stamp.fingerprint
        xml.set_custom_properties(self.doc, {"AnnexMatrixId": a.matrix.id, "AnnexMatrixVersion": a.stamp.version,
                                             "AnnexLanguage": a.lang, "AnnexFingerprint": a.stamp.fingerprint,
                                             "AnnexCustomer": a.customer.id if a.customer else ""})


def render(annex: Annex) -> bytes:
    return Writer(annex).write()
