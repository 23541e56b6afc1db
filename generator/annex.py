"""The annex: what both writers (PDF and DOCX) receive, built once from a matrix, an optional
customer (with its deviations), a brand and options.

Everything a writer prints is decided here: the rows with their effective roles, which rows
deviate, the numbering, the stamp, the fixed wording in the annex language. Writers only lay
it out, so the PDF and the DOCX cannot disagree on content.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from . import __version__, fontcoverage
from .brand import Brand
from .i18n import Labels, labels, language_tag, locale_for, long_date
from .infra.diagnostics import InputError, Location, error
from .infra.fingerprint import canonical_json, fingerprint
from .model import (
    Activity,
    Callout,
    Customer,
    Deviation,
    LegendEntry,
    ListBlock,
    ListItem,
    Matrix,
    Party,
    Quote,
    RoleCell,
    Signatory,
    parse_roles,
)
from .rules import check_deviations

FORMAT_VERSION = "2"  # bump when a writer changes what it prints for the same inputs


@dataclass(frozen=True)
class Row:
    activity: Activity
    roles: tuple[RoleCell, ...]  # one per party, effective (agreed roles where a deviation applies)
    standard: Optional[tuple[RoleCell, ...]] = None  # the matrix's roles, when they differ
    deviation: Optional[int] = None  # 1-based number in the deviations list

    @property
    def text(self) -> str:
        return self.activity.text


@dataclass(frozen=True)
class ItemView:
    """A list item as both writers print it: its inline text, then the list under it (if any)."""

    text: str  # inline Markdown
    items: tuple[ItemView, ...] = ()  # the nested list's items (they have none of their own)
    ordered: bool = False  # the nested list is numbered
    start: int = 1  # the nested list's first number


@dataclass(frozen=True)
class BlockView:
    """A paragraph, a table's note, a list, a callout or a quote, as both writers print it.

    A list (kind "list", also inside a callout's or quote's body) has the shape of an item: its
    `items`, `ordered` and `start`, each item with its text and the same three for its nested list."""

    kind: str  # "paragraph", "note" (under a table), "list", "callout" or "quote"
    text: str = ""  # a paragraph's or note's inline Markdown
    callout: str = ""  # a callout's kind: note, tip, info, warning, danger, caution
    title: str = ""  # a callout's title as published, else its kind's name in the annex language
    body: tuple = ()  # a callout's or quote's paragraphs (str) and lists (BlockView of kind "list")
    items: tuple[ItemView, ...] = ()  # a list's items
    ordered: bool = False  # a numbered list
    start: int = 1  # a numbered list's first number
    note: bool = False  # a list under a table, printed in its notes' size


def list_view(block: ListBlock, *, note: bool = False) -> BlockView:
    items = tuple(ItemView(i.text, tuple(ItemView(t) for t in i.items), i.ordered, i.start)
                  if isinstance(i, ListItem) else ItemView(i) for i in block.items)
    return BlockView("list", items=items, ordered=block.ordered, start=block.start, note=note)


def _body(items: list) -> tuple:
    return tuple(list_view(i) if isinstance(i, ListBlock) else i for i in items)


def block_views(blocks, cat: Labels, *, notes: bool = False) -> tuple[BlockView, ...]:
    """The model's blocks as printed; strings under a table are its notes."""
    out = []
    for b in blocks:
        if isinstance(b, Callout):
            out.append(BlockView("callout", callout=b.kind, title=b.title or cat.callout_kinds[b.kind],
                                 body=_body(b.body)))
        elif isinstance(b, Quote):
            out.append(BlockView("quote", body=_body(b.quote)))
        elif isinstance(b, ListBlock):
            out.append(list_view(b, note=notes))
        else:
            out.append(BlockView("note" if notes else "paragraph", text=b))
    return tuple(out)


@dataclass(frozen=True)
class TableView:
    """One table of a section and the blocks the page has under it (its notes, callouts...)."""

    rows: tuple[Row, ...]
    after: tuple[BlockView, ...]


@dataclass(frozen=True)
class SectionView:
    number: str  # "1", "2.3"
    depth: int  # 1 = top level
    title: str
    intro: tuple[BlockView, ...]
    tables: tuple[TableView, ...]

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for table in self.tables for row in table.rows)


