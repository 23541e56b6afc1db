"""Rows of a published page counted straight from its text, independently of the importer:
a table line starts with `|`; the line before a `|---|` line is a header; legend rows start
with `(R)`-style codes. Cells lose only their emphasis markers and white space."""
from __future__ import annotations

import re


def strip_markup(cell: str) -> str:
    cell = re.sub(r"(\*\*|__)(.+?)\1", r"\2", cell)
    cell = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", cell)
    return " ".join(cell.split())


def raw_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every activity row of the page."""
    lines = text.replace("\r\n", "\n").split("\n")
    separators = {i for i, line in enumerate(lines) if re.match(r"^\s*\|[\s:|-]+\|\s*$", line)}
    out = []
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|") or i in separators or (i + 1) in separators:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if re.match(r"^\(?[A-Z]\)", strip_markup(cells[0])):
            continue  # legend row
        out.append((i + 1, cells))
    return out


def roles_of(cell: str) -> str:
    return re.sub(r"[\s,/_*]", "", cell)
