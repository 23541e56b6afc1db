"""Role cells: the letters a party holds for an activity, and the footnote marks beside them.

A cell is written as it is read (`RA`, `C, I`, `C/I`, `RA*`, empty); the model keeps the raw
string and this module is the one place that reads it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STANDARD_LETTERS = ("R", "A", "C", "I")
_MARK = re.compile(r"\*+|\((?:\d{1,2}|[A-Za-z])\)")
_SEPARATORS = re.compile(r"[\s,/;+]+")


@dataclass(frozen=True)
class RoleCell:
    letters: tuple[str, ...]  # in the order of STANDARD_LETTERS, then others in order written
    marks: tuple[str, ...]  # footnote marks such as "*" or "(1)"
    unknown: str = ""  # anything that is neither a letter nor a mark: a problem to report

    def __str__(self) -> str:
        return "".join(self.letters) + "".join(self.marks)


@lru_cache(maxsize=4096)
def parse_roles(cell: str | None) -> RoleCell:
    """Split a role cell into letters and marks; never guesses what it cannot read."""
    if cell is None:
        return RoleCell((), ())
    text = str(cell).strip()
    marks = tuple(m.group(0) for m in _MARK.finditer(text))
    rest = _MARK.sub(" ", text)
    letters: list[str] = []
    unknown: list[str] = []
    for token in _SEPARATORS.split(rest):
        if not token:
            continue
        if token.isupper() and token.isalpha() and len(token) <= 4:
            letters.extend(ch for ch in token if ch not in letters)
        else:
            unknown.append(token)
    order = {letter: i for i, letter in enumerate(STANDARD_LETTERS)}
    letters.sort(key=lambda ch: order.get(ch, len(order)))
    return RoleCell(tuple(letters), marks, " ".join(unknown))


def format_roles(letters: tuple[str, ...] | list[str], marks: tuple[str, ...] = ()) -> str:
    """The canonical way to write a cell back: letters in R, A, C, I order, then marks."""
    return str(parse_roles("".join(letters) + "".join(marks)))
