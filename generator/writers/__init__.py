"""Writers: the annex model out to a format. Each format is one module with one entry point
`render(annex) -> bytes`, and `check(brand)` for what it needs of a brand; this registry is how
the commands find them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..brand import Brand

FORMATS = {"pdf": "generator.writers.pdf", "docx": "generator.writers.docx",
           "review": "generator.writers.docx"}  # the DOCX protected for review, deviations as tracked changes
SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "review": "_review.docx"}  # what each format adds to the file name


def renderer(fmt: str) -> Callable:
    render = import_module(FORMATS[fmt]).render
    if fmt == "review":
        return lambda annex: render(replace(annex, review=True))
    return render


def check_brand(formats: list[str], brand: Brand) -> None:
    """Check once, before any annex, what each writer needs of the brand (reference DOCX,
    stylesheet and fonts); raise InputError naming the file."""
    for fmt in formats:
        import_module(FORMATS[fmt]).check(brand)
