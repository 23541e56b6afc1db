"""The interface wording: every language holds every key, and every string a page or route asks
for exists (a missing one would be an error on the page, so it is caught here first)."""
from __future__ import annotations

import re
from pathlib import Path

from generator.i18n.catalog import key_paths
from generator.model.matrix import LANGUAGES
from generator.web import messages, progress, status
from generator.web.i18n import words

WEB = Path(__file__).parents[2] / "generator" / "web"
ASKED = re.compile(r"""\bt\(\s*["']([\w-]+)["']\s*[,)]|message_key=["']([\w-]+)["']|Refused\(\d+, ["']([\w-]+)["']""")


def test_every_language_has_the_keys_of_english():
    english = key_paths(words("en"))
    for lang in LANGUAGES:
        assert key_paths(words(lang)) == english, lang


def test_yes_and_no_are_words_in_every_language():
    assert [words(lang)("yes") for lang in LANGUAGES] == ["oui", "yes", "ja", "sí", "sì"]
    assert [words(lang)("no") for lang in LANGUAGES] == ["non", "no", "nein", "no", "no"]


def test_every_string_the_pages_and_routes_ask_for_exists():
    asked = set()
    for path in list(WEB.glob("templates/*.html")) + list(WEB.glob("*.py")):
        asked |= {k for groups in ASKED.findall(path.read_text("utf-8")) for k in groups if k}
    assert len(asked) > 100
    english = words("en")
    assert sorted(k for k in asked if k not in english) == []


def test_every_string_built_from_a_code_exists():
    built = [f"status_{s}" for s in status.SHOWN] + [f"step_{s}" for s in status.SHOWN]
    built += [f"waits_{w}" for w in set(status.WAITS_ON.values()) if w]
    built += ["row_" + c.replace("-", "_") for c in messages.ROW_CODES] + [f"err_{f}" for f in messages.FIELDS]
    built += [f"progress_{s}" for s in progress.STATES if s not in ("waiting", "unknown")]
    built += [f"lang_{lang}" for lang in LANGUAGES] + [f"change_{c}" for c in ("new", "kept", "removed")]
    for lang in LANGUAGES:
        assert [k for k in built if k not in words(lang)] == [], lang
