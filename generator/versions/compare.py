"""What changed between two versions of a matrix, activity by activity.

Activities are matched on their ids, never on their positions: a row that moved keeps its id,
so it shows as moved (and reworded, or with new roles) rather than as one removal and one
addition. Sections have no ids; they are matched by title path, then by the activities they
share (a section whose title changed but whose rows stayed is renamed, not replaced).

Blocks of a section (intro, notes, and any block kind the model gains later) are compared by
the functions of SECTION_BLOCKS, whole-matrix fields by MATRIX_FIELDS: adding a block kind is
adding one entry there.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Optional

from ..model import Activity, Customer, Deviation, Matrix, Section, parse_roles
from ..writers.markdown_page import blocks_text

# change kinds, in the order a reader meets them in a notice
KINDS = ("version", "status", "approval", "title", "parties", "legend", "intro", "section-added",
         "section-removed", "section-renamed", "activity-added", "activity-removed", "activity-moved",
         "activity-reworded", "roles", "section-intro", "notes", "deviation-added", "deviation-removed",
         "deviation-changed", "deviation-orphaned")


@dataclass(frozen=True)
class Change:
    """One difference. `before`/`after` are text, or party id -> role letters for roles."""

    kind: str
    section: str = ""  # section title path, " > " between levels (the new one when it exists)
    activity: str = ""  # activity id
    text: str = ""  # activity text (the new one when it exists), for people
    before: object = None
    after: object = None
    deviation: int = 0  # 1-based number of the customer's deviation that overrides this change
    reason: str = ""  # that deviation's reason

    @property
    def affects_customer(self) -> bool:
        return not self.deviation

    def as_json(self) -> dict:
        out = {"kind": self.kind, "section": self.section, "activity": self.activity or None,
               "text": self.text or None, "before": self.before, "after": self.after,
               "affects_customer": self.affects_customer}
        if self.deviation:
            out["overridden_by_deviation"] = {"number": self.deviation, "reason": self.reason}
        elif self.kind.startswith("deviation-"):
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Diff:
    old: Matrix
    new: Matrix
    changes: tuple[Change, ...]
    customer: Optional[Customer] = None
    deviations: tuple[Deviation, ...] = field(default=())

    @property
    def counts(self) -> dict[str, int]:
        return {k: n for k in KINDS if (n := sum(c.kind == k for c in self.changes))}


# ---- sections ----

SectionKey = tuple[str, ...]


def flat_sections(matrix: Matrix) -> dict[SectionKey, Section]:
    """Every section by its title path (a title repeated among siblings gets a #n suffix)."""
    out: dict[SectionKey, Section] = {}

    def rec(sections: list[Section], base: SectionKey) -> None:
        for s in sections:
            key, n = base + (s.title,), 1
            while key in out:
                n += 1
                key = base + (f"{s.title} #{n}",)
            out[key] = s
            rec(s.sections, key)
    rec(matrix.sections, ())
    return out


def match_sections(old: dict[SectionKey, Section], new: dict[SectionKey, Section]) -> dict[SectionKey, SectionKey]:
    """old key -> new key: same title path first, then the new section sharing most activity ids."""
    pairs = {k: k for k in old if k in new}
    taken = set(pairs.values())
    for ok, osec in old.items():
        if ok in pairs:
            continue
        ids = {a.id for a in osec.activities}
        best, score = None, 0
        for nk, nsec in new.items():
            if nk in taken:
                continue
            shared = len(ids & {a.id for a in nsec.activities})
            if shared > score:
                best, score = nk, shared
        if best is None and not osec.activities:  # a section of subsections only, renamed in place
            best = next((nk for nk in new if nk not in taken and not new[nk].activities and nk[:-1] == ok[:-1]
                         and list(new).index(nk) == list(old).index(ok)), None)
        if best is not None:
            pairs[ok] = best
            taken.add(best)
    return pairs


def where(key: SectionKey) -> str:
    return " > ".join(key)


# ---- block comparisons ----

def _paragraphs(kind: str, attr: str) -> Callable[[Section, Section, str], Iterator[Change]]:
    """Blocks of a section (paragraphs, lists, callouts, quotes) compared whole, shown as the page
    writes them (`- item`, `1. item`)."""
    def compare(old: Section, new: Section, place: str) -> Iterator[Change]:
        a, b = list(getattr(old, attr, []) or []), list(getattr(new, attr, []) or [])
        if a != b:
            yield Change(kind, place, before=blocks_text(a), after=blocks_text(b))
    return compare


SECTION_BLOCKS: list[Callable[[Section, Section, str], Iterator[Change]]] = [
    _paragraphs("section-intro", "intro"),
    _paragraphs("notes", "notes"),
]


def _approval(m: Matrix) -> str:
    return f"{m.approval.by}, {m.approval.date.isoformat()}" if m.approval else ""


def _legend(m: Matrix) -> str:
    return "\n".join(f"{e.code}: {e.label} – {e.description}" for e in m.legend)


MATRIX_FIELDS: list[tuple[str, Callable[[Matrix], str]]] = [
    ("version", lambda m: m.version),
    ("status", lambda m: m.status),
    ("approval", _approval),
    ("title", lambda m: f"{m.title}\n{m.service or ''}".strip()),
    ("parties", lambda m: "\n".join(f"{p.id}: {p.label}" for p in m.parties)),
    ("legend", lambda m: "\n".join(filter(None, [m.legend_title or "", blocks_text(m.legend_intro), _legend(m)]))),
    ("intro", lambda m: blocks_text(m.intro)),
]


# ---- activities ----

def roles_of(activity: Activity, parties: list[str]) -> dict[str, str]:
    """party id -> canonical letters (marks kept), the form a notice prints."""
    return {p: str(parse_roles(activity.roles.get(p))) for p in parties}


def _activity_changes(old: Matrix, new: Matrix, section_map: dict[SectionKey, SectionKey]) -> Iterator[Change]:
    old_at = {a.id: (k, a) for k, s in flat_sections(old).items() for a in s.activities}
    new_at = {a.id: (k, a) for k, s in flat_sections(new).items() for a in s.activities}
    parties = list(dict.fromkeys([p.id for p in old.parties] + [p.id for p in new.parties]))
    for aid, (key, a) in old_at.items():
        if aid not in new_at:
            yield Change("activity-removed", where(key), aid, a.text, before=roles_of(a, parties))
    for aid, (nkey, b) in new_at.items():
        if aid not in old_at:
            yield Change("activity-added", where(nkey), aid, b.text, after=roles_of(b, parties))
            continue
        okey, a = old_at[aid]
        if section_map.get(okey) != nkey:
            yield Change("activity-moved", where(nkey), aid, b.text, before=where(okey), after=where(nkey))
        if a.text != b.text:
            yield Change("activity-reworded", where(nkey), aid, b.text, before=a.text, after=b.text)
        if a.before != b.before:  # what the page has between the previous table and this row
            yield Change("notes", where(nkey), aid, b.text, before=blocks_text(a.before), after=blocks_text(b.before))
        ra, rb = roles_of(a, parties), roles_of(b, parties)
        changed = [p for p in parties if ra[p] != rb[p]]
        if changed:
            yield Change("roles", where(nkey), aid, b.text, before={p: ra[p] for p in changed},
                         after={p: rb[p] for p in changed})


def compare(old: Matrix, new: Matrix, customer: Optional[Customer] = None,
            deviations: tuple[Deviation, ...] = (), old_deviations: Optional[tuple[Deviation, ...]] = None) -> Diff:
    """Every change from `old` to `new`; with deviations, the changes they override are marked;
    with the deviations the customer had before (a signed annex PDF's), their changes too."""
    changes: list[Change] = []
    for kind, value in MATRIX_FIELDS:
        if value(old) != value(new):
            changes.append(Change(kind, before=value(old), after=value(new)))
    osecs, nsecs = flat_sections(old), flat_sections(new)
    section_map = match_sections(osecs, nsecs)
    matched_new = set(section_map.values())
    for ok in osecs:
        if ok not in section_map:
            changes.append(Change("section-removed", where(ok), before=ok[-1]))
        elif section_map[ok][-1] != ok[-1]:
            changes.append(Change("section-renamed", where(section_map[ok]), before=ok[-1], after=section_map[ok][-1]))
    changes += [Change("section-added", where(nk), after=nk[-1]) for nk in nsecs if nk not in matched_new]
    changes += _activity_changes(old, new, section_map)
    for ok, nk in section_map.items():
        for block in SECTION_BLOCKS:
            changes.extend(block(osecs[ok], nsecs[nk], where(nk)))
    if old_deviations is not None:
        changes += _deviation_changes(old, new, old_deviations, deviations)
    changes = _mark_overridden(changes, deviations, new)
    order = {k: i for i, k in enumerate(KINDS)}
    positions = _positions(new, old)
    changes.sort(key=lambda c: (order[c.kind], positions.get(c.activity, (len(positions), c.activity)), c.section))
    return Diff(old, new, tuple(changes), customer, tuple(deviations))


def _positions(*matrices: Matrix) -> dict[str, tuple[int, str]]:
    """Reading order of activities (new matrix first, then removed ones), for a stable sort."""
    out: dict[str, tuple[int, str]] = {}
    for m in matrices:
        for _, a in m.activities():
            out.setdefault(a.id, (len(out), a.id))
    return out


def _mark_overridden(changes: list[Change], deviations: tuple[Deviation, ...], new: Matrix) -> list[Change]:
    """A role change on an activity the customer's deviation sets does not reach the customer:
    the agreed roles stay. A deviation whose activity is gone is a change of its own."""
    numbers = {d.activity: (i, d) for i, d in enumerate(deviations, start=1)}
    out = []
    for c in changes:
        if c.kind == "roles" and c.activity in numbers:
            n, d = numbers[c.activity]
            c = Change(c.kind, c.section, c.activity, c.text, c.before, c.after, n, d.reason)
        out.append(c)
    for d in deviations:
        if new.activity(d.activity) is None:
            out.append(Change("deviation-orphaned", activity=d.activity, before=dict(d.roles), after=None,
                              reason=d.reason))
    return out


def _deviation_changes(old: Matrix, new: Matrix, before: tuple[Deviation, ...], after: tuple[Deviation, ...]
                       ) -> Iterator[Change]:
    """Deviations agreed, given up or renegotiated between the two annexes: the customer's roles
    change as surely as when the matrix changes."""
    parties = list(dict.fromkeys([p.id for p in old.parties] + [p.id for p in new.parties]))
    where_new = {a.id: (k, a) for k, s in flat_sections(new).items() for a in s.activities}

    def roles(d: Deviation) -> dict[str, str]:
        return {p: str(parse_roles(d.roles.get(p))) for p in parties}
    olds, news = {d.activity: d for d in before}, {d.activity: d for d in after}
    for aid, d in news.items():
        key, a = where_new.get(aid, ((), None))
        text = a.text if a else ""
        if aid not in olds:
            yield Change("deviation-added", where(key), aid, text, before=None, after=roles(d), reason=d.reason)
        elif roles(olds[aid]) != roles(d) or olds[aid].reason != d.reason:
            yield Change("deviation-changed", where(key), aid, text, before=roles(olds[aid]), after=roles(d),
                         reason=d.reason)
    for aid, d in olds.items():
        if aid not in news and aid in where_new:  # a deviation on a removed activity went with it
            key, a = where_new[aid]
            yield Change("deviation-removed", where(key), aid, a.text, before=roles(d), after=None, reason=d.reason)


def notice_name(diff: Diff, ext: str) -> str:
    """`<matrix-id>_<lang>_v<old>-to-v<new>.<ext>`, beside the annexes (README.md, Matrix versions)."""
    return f"{diff.new.id}_{diff.new.lang}_v{diff.old.version}-to-v{diff.new.version}.{ext}"
