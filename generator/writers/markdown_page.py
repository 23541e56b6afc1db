"""A matrix written back as a published Markdown page of the same kind as the provider's
(front matter, intro, role legend table, sections and tables, notes, callouts, quotes).
Importing the result gives the same model (tested on every corpus page and on the fixtures)."""
from __future__ import annotations

import yaml

from ..i18n import labels
from ..model import Block, Callout, ListBlock, Matrix, Quote, Section


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|") if "\\|" not in text else text.replace("\n", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _roles(cell: str | None) -> str:
    return f"__{cell}__" if cell else ""


def _list(block: ListBlock) -> list[str]:
    out = []
    for n, item in enumerate(block.items, start=1):
        marker = f"{n}. " if block.ordered else "- "
        first, *rest = item.split("\n")
        out += [marker + first] + [" " * len(marker) + line for line in rest]
    return out


def _body(items: list) -> list[str]:
    """Paragraphs and lists of a callout or quote, separated by blank lines."""
    out: list[str] = []
    for item in items:
        if out:
            out.append("")
        out += _list(item) if isinstance(item, ListBlock) else item.split("\n")
    return out


def _block(block: Block) -> list[str]:
    """A paragraph, a callout (`:::kind[title]` ... `:::`) or a quote (`> `), then a blank line."""
    if isinstance(block, Callout):
        return [f":::{block.kind}" + (f"[{block.title}]" if block.title else ""), *_body(block.body), ":::", ""]
    if isinstance(block, Quote):
        return [("> " + line).rstrip() for line in _body(block.quote)] + [""]
    return [block, ""]


def _table(rows: list, matrix: Matrix) -> list[str]:
    header = [labels(matrix.lang).activity] + [p.header or p.label for p in matrix.parties]
    out = [_row(header), "|" + "|".join("-" * (len(h) + 2) for h in header) + "|"]
    out += [_row([_cell(a.text)] + [_roles(a.roles.get(p.id)) for p in matrix.parties]) for a in rows]
    return out + [""]


def _section(section: Section, depth: int, matrix: Matrix, out: list[str]) -> None:
    out += ["#" * (depth + 1) + " " + section.title, ""]
    for block in section.intro:
        out += _block(block)
    rows: list = []
    for activity in section.activities:
        if activity.before and rows:  # what the page has between two tables
            out += _table(rows, matrix)
            rows = []
        for block in activity.before:
            out += _block(block)
        rows.append(activity)
    if rows:
        out += _table(rows, matrix)
    for block in section.notes:
        out += _block(block)
    for sub in section.sections:
        _section(sub, depth + 1, matrix, out)


def render(matrix: Matrix) -> str:
    cat = labels(matrix.lang)
    front = {"title": matrix.title, **matrix.page}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10000).strip(), "---", ""]
    for block in matrix.intro:
        out += _block(block)
    if matrix.legend:  # only the legend the page had, under the heading it had (if any)
        if matrix.legend_title:
            out += ["## " + matrix.legend_title, ""]
        for block in matrix.legend_intro:
            out += _block(block)
        out.append(_row([cat.legend_label, cat.legend_description]))
        out.append("|---|---|")
        for e in matrix.legend:
            out.append(_row([f"({e.code}) {e.label}", _cell(e.description)]))
        out.append("")
    for section in matrix.sections:
        _section(section, 1, matrix, out)
    return "\n".join(out).rstrip() + "\n"
