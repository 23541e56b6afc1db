"""A comparison told to its readers: `text` for a terminal, `json` for machines (a stable,
documented shape: README, "annex diff"), and the change notice's rows and Markdown, in the
annex language, for the customer who signs it."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..annex import effective_date
from ..i18n import Labels, labels, locale_for, long_date
from ..i18n.catalog import Catalog, read_catalogs
from ..infra.fingerprint import fingerprint
from ..model import Customer, plain
from .compare import Change, Diff

JSON_FORMAT = "annex-diff/1"
_LABELS = Path(__file__).with_name("labels.yaml")


@lru_cache(maxsize=1)
def notice_catalog() -> dict[str, Catalog]:
    return read_catalogs(_LABELS)


def notice_labels(lang: str) -> Labels:
    """The annex wording of `lang` with the notice's own on top."""
    return Labels(lang, {**labels(lang), **notice_catalog()[lang]}, f"{_LABELS.name}:{lang}")


# ---- json ----

def diff_payload(diff: Diff) -> dict:
    """The comparison as plain data; what `--format json` prints and the notice is fingerprinted on."""
    c = diff.customer
    return {
        "format": JSON_FORMAT,
        "matrix": diff.new.id,
        "lang": diff.new.lang,
        "old": {"version": diff.old.version, "status": diff.old.status},
        "new": {"version": diff.new.version, "status": diff.new.status},
        "customer": c.id if c else None,
        "counts": diff.counts,
        "changes": [ch.as_json() for ch in diff.changes],
    }


