"""The rules a matrix must keep, checked over the whole model so that every problem is found
at once and reported at its position in the YAML file.

Published matrices break the RACI rules in places, so `one_accountable` and
`responsible_required` can be lowered to warnings by the matrix file (`rules:`) or by the
command line; everything else is always an error.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Optional

from .infra.diagnostics import Diagnostic, Location, error, warning
from .infra.yamlsource import YamlDocument
from .model import Activity, Customer, Matrix, Section
from .model.blocks import block_shape, describe_shape
from .model.matrix import semver_key
from .model.roles import STANDARD_LETTERS, parse_roles

SectionPath = tuple  # ('sections', 0, 'sections', 1)


@dataclass(frozen=True)
class Loaded:
    """A matrix with the document it came from, for positions."""

    matrix: Matrix
    doc: YamlDocument


def walk_with_paths(matrix: Matrix) -> Iterator[tuple[SectionPath, int, Section]]:
    def rec(sections: list[Section], base: tuple, depth: int):
        for i, section in enumerate(sections):
            path = base + ("sections", i)
            yield path, depth, section
            yield from rec(section.sections, path, depth + 1)
    yield from rec(matrix.sections, (), 1)


def activities_with_paths(matrix: Matrix) -> Iterator[tuple[tuple, Section, Activity]]:
    for path, _, section in walk_with_paths(matrix):
        for k, activity in enumerate(section.activities):
            yield path + ("activities", k), section, activity


def check_roles(roles: dict, parties: list[str], legend: set[str], where, *, field: str,
                one_accountable: str, responsible_required: str, path: str,
                subject: str, every_party: bool = True) -> list[Diagnostic]:
    """RACI rules for one set of role cells (an activity's, or a deviation's agreed roles).

    `every_party`: each party must have a cell (a matrix row); a deviation may leave out a
    party, which then holds no role."""
    out: list[Diagnostic] = []
    for party, cell in roles.items():
        if party not in parties:
            loc = where(("roles", party), key=True)
            out.append(error(path, f"{subject}: `{party}` is not a party of this matrix", line=loc.line,
                             column=loc.column, field=f"{field}.roles.{party}",
                             hint=f"use one of: {', '.join(parties)}", code="unknown-party"))
            continue
        parsed = parse_roles(cell)
        loc = where(("roles", party))
        if parsed.unknown:
            out.append(error(path, f"{subject}: role cell `{cell}` holds `{parsed.unknown}`, "
                                   "which is not a role letter",
                             line=loc.line, column=loc.column, field=f"{field}.roles.{party}",
                             hint=f"write role letters only, e.g. RA or C, I (legend: {', '.join(sorted(legend))})",
                             code="bad-role"))
        bad = [ch for ch in parsed.letters if ch not in legend]
        if bad:
            out.append(error(path, f"{subject}: role letter(s) {', '.join(bad)} not in the legend",
                             line=loc.line, column=loc.column, field=f"{field}.roles.{party}",
                             hint=f"use only {', '.join(sorted(legend, key=_legend_order))}", code="bad-role"))
    missing = [p for p in parties if p not in roles]
    if missing and every_party:
        loc = where(("roles",))
        out.append(error(path, f"{subject}: no column for party {', '.join(missing)}", line=loc.line,
                         column=loc.column, field=f"{field}.roles",
                         hint=f"add `{missing[0]}:` (leave it empty if the party holds no role)",
                         code="missing-party"))
    letters = [ch for p in parties for ch in parse_roles(roles.get(p)).letters]
    loc = where(("roles",))
    accountable = letters.count("A")
    if accountable != 1:
        make = error if one_accountable == "error" else warning
        out.append(make(path, f"{subject}: {accountable} parties are Accountable (A); exactly one must be",
                        line=loc.line, column=loc.column, field=f"{field}.roles",
                        hint="give A to exactly one party, or set `rules: {one_accountable: warning}`",
                        code="one-accountable"))
    if "R" not in letters:
        make = error if responsible_required == "error" else warning
        out.append(make(path, f"{subject}: no party Realises (R); at least one must",
                        line=loc.line, column=loc.column, field=f"{field}.roles",
                        hint="give R to at least one party, or set `rules: {responsible_required: warning}`",
                        code="responsible-required"))
    return out


def rule_levels(matrix: Matrix, relax: frozenset[str] = frozenset()) -> tuple[str, str]:
    """How strictly `one_accountable` and `responsible_required` apply: the matrix's `rules:`,
    lowered to warnings by `--warn` (relax)."""
    one_a = "warning" if "one-accountable" in relax else matrix.rules.one_accountable
    one_r = "warning" if "responsible-required" in relax else matrix.rules.responsible_required
    return one_a, one_r


def check_deviations(customer: Customer, matrix_of: Callable[[str], Optional[Matrix]],
                     where: Callable[..., Location], *, path: str, field: str = "",
                     relax: frozenset[str] = frozenset(), built: Optional[str] = None) -> list[Diagnostic]:
    """The customer's deviations against the matrices they change: the one checker that
    `validate`, `build` and `batch` run. `matrix_of(id)` gives a matrix, or None to skip the
    deviations of a matrix the caller does not check (unknown ids are the caller's report);
    `where(loc, key=False)` places a path under the customer; `built` is the matrix being built,
    which a deviation of a customer who lists no matrix changes."""
    out: list[Diagnostic] = []
    seen: dict[tuple[str, str], int] = {}
    single = len(customer.matrices) <= 1
    for k, dev in enumerate(customer.deviations):
        dpath, dfield = ("deviations", k), f"{field}deviations[{k}]"
        mid = dev.matrix or (customer.matrices[0] if single and customer.matrices else None)
        if mid is None and single:
            mid = built  # a customer who lists no matrix: the one `build MATRIX --customer` makes
            if mid is None:
                continue
        if mid is None:
            loc = where(dpath)
            out.append(error(path, f"customer `{customer.id}`: deviation {k + 1} does not say which matrix it changes",
                             line=loc.line, column=loc.column, field=f"{dfield}.matrix", code="deviation-matrix",
                             hint="add `matrix: MATRIX-ID`"))
            continue
        matrix = matrix_of(mid)
        if matrix is None:
            continue
        if matrix.activity(dev.activity) is None:
            loc = where(dpath + ("activity",))
            out.append(error(path, f"customer `{customer.id}`: deviation on unknown activity `{dev.activity}` of "
                                   f"matrix `{mid}`", line=loc.line, column=loc.column, field=f"{dfield}.activity",
                             code="deviation-activity",
                             hint="use an activity id from the matrix file (`id:` of the row)"))
            continue
        if (mid, dev.activity) in seen:
            loc = where(dpath + ("activity",))
            out.append(error(path, f"customer `{customer.id}`: two deviations on activity `{dev.activity}`",
                             line=loc.line, column=loc.column, field=f"{dfield}.activity", code="deviation-twice",
                             related=(where(("deviations", seen[(mid, dev.activity)], "activity")),),
                             hint="keep one deviation per activity"))
            continue
        seen[(mid, dev.activity)] = k
        one_a, one_r = rule_levels(matrix, relax)
        out.extend(check_roles(dict(dev.roles), [p.id for p in matrix.parties], legend_letters(matrix),
                               lambda loc, key=False, _p=dpath: where(_p + loc, key=key), field=dfield,
                               one_accountable=one_a, responsible_required=one_r, path=path,
                               subject=f"customer `{customer.id}`, deviation on `{dev.activity}`", every_party=False))
    return out


def _legend_order(ch: str) -> int:
    return STANDARD_LETTERS.index(ch) if ch in STANDARD_LETTERS else len(STANDARD_LETTERS)


def legend_letters(matrix: Matrix) -> set[str]:
    return {entry.code for entry in matrix.legend} or set(STANDARD_LETTERS)


def check_matrix(loaded: Loaded, *, relax: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Every rule that one matrix file must keep on its own."""
    return [*_check_parties(loaded), *_check_legend(loaded), *_check_versions(loaded),
            *_check_sections(loaded, relax)]


def _check_parties(loaded: Loaded) -> Iterator[Diagnostic]:
    m, doc, path = loaded.matrix, loaded.doc, loaded.doc.path
    seen: dict[str, int] = {}
    for i, party in enumerate(m.parties):
        if party.id in seen:
            loc = doc.where(("parties", i, "id"))
            yield error(path, f"party id `{party.id}` is used twice", line=loc.line, column=loc.column,
                        field=f"parties[{i}].id", related=(doc.where(("parties", seen[party.id], "id")),),
                        hint="give each party its own id", code="duplicate-party")
        seen.setdefault(party.id, i)


def _check_legend(loaded: Loaded) -> Iterator[Diagnostic]:
    m, doc, path = loaded.matrix, loaded.doc, loaded.doc.path
    codes: dict[str, int] = {}
    for i, entry in enumerate(m.legend):
        loc = doc.where(("legend", i, "code"))
        if entry.code in codes:
            yield error(path, f"legend letter `{entry.code}` is defined twice", line=loc.line,
                        column=loc.column, field=f"legend[{i}].code", code="duplicate-legend",
                        related=(doc.where(("legend", codes[entry.code], "code")),), hint="keep one entry per letter")
        elif entry.code not in STANDARD_LETTERS:
            yield error(path, f"legend letter `{entry.code}` is not one of R, A, C, I", line=loc.line,
                        column=loc.column, field=f"legend[{i}].code", code="bad-legend",
                        hint="the codes are R, A, C, I in every language; translate the label instead")
        codes.setdefault(entry.code, i)


def _check_versions(loaded: Loaded) -> Iterator[Diagnostic]:
    """Approval recorded when approved; revisions oldest first; the version the newest."""
    m, doc, path = loaded.matrix, loaded.doc, loaded.doc.path
    if m.status == "approved" and m.approval is None:
        loc = doc.where(("status",))
        yield error(path, "status is `approved` but no approval is recorded", line=loc.line, column=loc.column,
                    field="approval", hint="add `approval: {by: NAME, date: YYYY-MM-DD}` or set `status: draft`",
                    code="approval-missing")
    for i in range(1, len(m.history)):
        prev, cur = m.history[i - 1], m.history[i]
        if semver_key(cur.version) <= semver_key(prev.version) or cur.date < prev.date:
            loc = doc.where(("history", i))
            yield error(path, f"revision {cur.version} ({cur.date}) does not come after {prev.version} ({prev.date})",
                        line=loc.line, column=loc.column, field=f"history[{i}]",
                        related=(doc.where(("history", i - 1)),), code="history-order",
                        hint="list revisions oldest first, with increasing versions and dates")
    if m.history and semver_key(m.history[-1].version) > semver_key(m.version):
        loc = doc.where(("version",))
        yield error(path, f"version {m.version} is older than the last revision {m.history[-1].version}",
                    line=loc.line, column=loc.column, field="version", code="history-order",
                    hint="set `version:` to the newest revision")


def _check_sections(loaded: Loaded, relax: frozenset[str]) -> Iterator[Diagnostic]:
    """No empty section (text alone is content: a section of lists or paragraphs is one); unique
    activity ids; no activity text twice in a section; the RACI rules on every row."""
    m, doc, path = loaded.matrix, loaded.doc, loaded.doc.path
    parties = [p.id for p in m.parties]
    legend = legend_letters(m)
    ids: dict[str, tuple] = {}
    one_a, one_r = rule_levels(m, relax)
    for spath, _, section in walk_with_paths(m):
        if not (section.activities or section.sections or section.intro or section.notes):
            loc = doc.where(spath + ("title",))
            yield error(path, f"section “{section.title}” is empty: no activity, text or subsection", line=loc.line,
                        column=loc.column, field=_f(spath), code="empty-section",
                        hint="add activities, a paragraph or a list (`intro:`), or remove the section")
        texts: dict[str, int] = {}
        for k, activity in enumerate(section.activities):
            apath = spath + ("activities", k)
            if activity.id in ids:
                loc = doc.where(apath + ("id",))
                yield error(path, f"activity id `{activity.id}` is used twice", line=loc.line,
                            column=loc.column, field=_f(apath) + ".id",
                            related=(doc.where(ids[activity.id] + ("id",)),), code="duplicate-id",
                            hint="give each activity its own id (ids must stay the same in every language)")
            ids.setdefault(activity.id, apath)
            key = " ".join(activity.text.split()).casefold()
            if key in texts:
                loc = doc.where(apath + ("text",))
                yield error(path, "the same activity text appears twice in this section", line=loc.line,
                            column=loc.column, field=_f(apath) + ".text", code="duplicate-text",
                            related=(doc.where(spath + ("activities", texts[key], "text")),),
                            hint="remove the duplicate row or reword one of them")
            texts.setdefault(key, k)
            yield from check_roles(activity.roles, parties, legend,
                                   lambda loc, key=False, _p=apath: doc.where(_p + loc, key=key), field=_f(apath),
                                   one_accountable=one_a, responsible_required=one_r, path=path,
                                   subject=f"activity `{activity.id}`")


def _f(loc: tuple) -> str:
    from .readers.modelerrors import field_name
    return field_name(loc)


def check_translations(group: list[Loaded]) -> list[Diagnostic]:
    """All languages of one matrix: same version, parties, sections, activity ids and roles."""
    if len(group) < 2:
        return []
    by_lang = sorted(group, key=lambda item: (item.matrix.lang != "fr", item.matrix.lang, item.doc.path))
    ref = by_lang[0]
    out: list[Diagnostic] = []
    for other in by_lang[1:]:
        out.extend(_compare(ref, other))
    return out


def _compare(ref: Loaded, other: Loaded) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    a, b = ref.matrix, other.matrix

    def diag(msg: str, loc_b: tuple, loc_a: tuple, hint: str, code: str) -> Diagnostic:
        where = other.doc.where(loc_b)
        return error(other.doc.path, msg, line=where.line, column=where.column, field=_f(loc_b) or "",
                     related=(ref.doc.where(loc_a),), hint=hint, code=code)

    if a.lang == b.lang:
        out.append(diag(f"two files for language `{b.lang}` of matrix `{b.id}`", ("lang",), ("lang",),
                        "keep one file per language", "duplicate-language"))
        return out
    if a.version != b.version:
        out.append(diag(f"version {b.version} differs from {a.lang} version {a.version}", ("version",), ("version",),
                        "translations of one matrix must carry the same version", "translation-version"))
    if [p.id for p in a.parties] != [p.id for p in b.parties]:
        out.append(diag(f"parties {[p.id for p in b.parties]} differ from {a.lang} {[p.id for p in a.parties]}",
                        ("parties",), ("parties",), "use the same party ids in the same order", "translation-parties"))
    out += _compare_blocks(a.lang, [("the introduction", ("intro",), a.intro, b.intro),
                                    ("the legend's introduction", ("legend_intro",), a.legend_intro, b.legend_intro)],
                           diag)
    sa, sb = list(walk_with_paths(a)), list(walk_with_paths(b))
    for (pa, _, x), (pb, _, y) in zip(sa, sb, strict=False):  # different lengths are reported below
        if pa != pb:
            out.append(diag(f"section “{y.title}” is not at the place of {a.lang} section “{x.title}”", pb, pa,
                            "give every language the same sections and subsections in the same order",
                            "translation-sections"))
            return out
        out += _compare_blocks(a.lang, [(f"the intro of section “{y.title}”", pa + ("intro",), x.intro, y.intro),
                                        (f"the notes of section “{y.title}”", pa + ("notes",), x.notes, y.notes)],
                               diag)
        out += _compare_rows(a.lang, a.parties, (pa, x), (pb, y), diag)
    if len(sa) != len(sb):
        extra = sb[len(sa)] if len(sb) > len(sa) else None
        missing = sa[len(sb)] if len(sa) > len(sb) else None
        if extra:
            out.append(diag(f"section “{extra[2].title}” has no counterpart in {a.lang}", extra[0], ("sections",),
                            "remove it or add it to every language", "translation-sections"))
        if missing:
            out.append(diag(f"section “{missing[2].title}” of {a.lang} is missing here", ("sections",), missing[0],
                            "add the translated section", "translation-sections"))
    return out


def _compare_rows(lang: str, parties: list, ref: tuple[tuple, Section], other: tuple[tuple, Section],
                  diag: Callable[..., Diagnostic]) -> list[Diagnostic]:
    """The rows of one section in two languages: the same activity ids in the same order (the
    first difference reported), then the same blocks between tables and the same roles."""
    (pa, x), (pb, y) = ref, other
    ia, ib = [act.id for act in x.activities], [act.id for act in y.activities]
    if ia != ib:
        k, (ka, kb) = next((k, ids) for k, ids in enumerate(zip_longest(ia, ib)) if ids[0] != ids[1])
        loc_b = pb + ("activities", min(k, len(ib) - 1)) if ib else pb
        loc_a = pa + ("activities", min(k, len(ia) - 1)) if ia else pa
        return [diag(f"in section “{y.title}”, activity {k + 1} is `{kb}` where {lang} has `{ka}`", loc_b, loc_a,
                     "same activity ids in the same order in every language", "translation-activities")]
    pairs = list(enumerate(zip(x.activities, y.activities, strict=True)))
    out = _compare_blocks(lang, [(f"the blocks before activity `{act_b.id}`", pa + ("activities", k, "before"),
                                  act_a.before, act_b.before) for k, (act_a, act_b) in pairs], diag)
    for k, (act_a, act_b) in pairs:
        for party in parties:
            la, lb = act_a.letters(party.id), act_b.letters(party.id)
            if la != lb:
                out.append(diag(f"activity `{act_b.id}`: {party.id} holds {''.join(lb) or 'no role'} where "
                                f"{lang} says {''.join(la) or 'no role'}", pb + ("activities", k, "roles", party.id),
                                pa + ("activities", k, "roles", party.id),
                                "roles must be the same in every language; fix the translation", "translation-roles"))
    return out


def _compare_blocks(lang: str, places: list[tuple[str, tuple, list, list]],
                    diag: Callable[..., Diagnostic]) -> list[Diagnostic]:
    """The text blocks of a translation against the reference's, place by place: the same
    paragraphs, lists (items and nested items), callouts and quotes, in the same order. Only
    their shape: the words are the translation's."""
    out: list[Diagnostic] = []
    for place, loc, ref, other in places:
        for k in range(max(len(ref), len(other))):
            want = block_shape(ref[k]) if k < len(ref) else None
            got = block_shape(other[k]) if k < len(other) else None
            if want != got:
                out.append(diag(f"{place}: block {k + 1} is {describe_shape(got)} where {lang} has "
                                f"{describe_shape(want)}", loc + ((k,) if k < len(other) else ()),
                                loc + ((k,) if k < len(ref) else ()),
                                "translate every paragraph, list item, callout and quote of the reference, in "
                                "its order", "translation-blocks"))
                break
    return out


def group_by_matrix(items: list[Loaded]) -> dict[str, list[Loaded]]:
    groups: dict[str, list[Loaded]] = defaultdict(list)
    for item in items:
        # one set of translations per folder: a matrix kept elsewhere (data/examples/) is another version
        groups[f"{item.matrix.id} {Path(item.doc.path).parent}"].append(item)
    return groups
