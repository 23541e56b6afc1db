"""Fixed wording of an annex in each language, and dates formatted for it (Babel).

The catalogs are plain YAML beside this module so that a translator can edit them; every
language has exactly the same keys (a test checks it); catalog.py reads them, as it reads the
web's and the change notice's.
"""
from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date

from .catalog import Catalog, read_catalog

CATALOG_DIR = Path(__file__).parent


Labels = Catalog  # the annex's catalog: `labels.key` in templates, `labels.fmt('key', x=...)`


@cache
def labels(lang: str) -> Labels:
    return read_catalog(CATALOG_DIR / f"{lang}.yaml", lang)


def languages() -> list[str]:
    return sorted(p.stem for p in CATALOG_DIR.glob("*.yaml"))


# the locale of each annex language when the customer names none: British English for
# English (European contracts; `1 May 2025`), the language's own country otherwise
DEFAULT_LOCALES = {"fr": "fr_FR", "en": "en_GB", "de": "de_DE", "es": "es_ES", "it": "it_IT"}


def locale_for(lang: str, requested: str | None = None) -> str:
    """The Babel locale of an annex: the customer's when it is of the annex language (`fr_CH`
    for a French annex), else the language's default."""
    if requested:
        parsed = Locale.parse(requested)
        if parsed.language == lang:
            return str(parsed)
    return DEFAULT_LOCALES.get(lang, lang)


def language_tag(locale: str) -> str:
    """`en_GB` -> `en-GB`: the BCP 47 tag of the PDF /Lang, HTML lang and DOCX w:lang."""
    return locale.replace("_", "-")


@lru_cache(maxsize=1024)
def long_date(day: dt.date, locale: str) -> str:
    """`24 novembre 2026`, `24 November 2026` (en_GB), `November 24, 2026` (en_US), `24. November 2026`..."""
    return format_date(day, format="long", locale=locale)