@dataclass(frozen=True)
class DeviationView:
    number: int
    activity: Activity
    section: str
    standard: tuple[RoleCell, ...]
    agreed: tuple[RoleCell, ...]
    reason: str


@dataclass(frozen=True)
class PartySummary:
    party: Party
    realises: int
    approves: int


@dataclass(frozen=True)
class SignatoryView:
    party: Party
    signatory: Signatory
    heading: str  # `Pour Banque Horizon SA`: the customer's legal name, the provider's name, else the party


@dataclass(frozen=True)
class Stamp:
    matrix_id: str
    version: str
    lang: str
    effective_date: dt.date
    fingerprint: str

    @property
    def short(self) -> str:
        return self.fingerprint[:12]


@dataclass(frozen=True)
class Annex:
    matrix: Matrix
    customer: Optional[Customer]
    brand: Brand
    labels: Labels
    lang: str
    locale: str  # Babel locale of dates and the document language tag: `fr_FR`, `en_GB`, `de_AT`...
    parties: tuple[Party, ...]
    legend: tuple[LegendEntry, ...]
    sections: tuple[SectionView, ...]
    deviations: tuple[DeviationView, ...]
    summary: tuple[PartySummary, ...]
    signatories: tuple[SignatoryView, ...]
    stamp: Stamp
    draft: bool
    review: bool
    payload: dict = field(hash=False, compare=False)
    intro: tuple[BlockView, ...] = ()  # the matrix's introduction
    legend_intro: tuple[BlockView, ...] = ()

    @property
    def effective_date_text(self) -> str:
        return long_date(self.stamp.effective_date, self.locale)

    @property
    def approval_text(self) -> str:
        a = self.matrix.approval
        if self.matrix.status == "approved" and a:
            return self.labels.fmt("approved_by", by=a.by, date=long_date(a.date, self.locale))
        return self.labels.not_approved

    @property
    def status_text(self) -> str:
        return self.labels.status_approved if self.matrix.status == "approved" else self.labels.status_draft

    @property
    def language_tag(self) -> str:
        """`en-GB`: the language of the PDF (/Lang), the HTML and the DOCX (w:lang)."""
        return language_tag(self.locale)

    @property
    def running_title(self) -> str:
        """`Annexe 4` (or `Annexe`): the kicker of the title block and the right of the header."""
        return f"{self.labels.annex} {self.annex_number}".strip()

    @property
    def running_header(self) -> str:
        """The left of every page's header: the customer and contract, else the matrix title."""
        c = self.customer
        if c is None:
            return self.matrix.title
        return c.name + (f" · {self.labels.contract} {c.contract}" if c.contract else "")

    @property
    def subject_facts(self) -> tuple[tuple[str, str], ...]:
        """The first rows of a title block (annex or change notice): service, customer, contract."""
        L, c = self.labels, self.customer
        rows = [(L.service, self.matrix.service or self.matrix.title)]
        if c:
            rows.append((L.customer, c.name))
            if c.contract:
                rows.append((L.contract, c.contract))
        return tuple(rows)

    @property
    def facts(self) -> tuple[tuple[str, str], ...]:
        """The title block's rows, (label, value), in order."""
        L = self.labels
        return self.subject_facts + ((L.provider, self.provider), (L.matrix_version, self.stamp.version),
                                     (L.effective_date, self.effective_date_text),
                                     (L.status, f"{self.status_text} — {self.approval_text}"))

    @property
    def legend_title(self) -> str:
        return self.matrix.legend_title or self.labels.legend_title

    @property
    def annex_number(self) -> str:
        return self.customer.annex if self.customer and self.customer.annex else ""

    @property
    def heading(self) -> str:
        """`Annexe 3 – Matrice de responsabilité ...` or just the title without a number."""
        number = self.annex_number
        prefix = f"{self.labels.annex} {number}".strip()
        return f"{prefix} – {self.matrix.title}"

    @property
    def summary_headers(self) -> tuple[str, str]:
        """Column heads of the per-party summary, in the legend's own words: `Réalise (R)`."""
        names = {e.code: e.label for e in self.legend}
        return (f"{names.get('R', 'R')} (R)", f"{names.get('A', 'A')} (A)")

    @property
    def provider(self) -> str:
        return self.brand.name or self.parties[-1].label

    @property
    def stamp_text(self) -> str:
        """The version stamp without the page numbers, identical in both writers."""
        s = self.stamp
        return (f"{s.matrix_id} · v{s.version} · {s.lang} · {self.effective_date_text} · "
                f"{self.labels.fingerprint} {s.short}")

    def embedded_json(self) -> bytes:
        return canonical_json(self.payload)

    def rows(self):
        for section in self.sections:
            yield from ((section, row) for row in section.rows)