def to_json(diff: Diff) -> str:
    return json.dumps(diff_payload(diff), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


# ---- text ----

def _roles_text(roles: dict, party_labels: dict[str, str]) -> str:
    return ", ".join(f"{party_labels.get(p, p)} {v or '–'}" for p, v in roles.items())


def _value(value, party_labels: dict[str, str]) -> str:
    if isinstance(value, dict):
        return _roles_text(value, party_labels)
    return "" if value is None else str(value)


def party_labels(diff: Diff) -> dict[str, str]:
    return {**{p.id: p.label for p in diff.old.parties}, **{p.id: p.label for p in diff.new.parties}}


def to_text(diff: Diff) -> str:
    """One block per change; `-` before, `+` after, as a terminal reader expects."""
    names = party_labels(diff)
    head = f"{diff.new.id} ({diff.new.lang}): v{diff.old.version} -> v{diff.new.version}"
    if diff.customer:
        head += f", customer {diff.customer.id}"
    n = len(diff.changes)
    lines = [f"{head}: {n} change{'s' if n != 1 else ''}"]
    for c in diff.changes:
        subject = c.activity or c.section
        where_ = f"  [{c.section}]" if c.activity and c.section else ""
        lines.append(f"{c.kind:18} {subject}{where_}".rstrip())
        if c.text and c.kind not in ("activity-reworded",):
            lines.append(f"    {plain(c.text)}")
        before, after = _value(c.before, names), _value(c.after, names)
        for mark, value in (("-", before), ("+", after)):
            for line in value.splitlines() if value else []:
                lines.append(f"  {mark} {line}")
        if c.deviation:
            who = f"customer {diff.customer.id}" if diff.customer else "the customer"
            lines.append(f"    not affecting {who}: deviation {c.deviation} keeps the agreed roles")
    if not diff.changes:
        lines.append("no changes")
    return "\n".join(lines) + "\n"


# ---- the change notice ----

@dataclass(frozen=True)
class NoticeRow:
    number: int
    kind: str  # translated
    where: str  # section path
    subject: str  # activity text (inline Markdown) or ""
    before: str
    after: str
    note: str  # why it does not affect the customer, when it does not
    affects: bool


@dataclass(frozen=True)
class Notice:
    """What a change notice says, whatever its format."""

    diff: Diff
    labels: Labels
    lang: str
    customer: Optional[Customer]
    effective_date: dt.date
    rows: tuple[NoticeRow, ...]
    fingerprint: str
    template: str

    @property
    def title(self) -> str:
        return f"{self.labels.notice} – {self.diff.new.title}"

    @property
    def effective_date_text(self) -> str:
        """In the annex's locale (`1 May 2025` in English, the customer's `locale:` when set)."""
        return long_date(self.effective_date, locale_for(self.lang, self.customer.locale if self.customer else None))

    @property
    def intro(self) -> str:
        L, d = self.labels, self.diff
        text = L.intro.format(title=d.new.title, old=d.old.version, new=d.new.version,
                              date=self.effective_date_text)
        c = self.customer
        if c:
            text += " " + L.intro_customer.format(annex=c.annex or "", contract=c.contract or "", customer=c.name)
        return text.replace("  ", " ")

    @property
    def stamp_text(self) -> str:
        d = self.diff
        return (f"{d.new.id} · v{d.old.version} → v{d.new.version} · {self.lang} · "
                f"{self.effective_date_text} · {self.labels.fingerprint} {self.fingerprint[:12]}")

    def payload(self) -> dict:
        """Everything that decides the notice: its fingerprint is the SHA-256 of this."""
        c = self.customer
        return {"notice": diff_payload(self.diff), "effective_date": self.effective_date.isoformat(),
                "customer": c.model_dump(mode="json") if c else None, "template": self.template,
                "old_matrix": self.diff.old.model_dump(mode="json"),
                "new_matrix": self.diff.new.model_dump(mode="json")}


def _row(number: int, c: Change, L: Labels, names: dict[str, str], lang: str) -> NoticeRow:
    note = ""
    if c.deviation:
        note = L.not_affecting.format(number=c.deviation, reason=c.reason.rstrip("."))
    elif c.kind == "deviation-orphaned":
        note = L.orphaned.format(reason=c.reason.rstrip("."))
    elif c.kind.startswith("deviation-"):
        note = f"{L.reason}{' :' if lang == 'fr' else ':'} {c.reason}"  # French spaces its colons
    subject = c.text or (c.activity if c.kind == "deviation-orphaned" else "")
    return NoticeRow(number, L.kinds[c.kind], c.section, subject, _value(c.before, names) or L.none,
                     _value(c.after, names) or L.none, note, c.affects_customer)


def make_notice(diff: Diff, *, template_version: str = "") -> Notice:
    L = notice_labels(diff.new.lang)
    names = party_labels(diff)
    rows = tuple(_row(i, c, L, names, diff.new.lang) for i, c in enumerate(diff.changes, start=1))
    customer = diff.customer
    day = effective_date(diff.new, customer)
    if customer and customer.effective_date and diff.new.approval and diff.new.approval.date > customer.effective_date:
        day = diff.new.approval.date  # a new version cannot apply before it was approved
    notice = Notice(diff, L, diff.new.lang, customer, day, rows, "", template_version)
    return Notice(diff, L, diff.new.lang, customer, day, rows, fingerprint(notice.payload()), template_version)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(notice: Notice) -> str:
    """The change notice as Markdown: title block, table of changes, sign-off lines."""
    L, d, c = notice.labels, notice.diff, notice.customer
    out = [f"# {notice.title}", ""]
    facts = [(L.service, d.new.service or d.new.title)]
    if c:
        facts.append((L.customer, c.name))
        if c.contract:
            facts.append((L.contract, c.contract + (f" – {L.annex} {c.annex}" if c.annex else "")))
    facts += [(L.from_version, d.old.version), (L.to_version, d.new.version),
              (L.effective_date, notice.effective_date_text)]
    colon = " :" if notice.lang == "fr" else ":"  # French puts a space before the colon
    out += [f"- **{k}**{colon} {v}" for k, v in facts]
    out += ["", notice.intro, "", f"## {L.changes}", ""]
    if notice.rows:
        out += [f"| # | {L.change} | {L.activity} | {L.before} | {L.after} |", "|---|---|---|---|---|"]
        for r in notice.rows:
            subject = r.subject + (f" ({r.where})" if r.where and r.subject else r.where if not r.subject else "")
            after = r.after + (f"<br>*{r.note}*" if r.note else "")
            out.append(f"| {r.number} | {r.kind} | {_cell(subject)} | {_cell(r.before)} | {_cell(after)} |")
    else:
        out.append(L.no_changes)
    out += ["", f"## {L.signoff_title}", "", L.signoff_intro, ""]
    for party in d.new.parties:
        who = c.signatories.get(party.id) if c else None
        out.append(f"- {L.for_party.format(party=c.name if c and party.id == d.new.parties[0].id else party.label)}"
                   f" – {L.name}{colon} {who.name if who else ''}, {L.function}{colon} {who.title if who else ''}, "
                   f"{L.date}{colon} ______, {L.signature}{colon} ______")
    out += ["", f"*{notice.stamp_text}*", ""]
    return "\n".join(out)
