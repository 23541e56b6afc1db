"""One catalog mechanism for every fixed string of the project: the annex's wording
(generator/i18n), the change notice's (generator/versions/labels.yaml) and the web interface's
(generator/web/i18n). A catalog is read from YAML, its keys must be strings (YAML reads an
unquoted `yes:` or `no:` as a boolean, which once made the web say "no" for "yes"), and asking
for a string it lacks is an error, never the key printed in its place: tests/test_i18n.py
checks that every language has the same keys and that every string the code asks for exists.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class MissingString(Exception):
    """A string asked for that the catalog does not hold (deliberately not a KeyError: Jinja2
    would turn a KeyError or AttributeError into an empty string and hide it)."""


class CatalogError(ValueError):
    """A catalog file that is not a mapping of text keys to text (or lists of text)."""


class Catalog(dict):
    """The strings of one language: `cat.key` and `cat["key"]`, `cat("key", n=1)` or
    `cat.fmt("key", n=1)` to fill placeholders."""

    def __init__(self, lang: str, entries: dict[str, Any], source: str = ""):
        super().__init__(entries)
        self.lang, self.source = lang, source

    def __missing__(self, key: str) -> Any:
        raise MissingString(f"{self.source or 'catalog'} ({self.lang}) has no string `{key}`")

    def __getattr__(self, key: str) -> Any:
        if key.startswith(("_", "jinja_")):  # copy and pickle probe dunders, Jinja2 `jinja_pass_arg`
            raise AttributeError(key)
        return self[key]

    def __call__(self, key: str, **values: Any) -> str:
        text = self[key]
        return text.format(**values) if values else text

    fmt = __call__


def _checked(data: Any, source: str, where: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CatalogError(f"{source}{where}: a catalog is a mapping of keys to strings")
    for key, value in data.items():
        if not isinstance(key, str):
            raise CatalogError(f"{source}{where}: key `{key!r}` is not text; quote it (\"{key}\": ...)")
        if isinstance(value, dict):
            _checked(value, source, f"{where}.{key}")
        elif not (isinstance(value, str) or isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise CatalogError(f"{source}{where}.{key}: `{value!r}` is not text; quote it")
    return data


def read_catalog(path: Path, lang: str) -> Catalog:
    """`path` holds the strings of one language."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Catalog(lang, _checked(data, str(path)), path.name)


def read_catalogs(path: Path) -> dict[str, Catalog]:
    """Every language of a catalog: a folder of `<lang>.yaml`, or one file keyed by language."""
    if path.is_dir():
        return {p.stem: read_catalog(p, p.stem) for p in sorted(path.glob("*.yaml"))}
    data = _checked(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    return {lang: Catalog(lang, entries, f"{path.name}:{lang}") for lang, entries in sorted(data.items())}


def key_paths(entries: dict[str, Any], prefix: str = "") -> set[str]:
    """Every key of a catalog, nested ones as `kinds.activity-added`."""
    out: set[str] = set()
    for key, value in entries.items():
        out.add(prefix + key)
        if isinstance(value, dict):
            out |= key_paths(value, f"{prefix}{key}.")
    return out