def effective_date(matrix: Matrix, customer: Optional[Customer]) -> dt.date:
    """Customer's effective date, else the approval date, else the last revision, else
    SOURCE_DATE_EPOCH: never the clock, so that the same inputs give the same bytes."""
    if customer and customer.effective_date:
        return customer.effective_date
    if matrix.approval:
        return matrix.approval.date
    if matrix.history:
        return matrix.history[-1].date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    raise InputError([error(f"matrix {matrix.id}", "no effective date: no customer date, approval or revision",
                            hint="give the customer an `effective_date`, add a revision to `history`, "
                                 "or set SOURCE_DATE_EPOCH")])


def deviations_for(customer: Optional[Customer], matrix: Matrix) -> list[Deviation]:
    if customer is None:
        return []
    single = len(customer.matrices) <= 1
    return [d for d in customer.deviations if d.matrix == matrix.id or (d.matrix is None and single)]


def _signing_name(party: Party, matrix: Matrix, customer: Optional[Customer], brand: Brand) -> str:
    """Who signs for a party: the customer's legal name for the first party (the customer's
    column), the provider's name for the last, the party's label otherwise."""
    if customer and party.id == matrix.parties[0].id:
        return customer.name
    if party.id == matrix.parties[-1].id:
        return brand.name or party.label
    return party.label


def _usable_deviations(matrix: Matrix, customer: Optional[Customer], draft: bool) -> list[Deviation]:
    """The customer's deviations on this matrix, once the matrix may be printed (approved, or a
    draft asked for) and the deviations keep the rules `validate` checks (its errors refuse the
    annex; its warnings are the matrix's choice)."""
    if matrix.status != "approved" and not draft:
        raise InputError([error(f"matrix {matrix.id} ({matrix.lang})", f"status is `{matrix.status}`, not approved",
                                hint="approve the matrix (status: approved, approval: ...) or build with --draft "
                                     "to get a watermarked draft")])
    if customer:
        here = Location(f"customer {customer.id}")
        problems = [d for d in check_deviations(customer, lambda mid: matrix if mid == matrix.id else None,
                                                lambda *_a, **_k: here, path=here.path, built=matrix.id)
                    if d.is_error]
        if problems:
            raise InputError(problems)
    return deviations_for(customer, matrix)


@dataclass
class _Sections:
    """The matrix's sections as printed, numbered, with the deviations they carry and each
    party's count of R and A (the summary)."""

    views: list[SectionView] = field(default_factory=list)
    deviations: list[DeviationView] = field(default_factory=list)
    totals: dict[str, list[int]] = field(default_factory=dict)


def _row(activity: Activity, section_title: str, party_ids: list[str], dev: Optional[Deviation],
         out: _Sections) -> Row:
    standard = tuple(activity.cell(p) for p in party_ids)
    if dev is None:
        return Row(activity, standard)
    agreed = tuple(parse_roles(dev.roles.get(p)) for p in party_ids)
    number = len(out.deviations) + 1
    out.deviations.append(DeviationView(number, activity, section_title, standard, agreed, dev.reason))
    return Row(activity, agreed, standard, number)


