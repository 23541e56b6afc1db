"""A matrix written back as a published Markdown page of the same kind as the provider's
(front matter, intro, role legend table, sections and tables, notes). Importing the result
gives the same model (tested on every corpus page)."""
from __future__ import annotations

import yaml

from ..i18n import labels
from ..model import Matrix, Section


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|") if "\\|" not in text else text.replace("\n", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _roles(cell: str | None) -> str:
    return f"__{cell}__" if cell else ""


def _paragraph(text: str) -> str:
    if text.startswith("> "):
        return text
    return text


def _section(section: Section, depth: int, matrix: Matrix, out: list[str]) -> None:
    cat = labels(matrix.lang)
    out += ["#" * (depth + 1) + " " + section.title, ""]
    for p in section.intro:
        out += [_paragraph(p), ""]
    if section.activities:
        header = [cat.activity] + [p.header or p.label for p in matrix.parties]
        out.append(_row(header))
        out.append("|" + "|".join("-" * (len(h) + 2) for h in header) + "|")
        for a in section.activities:
            out.append(_row([_cell(a.text)] + [_roles(a.roles.get(p.id)) for p in matrix.parties]))
        out.append("")
    for note in section.notes:
        out += [_paragraph(note), ""]
    for sub in section.sections:
        _section(sub, depth + 1, matrix, out)


def render(matrix: Matrix) -> str:
    cat = labels(matrix.lang)
    front = {"title": matrix.title, **matrix.page}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10000).strip(), "---", ""]
    for p in matrix.intro:
        out += [_paragraph(p), ""]
    if matrix.legend:
        out += ["## " + (matrix.legend_title or cat.legend_title), ""]
        for p in matrix.legend_intro:
            out += [p, ""]
        out.append(_row([cat.legend_label, cat.legend_description]))
        out.append("|---|---|")
        for e in matrix.legend:
            out.append(_row([f"({e.code}) {e.label}", _cell(e.description)]))
        out.append("")
    for section in matrix.sections:
        _section(section, 1, matrix, out)
    return "\n".join(out).rstrip() + "\n"
