"""Read a PDF the way its reader does: page text, and the cells of tagged tables.

The annex PDF is tagged (PDF/A-3a), so each table cell's text can be recovered exactly from
the structure tree (TR/TD elements -> marked-content ids -> characters), whatever the line
wrapping; tests then compare rows with the model instead of guessing from positions.
"""
from __future__ import annotations

from collections import defaultdict

import pdfplumber


def _chars_by_mcid(pdf) -> dict[tuple[int, int], list[dict]]:
    out: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for page in pdf.pages:
        for ch in page.chars:
            if ch.get("mcid") is not None:
                out[(page.page_number, ch["mcid"])].append(ch)
    return out


def _text(chars: list[dict]) -> str:
    out = ""
    prev = None
    for ch in chars:
        new_line = prev is not None and abs(ch["top"] - prev["top"]) > 2
        gap = prev is not None and not new_line and ch["x0"] - prev["x1"] > 1.0
        # a line that ends on a hyphen was broken inside a compound word: no space
        if (gap or (new_line and prev["text"] not in "-‐")) and not out.endswith(" ") and ch["text"] != " ":
            out += " "
        out += ch["text"]
        prev = ch
    return out


def table_rows(path) -> list[dict]:
    """Every table row (and heading) in reading order:
    {'kind': 'th'|'td'|'heading', 'cells': [text, ...], 'kinds': ['TH'|'TD', ...], 'page': n,
    'table': index}."""
    with pdfplumber.open(path) as pdf:
        chars = _chars_by_mcid(pdf)
        rows = []

        def cell_text(element) -> str:
            collected: list[dict] = []

            def collect(e):
                page = e.get("page_number")
                for mcid in e.get("mcids") or []:
                    collected.extend(chars.get((page, mcid), []))
                for child in e.get("children", []):
                    collect(child)
            collect(element)
            return squash(_text(collected))

        def walk(e, table_index):
            kind = e.get("type")
            if kind in ("H1", "H2", "H3", "H4", "H5", "H6"):
                rows.append({"kind": "heading", "level": int(kind[1]), "cells": [cell_text(e)],
                             "page": e.get("page_number"), "table": table_index[0]})
                return
            if kind == "Table":
                table_index[0] += 1
            if kind == "TR":
                cells = [c for c in e.get("children", []) if c.get("type") in ("TD", "TH")]
                rows.append({"kind": "th" if all(c.get("type") == "TH" for c in cells) else "td",
                             "cells": [cell_text(c) for c in cells], "kinds": [c.get("type") for c in cells],
                             "page": e.get("page_number"), "table": table_index[0]})
                return
            for child in e.get("children", []):
                walk(child, table_index)
        counter = [0]
        for root in pdf.structure_tree:
            walk(root, counter)
        return rows


def page_texts(path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def rotated_texts(path) -> list[str]:
    """Page texts that include text set at an angle (pdfplumber splits it into lines)."""
    import pypdf
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def squash(text: str) -> str:
    """Text compared without white space differences (line wrapping, spacing)."""
    return " ".join(text.split())


def list_items(path) -> list[dict]:
    """Every list item of a tagged PDF in reading order, as a screen reader meets it:
    {'level': 0 or 1 (nested), 'label': the bullet or number, 'text': the item's body, 'page': n}.
    WeasyPrint tags a list L, its items LI (Lbl + LBody), a nested list an L inside the outer L."""
    with pdfplumber.open(path) as pdf:
        chars = _chars_by_mcid(pdf)
        items: list[dict] = []

        def text_of(element) -> str:
            collected: list[dict] = []

            def collect(e):
                for mcid in e.get("mcids") or []:
                    collected.extend(chars.get((e.get("page_number"), mcid), []))
                for child in e.get("children", []):
                    collect(child)
            collect(element)
            return squash(_text(collected))

        def walk(e, level: int) -> None:
            kind = e.get("type")
            if kind == "L":
                for child in e.get("children", []):
                    if child.get("type") == "LI":
                        parts = {c.get("type"): c for c in child.get("children", [])}
                        items.append({"level": level, "label": text_of(parts["Lbl"]) if "Lbl" in parts else "",
                                      "text": text_of(parts["LBody"]) if "LBody" in parts else text_of(child),
                                      "page": child.get("page_number")})
                        for nested in (c for c in child.get("children", []) if c.get("type") == "L"):
                            walk(nested, level + 1)
                    elif child.get("type") == "L":
                        walk(child, level + 1)
                return
            for child in e.get("children", []):
                walk(child, level)
        for root in pdf.structure_tree:
            walk(root, 0)
        return items