def _section_views(matrix: Matrix, devs: list[Deviation], cat: Labels) -> _Sections:
    party_ids = [p.id for p in matrix.parties]
    by_activity = {d.activity: d for d in devs}
    out = _Sections(totals={p: [0, 0] for p in party_ids})
    counters: list[int] = []
    for depth, section in matrix.walk():
        counters = counters[:depth - 1] + [counters[depth - 1] + 1 if len(counters) >= depth else 1]
        rows = [_row(a, section.title, party_ids, by_activity.get(a.id), out) for a in section.activities]
        for row in rows:
            for p, cell in zip(party_ids, row.roles, strict=True):
                out.totals[p][0] += "R" in cell.letters
                out.totals[p][1] += "A" in cell.letters
        out.views.append(SectionView(".".join(map(str, counters)), depth, section.title,
                                     block_views(section.intro, cat), _tables(section, rows, cat)))
    return out


def _payload(matrix: Matrix, customer: Optional[Customer], devs: list[Deviation], brand: Brand, draft: bool,
             day: dt.date) -> dict[str, Any]:
    """Everything that decides the annex's content, for the fingerprint (and embedded in the PDF);
    refused if the brand's fonts cannot print a character of it."""
    payload: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "generator": __version__,
        "template": brand.version,
        "options": {"draft": draft},  # the review copy is a way to print these inputs, not another input
        "effective_date": day.isoformat(),
        "matrix": matrix.model_dump(mode="json"),
        "customer": customer.model_dump(mode="json", exclude={"deviations"}) if customer else None,
        "deviations": [d.model_dump(mode="json") for d in devs],
    }
    unprintable = fontcoverage.check(f"matrix {matrix.id} ({matrix.lang})", payload["matrix"], brand)
    if customer:
        unprintable += fontcoverage.check(f"customer {customer.id}", {**payload["customer"],
                                                                      "deviations": payload["deviations"]}, brand)
    if unprintable:
        raise InputError(unprintable)
    return payload


def build_annex(matrix: Matrix, customer: Optional[Customer], brand: Brand, *, draft: bool = False,
                review: bool = False) -> Annex:
    """Decide everything an annex says; raise InputError if the inputs cannot make one."""
    devs = _usable_deviations(matrix, customer, draft)
    lang = matrix.lang
    cat = labels(lang)
    sections = _section_views(matrix, devs, cat)
    legend = tuple(matrix.legend) or tuple(
        LegendEntry(code=code, label=label, description=desc) for code, (label, desc) in cat.standard_legend.items())
    signatories = tuple(SignatoryView(p, (customer.signatories.get(p.id) if customer else None) or Signatory(),
                                      cat.fmt("for_party", party=_signing_name(p, matrix, customer, brand)))
                        for p in matrix.parties)
    day = effective_date(matrix, customer)
    payload = _payload(matrix, customer, devs, brand, draft, day)
    stamp = Stamp(matrix.id, matrix.version, lang, day, fingerprint(payload))
    locale = locale_for(lang, customer.locale if customer else None)
    return Annex(matrix, customer, brand, cat, lang, locale, tuple(matrix.parties), legend, tuple(sections.views),
                 tuple(sections.deviations),
                 tuple(PartySummary(p, *sections.totals[p.id]) for p in matrix.parties), signatories, stamp,
                 draft or matrix.status != "approved", review, payload, block_views(matrix.intro, cat),
                 block_views(matrix.legend_intro, cat))


def _tables(section, rows: list[Row], cat: Labels) -> tuple[TableView, ...]:
    """The section's rows cut into the tables of the page: a row with blocks `before` it starts
    a new table, and those blocks print under the previous one."""
    tables: list[TableView] = []
    current: list[Row] = []
    for activity, row in zip(section.activities, rows, strict=True):
        if activity.before:  # (a table without rows just prints the blocks)
            tables.append(TableView(tuple(current), block_views(activity.before, cat, notes=bool(current))))
            current = []
        current.append(row)
    if current:
        tables.append(TableView(tuple(current), block_views(section.notes, cat, notes=True)))
    elif section.notes:  # a section of notes without rows: printed as its text
        tables.append(TableView((), block_views(section.notes, cat)))
    return tuple(tables)


def output_name(annex: Annex, fmt: str) -> str:
    """`<matrix-id>_<lang>_v<version>.pdf`, `.docx`, or `_review.docx` for the review copy; the
    customer folder is the caller's."""
    from .writers import SUFFIXES
    return f"{annex.matrix.id}_{annex.lang}_v{annex.matrix.version}{SUFFIXES.get(fmt, '.' + fmt)}"
