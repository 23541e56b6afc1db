"""The change notice as PDF and DOCX, branded like the annex it amends.

Both formats start from the annex of the new version for the same customer (signatories,
provider, brand, wording), with its stamp replaced by the notice's: `<id> · v<old> → v<new> ·
lang · date · fingerprint`, the fingerprint being the SHA-256 of the notice's canonical JSON
(render.Notice.payload), which the PDF carries as `annex-notice.json` like an annex carries
its data. The PDF is laid out with the annex's own stylesheet, fonts and resource fetcher and
finished as the annex is (writers/pdf.py);
in the DOCX each change is a tracked change (before deleted, after inserted), so legal reviews
it in Word's review pane.
"""
from __future__ import annotations

import dataclasses

from ..annex import Annex, Stamp, build_annex
from ..brand import Brand
from ..infra.fingerprint import canonical_json
from ..model.annex_data import NOTICE_ATTACHMENT_NAME
from .render import Notice

TEMPLATE = "notice.html.j2"
TYPST_TEMPLATE = "notice.typ"


def notice_annex(notice: Notice, brand: Brand) -> Annex:
    """The new version's annex for the notice's customer, wearing the notice's stamp and wording.
    Deviations are left out: the notice lists changes, and a deviation on a removed activity
    must not stop it (it is one of the changes)."""
    d = notice.diff
    customer = notice.customer.model_copy(update={"deviations": []}) if notice.customer else None
    annex = build_annex(d.new, customer, brand, draft=d.new.status != "approved")
    stamp = Stamp(d.new.id, f"{d.old.version} → v{d.new.version}", notice.lang, notice.effective_date,
                  notice.fingerprint)
    return dataclasses.replace(annex, labels=notice.labels, stamp=stamp, deviations=(), review=False)


def _view(notice: Notice) -> dict:
    return {"title": notice.title, "intro": notice.intro, "stamp_text": notice.stamp_text,
            "short": notice.fingerprint[:12], "old_version": notice.diff.old.version,
            "new_version": notice.diff.new.version, "effective_date": notice.effective_date,
            "effective_date_text": notice.effective_date_text, "rows": notice.rows}


def render_html(notice: Notice, annex: Annex) -> str:
    from ..writers import html as html_writer
    return html_writer.render_template(TEMPLATE, annex, notice=_view(notice))


def render_pdf(notice: Notice, brand: Brand) -> bytes:
    """The notice laid out by WeasyPrint and finished as the annex is (writers/pdf.py: PDF/A-3a,
    its payload attached and listed once, the identifier from its fingerprint); its template draws
    no signature field boxes, so it gets no signature fields. A brand whose `engine` is `typst`
    lays it out with notice.typ instead (writers/pdf_typst.py), with the same attachment."""
    from ..writers import pdf
    annex = notice_annex(notice, brand)
    if brand.engine == "typst":
        from ..writers import pdf_typst
        return pdf_typst.render_template(
            annex, TYPST_TEMPLATE, (NOTICE_ATTACHMENT_NAME, canonical_json(notice.payload()),
                                    f"Canonical JSON of the change notice (SHA-256 {notice.fingerprint})"),
            fields=False, notice=_view(notice))
    day = pdf.effective_day(notice.effective_date)
    data = pdf.embedded_data(canonical_json(notice.payload()), NOTICE_ATTACHMENT_NAME,
                             f"Canonical JSON of the change notice (SHA-256 {notice.fingerprint})", day, brand)
    with pdf.brand_errors(brand):
        return pdf.write(pdf.layout(render_html(notice, annex), brand), data, identifier=notice.fingerprint, day=day)


class NoticeDocx:
    """The annex DOCX writer's building blocks (styles, tables, header, sign-off, properties)
    around a notice body."""

    def __init__(self, notice: Notice, brand: Brand):
        from ..writers.docx import Writer
        self.notice = notice
        self.w = Writer(notice_annex(notice, brand))

    def write(self) -> bytes:
        from ..writers import docx_properties
        from ..writers import docx_xml as xml
        w, n, L = self.w, self.notice, self.notice.labels
        a = w.a
        w.start(a.language_tag)
        w.para(L.notice + (f" – {L.annex} {a.annex_number}" if a.annex_number else ""), "Annex Kicker", inline=False)
        w.para(a.matrix.title, "Title", inline=False)
        w.facts_table([*a.subject_facts, (L.provider, a.provider), (L.from_version, n.diff.old.version),
                       (L.to_version, n.diff.new.version), (L.effective_date, n.effective_date_text)])
        w.para(n.intro, inline=False)
        w.heading(L.changes, 1)
        if n.rows:
            rows = [w.header_row(["#", L.change, L.activity, L.before, L.after], center_from=5)]
            for r in n.rows:
                subject = xml.XCell([xml.XPara(w.runs(r.subject), w.ids["Annex Cell"]),
                                     xml.XPara([xml.XRun(r.where)], w.ids["Annex Small"])])
                # nothing before (an addition) or after (a removal) is a plain dash, not a change; a
                # value of several lines (a list's items) is a paragraph per line
                after = [xml.XPara([xml.XRun(line, change=None if r.after == L.none else "ins")],
                                   w.ids["Annex Cell"]) for line in r.after.split("\n")]
                if r.note:
                    after.append(xml.XPara([xml.XRun(r.note, italic=True)], w.ids["Annex Small"]))
                before = [xml.XPara([xml.XRun(line, change=None if r.before == L.none else "del")],
                                    w.ids["Annex Cell"]) for line in r.before.split("\n")]
                rows.append(xml.XRow([w.cell([xml.XRun(str(r.number))]), w.cell([xml.XRun(r.kind)]), subject,
                                      xml.XCell(before), xml.XCell(after)]))
            w.table(rows, [500, 1900, 3000, 2147, 2148])
        else:
            w.para(L.no_changes, inline=False)
        w.signoff()
        w.properties()
        core = w.doc.core_properties
        core.title = n.title[:255]
        core.keywords = f"RACI, {a.matrix.id}, v{n.diff.old.version}, v{n.diff.new.version}, {a.lang}"
        core.version = n.diff.new.version
        # the document kind tells review-import this is a notice, not an annex to read roles back from
        docx_properties.write(w.doc, docx_properties.Identity(
            a.matrix.id, n.diff.new.version, a.lang, a.customer.id if a.customer else "", n.fingerprint,
            document=docx_properties.NOTICE, from_version=n.diff.old.version))
        w.embed_fonts()  # the brand's font travels with the notice, as with the annex
        return w.saved()


def render(notice: Notice, brand: Brand, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(notice, brand)
    return NoticeDocx(notice, brand).write()
