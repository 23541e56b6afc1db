"""A matrix written back as a published Markdown page of the same kind as the provider's
(front matter, intro, role legend table, sections and tables, notes, lists, callouts, quotes).
Importing the result gives the same model (tested on every corpus page and on the fixtures)."""
from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from ..i18n import labels
from ..model import Callout, ListBlock, ListItem, Matrix, Quote, Section, item_text

# what CommonMark reads at the start of a line as a list item, a heading or a quote
_BLOCK_START = re.compile(r"^(\s*)(?:(\d{1,9})([.)])|([-+*>]|#{1,6}))(?=\s|$)")


def _cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|") if "\\|" not in text else text.replace("\n", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _roles(cell: str | None) -> str:
    return f"__{cell}__" if cell else ""


def _literal(line: str) -> str:
    """A line of text that starts like a list marker, a heading or a quote (`2024. Bilan`) stays
    text: the marker is escaped, which the importer reads back as the same text."""
    def escape(m: re.Match) -> str:
        return f"{m[1]}{m[2]}\\{m[3]}" if m[2] else f"{m[1]}\\{m[4]}"
    return _BLOCK_START.sub(escape, line, count=1)


def _lines(text: str, indent: str = "") -> list[str]:
    """Inline Markdown as lines (hard and soft breaks kept), each kept literal, indented."""
    return [indent + _literal(line) for line in text.split("\n")]


def _marked(marker: str, text: str, indent: str = "") -> list[str]:
    """One item: its marker, then its other lines under its first character."""
    first, *rest = _lines(text)
    return [indent + marker + first] + [indent + " " * len(marker) + line for line in rest]


def _markers(ordered: bool, start: int, count: int, alternate: bool = False) -> list[str]:
    """`- ` (or `* `), or `1. ` (or `1) `) from `start`. The alternate character makes a list that
    follows one of its kind a list of its own: CommonMark ends a list where the character changes."""
    if ordered:
        return [f"{n}{')' if alternate else '.'} " for n in range(start, start + count)]
    return ["* " if alternate else "- "] * count


def _list(block: ListBlock, alternate: bool) -> list[str]:
    out: list[str] = []
    for marker, item in zip(_markers(block.ordered, block.start, len(block.items), alternate), block.items,
                            strict=True):
        out += _marked(marker, item_text(item))
        if isinstance(item, ListItem):
            if item.ordered and item.start != 1:  # such a list cannot interrupt the item's text: a blank line
                out.append("")
            for sub, text in zip(_markers(item.ordered, item.start, len(item.items)), item.items, strict=True):
                out += _marked(sub, text, " " * len(marker))
    return out


def _blocks(blocks: Iterable[object]) -> list[str]:
    """Paragraphs, lists, callouts (`:::kind[title]` ... `:::`) and quotes (`> `), each followed by
    a blank line; a list right after a list of its kind takes the other marker character."""
    out: list[str] = []
    previous: tuple = ()
    for block in blocks:
        kind: tuple = ()
        if isinstance(block, Callout):
            out += [f":::{block.kind}" + (f"[{block.title}]" if block.title else ""), *_body(block.body), ":::"]
        elif isinstance(block, Quote):
            out += [("> " + line).rstrip() for line in _body(block.quote)]
        elif isinstance(block, ListBlock):
            alternate = previous[:2] == (True, block.ordered) and not previous[2]
            kind = (True, block.ordered, alternate)
            out += _list(block, alternate)
        else:
            out += _lines(str(block))
        out.append("")
        previous = kind
    return out


def blocks_text(blocks: Iterable[object]) -> str:
    """Blocks as the page writes them (`- item`, `:::warning[...]`), without blank lines: how a change
    notice shows them."""
    return "\n".join(line for line in _blocks(blocks) if line)


def _body(items: list) -> list[str]:
    """Paragraphs and lists of a callout or quote, separated by blank lines."""
    return _blocks(items)[:-1]


def _table(rows: list, matrix: Matrix) -> list[str]:
    header = [labels(matrix.lang).activity] + [p.header or p.label for p in matrix.parties]
    out = [_row(header), "|" + "|".join("-" * (len(h) + 2) for h in header) + "|"]
    out += [_row([_cell(a.text)] + [_roles(a.roles.get(p.id)) for p in matrix.parties]) for a in rows]
    return out + [""]


def _section(section: Section, depth: int, matrix: Matrix, out: list[str]) -> None:
    out += ["#" * (depth + 1) + " " + section.title, ""]
    out += _blocks(section.intro)
    rows: list = []
    for activity in section.activities:
        if activity.before and rows:  # what the page has between two tables
            out += _table(rows, matrix)
            rows = []
        out += _blocks(activity.before)
        rows.append(activity)
    if rows:
        out += _table(rows, matrix)
    out += _blocks(section.notes)
    for sub in section.sections:
        _section(sub, depth + 1, matrix, out)


def render(matrix: Matrix) -> str:
    cat = labels(matrix.lang)
    front = {"title": matrix.title, **matrix.page}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10000).strip(), "---", ""]
    out += _blocks(matrix.intro)
    if matrix.legend:  # only the legend the page had, under the heading it had (if any)
        if matrix.legend_title:
            out += ["## " + matrix.legend_title, ""]
        out += _blocks(matrix.legend_intro)
        out.append(_row([cat.legend_label, cat.legend_description]))
        out.append("|---|---|")
        for e in matrix.legend:
            out.append(_row([f"({e.code}) {e.label}", _cell(e.description)]))
        out.append("")
    for section in matrix.sections:
        _section(section, 1, matrix, out)
    return "\n".join(out).rstrip() + "\n"
