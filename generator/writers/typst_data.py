"""What a Typst template sees of an annex: the view Jinja gets (template_view.py), as JSON.

The Typst template reads this JSON from `sys.inputs` and lays it out; customer text reaches
Typst only as JSON strings, which Typst prints as text and never evaluates, so a customer named
`#read("/etc/passwd")` prints literally (no Typst source is ever made from data). Every printed
value is decided by the model as for Jinja; the one thing a Jinja filter computes, inline
emphasis, comes here already read into spans (`inline`: each stored Markdown string that has
emphasis, as `[text, bold, italic]` triples), so the template never parses Markdown.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..annex import Annex
from ..brand import Colors
from ..model import spans
from .template_view import annex_view, plain


def jsonable(value: Any, strings: list[str] | None = None) -> Any:
    """A template view (records, tuples, dates, Markup) as JSON values; each string met is
    also added to `strings`, if given (what inline_spans reads, without a second walk)."""
    if isinstance(value, str):  # the common case first; `str` is no ABC, so the check is cheap
        text = str(value)  # Markup too: Typst prints it as text
        if strings is not None:
            strings.append(text)
        return text
    if isinstance(value, (tuple, list)):
        return [jsonable(v, strings) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, strings) for k, v in value.items()}
    return value


_MARKUP = re.compile(r"[*_\\`\[<&\n]")  # what inline Markdown may read as more than text


def inline_spans(strings: Iterable[str]) -> dict[str, list]:
    """Each of `strings` whose inline Markdown prints other than itself (emphasis, escapes,
    hard breaks), read into `[text, bold, italic]` spans by the model's one parser."""
    out: dict[str, list] = {}
    for text in strings:
        if text in out or not _MARKUP.search(text):
            continue
        read = spans(text)
        if len(read) == 1 and read[0].text == text and not (read[0].bold or read[0].italic):
            continue
        out[text] = [[s.text, s.bold, s.italic] for s in read]
    return out


def annex_data(annex: Annex, **extra: Any) -> str:
    """The JSON a brand's Typst template reads from `sys.inputs.annex`: the annex, and `extra`
    (plain data: the change notice gives its changes)."""
    brand = annex.brand
    palette = brand.config.colors if brand.config else Colors()
    fonts = brand.config.fonts if brand.config else None
    printed: list[str] = []  # the strings of the annex and `extra`, which may hold emphasis
    data = {
        "annex": jsonable(annex_view(annex), printed),
        "labels": jsonable(plain(annex.labels)),
        "palette": jsonable(plain(palette)),
        "fonts": [fonts.family, *(f.family for f in fonts.fallback)] if fonts else [],
        "logo": brand.get("logo"),
        **{key: jsonable(plain(value), printed) for key, value in extra.items()},
    }
    data["inline"] = inline_spans(printed)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
