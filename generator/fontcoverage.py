"""No text that nobody can read: every character an annex prints must be in one of the brand's
fonts (its own, or a fallback font brand.yaml names).

Without this check, a legal name in a script the fonts lack prints as empty boxes, or in
whatever font the machine happens to have, and the build still succeeds. The check runs when
the annex is built, so the PDF and the DOCX are refused alike, naming the field and the
characters.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from fontTools.ttLib import TTFont

from .brand import Brand
from .infra.diagnostics import Diagnostic, InputError, error

# characters that draw nothing or that layout handles without a glyph
_NO_GLYPH_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@lru_cache(maxsize=16)
def covered(brand: Brand) -> frozenset[int]:
    """Every code point that the brand's fonts map to a glyph (read once per brand and process)."""
    points: set[int] = set()
    config = brand.config
    files = [brand.find(rel) for rel in (config.fonts.files.model_dump().values() if config else ()) if rel]
    for path in [*files, *brand.system_fonts]:
        try:
            font = TTFont(str(path), fontNumber=0, lazy=True)  # fontNumber: the first face of a .ttc
            try:
                points.update(font.getBestCmap() or {})
            finally:
                font.close()
        except Exception as exc:  # fontTools raises many kinds for a file that is not a font
            raise InputError([error(path, f"is not a usable font: {type(exc).__name__}: {exc}",
                                    hint="replace it with a TrueType or OpenType font file")]) from None
    return frozenset(points)


def missing(text: str, brand: Brand) -> str:
    """The distinct characters of `text` that no brand font covers, in order of appearance."""
    cover = covered(brand)
    out: dict[str, None] = {}
    for ch in text:
        if ord(ch) in cover or ch.isspace() or unicodedata.category(ch) in _NO_GLYPH_CATEGORIES:
            continue
        out.setdefault(ch, None)
    return "".join(out)


def texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) for every string inside plain data (a model_dump)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from texts(item, f"{path}[{i}]")


def describe(chars: str) -> str:
    return ", ".join(f"`{c}` U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in chars[:8]) + (
        f" and {len(chars) - 8} more" if len(chars) > 8 else "")


def check(where: str, data: Any, brand: Brand) -> list[Diagnostic]:
    """One diagnostic per field of `data` holding characters the brand cannot print."""
    problems = []
    for name, text in texts(data):
        chars = missing(text, brand)
        if chars:
            fonts = ", ".join([brand.config.fonts.family] + [f.family for f in brand.config.fonts.fallback]) \
                if brand.config else "the brand's fonts"
            problems.append(error(where, f"has characters no font of the brand can print: {describe(chars)}",
                                  field=name, code="unprintable",
                                  hint=f"write the text with other characters, or add a fallback font that "
                                       f"covers them to brand.yaml (fonts now: {fonts})"))
    return problems
