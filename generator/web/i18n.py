"""Interface wording in the five annex languages (the language is chosen per user), read by
the project's one catalog mechanism (generator/i18n/catalog.py): every language holds every
key (tests/web/test_i18n.py), so a missing string is a failing test, never a key on a page."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from ..i18n.catalog import Catalog, read_catalog
from ..model.matrix import LANGUAGES

FOLDER = Path(__file__).parent / "i18n"
Words = Catalog


@cache
def words(lang: str) -> Words:
    lang = lang if lang in LANGUAGES else "en"
    return read_catalog(FOLDER / f"{lang}.yaml", lang)


def best_language(accept: str) -> str:
    """The first language of an Accept-Language header that the interface speaks, else English."""
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
