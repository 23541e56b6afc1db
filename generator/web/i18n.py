"""Interface wording in the five annex languages (the language is chosen per user)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ..model.matrix import LANGUAGES

FOLDER = Path(__file__).parent / "i18n"


class Words(dict):
    """Wording of one language; a key it lacks falls back to English, then to the key itself."""

    def __init__(self, lang: str, own: dict, fallback: dict):
        super().__init__({**fallback, **own})
        self.lang = lang

    def __missing__(self, key: str) -> str:
        return key

    def __call__(self, key: str, **values) -> str:
        text = self[key]
        return text.format(**values) if values else text


@cache
def words(lang: str) -> Words:
    lang = lang if lang in LANGUAGES else "en"
    english = yaml.safe_load((FOLDER / "en.yaml").read_text("utf-8"))
    own = yaml.safe_load((FOLDER / f"{lang}.yaml").read_text("utf-8")) if lang != "en" else {}
    return Words(lang, own, english)


def best_language(accept: str) -> str:
    """The first language of an Accept-Language header that the interface speaks, else English."""
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
