"""Writers: the annex model out to a format. Each format is one module with one entry point
`render(annex) -> bytes`; this registry is how the commands find them."""
from __future__ import annotations

from importlib import import_module
from typing import Callable

FORMATS = {"pdf": "generator.writers.pdf", "docx": "generator.writers.docx"}


def renderer(fmt: str) -> Callable:
    return import_module(FORMATS[fmt]).render
