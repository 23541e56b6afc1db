"""The customer's deviations edited as rows: an activity picked by its text in the customer's
language, role letters ticked per party, a reason. Rows become the `deviations:` of the customer
data, which the form then checks with the CLI's checker (rules.check_deviations through
forms.check_customer); each problem comes back to its row, worded for people in the user's
language (web/messages.py), never as YAML, field paths or command-line advice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..infra.diagnostics import Diagnostic
from ..model.inline import plain
from ..model.roles import STANDARD_LETTERS, parse_roles
from ..rules import activities_with_paths, legend_letters
from .matrices import in_lang, loaded
from .messages import row_message

EMPTY_ROWS = 1  # blank rows offered under the customer's deviations
MAX_ROWS = 200  # the customer model's own limit is lower; this only bounds the form's loop
_ROW_OF = re.compile(r"deviations\[(\d+)\]")


@dataclass
class Row:
    """One deviation as the form shows it; `index` is its row number in the form."""
    index: int
    matrix: str = ""
    activity: str = ""
    roles: dict[str, str] = field(default_factory=dict)  # party -> letters, e.g. {"customer": "AI"}
    reason: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def choice(self) -> str:
        return f"{self.matrix}:{self.activity}" if self.activity else ""

    @property
    def blank(self) -> bool:
        return not (self.activity or self.reason.strip() or any(self.roles.values()))


@dataclass
class Choices:
    """What the rows offer: activities by matrix (id, text with its section), parties, letters."""
    groups: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (matrix id, title, ((value, label), ...))
    parties: tuple[tuple[str, str], ...]  # (party id, label)
    letters: tuple[str, ...]
    standard: dict[str, str] = field(default_factory=dict)  # option value -> `Client RA, Provider I`


def choices(data_dir: Path, matrix_ids: list[str], lang: str) -> Choices:
    ids = matrix_ids or sorted({mid for mid, _ in loaded(data_dir)})
    groups: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
    parties: dict[str, str] = {}
    letters = list(STANDARD_LETTERS)
    standard: dict[str, str] = {}
    for mid in ids:
        matrix = in_lang(data_dir, mid, lang)
        if matrix is None:
            continue
        options = tuple((f"{mid}:{activity.id}", f"{plain(section.title)} › {plain(activity.text)}")
                        for _, section, activity in activities_with_paths(matrix))
        groups.append((mid, plain(matrix.title), options))
        for _, _, activity in activities_with_paths(matrix):
            standard[f"{mid}:{activity.id}"] = ", ".join(
                f"{p.label} {activity.roles.get(p.id) or '–'}" for p in matrix.parties)
        for p in matrix.parties:
            parties.setdefault(p.id, p.label)
        letters += [ch for ch in sorted(legend_letters(matrix)) if ch not in letters]
    return Choices(tuple(groups), tuple(parties.items()), tuple(letters), standard)


def rows_of(deviations: list[dict], matrix_ids: list[str]) -> list[Row]:
    """The saved deviations as rows, plus the blank rows to add more."""
    default = matrix_ids[0] if len(matrix_ids) == 1 else ""
    rows = [Row(i, str(d.get("matrix") or default), str(d.get("activity") or ""),
                {p: "".join(parse_roles(v).letters) for p, v in (d.get("roles") or {}).items()},
                str(d.get("reason") or "")) for i, d in enumerate(deviations)]
    return rows + [Row(len(rows) + k) for k in range(EMPTY_ROWS)]


def rows_from_form(form: Any, parties: list[str]) -> list[Row]:
    """The rows the form sent (`dev-N-activity`, `dev-N-PARTY` letters, `dev-N-reason`)."""
    count = min(int(form.get("dev-count") or 0) if str(form.get("dev-count") or "0").isdigit() else 0, MAX_ROWS)
    rows = []
    for i in range(count):
        matrix, _, activity = str(form.get(f"dev-{i}-activity") or "").partition(":")
        roles = {p: "".join(str(v) for v in form.getlist(f"dev-{i}-{p}")) for p in parties}
        rows.append(Row(i, matrix if activity else "", activity, {p: v for p, v in roles.items() if v},
                        str(form.get(f"dev-{i}-reason") or "").strip()))
    return rows


def deviations_of(rows: list[Row], several: bool) -> tuple[list[dict], list[Row]]:
    """The customer data's `deviations:` and, for each, its row (blank rows are dropped); a
    party with no box ticked is left out: it holds no role, as in a customer file."""
    out, kept = [], []
    for row in rows:
        if row.blank:
            continue
        entry: dict[str, Any] = {"activity": row.activity, "roles": dict(row.roles),
                                 "reason": row.reason}
        if several and row.matrix:
            entry["matrix"] = row.matrix
        out.append(entry)
        kept.append(row)
    return out, kept


def file_problems(diagnostics: list[Diagnostic], kept: list[Row], word) -> list[Diagnostic]:
    """Put each deviation problem on its row (as the user's words); return those of no row."""
    left = []
    for d in diagnostics:
        found = _ROW_OF.search(d.field or "")
        if found and int(found.group(1)) < len(kept):
            row = kept[int(found.group(1))]
            text = row_message(d, row.roles, word)
            if text not in row.problems:
                row.problems.append(text)
        else:
            left.append(d)
    return left


def first_problem_row(rows: list[Row]) -> Optional[int]:
    return next((r.index for r in rows if r.problems), None)
