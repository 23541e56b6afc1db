"""Fixed wording of an annex in each language, and dates formatted for it (Babel).

The catalogs are plain YAML beside this module so that a translator can edit them; every
language has exactly the same keys (a test checks it).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date

CATALOG_DIR = Path(__file__).parent


class Labels(dict):
    """A catalog: `labels.key` in templates, `labels.fmt('key', x=...)` for placeholders."""

    def __getattr__(self, key: str):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def fmt(self, key: str, **values) -> str:
        return self[key].format(**values)


@lru_cache(maxsize=None)
def labels(lang: str) -> Labels:
    with open(CATALOG_DIR / f"{lang}.yaml", encoding="utf-8") as f:
        return Labels(yaml.safe_load(f))


def languages() -> list[str]:
    return sorted(p.stem for p in CATALOG_DIR.glob("*.yaml"))


@lru_cache(maxsize=1024)
def long_date(day: dt.date, lang: str) -> str:
    """`24 novembre 2026`, `November 24, 2026`, `24. November 2026`..."""
    return format_date(day, format="long", locale=lang)
