"""What a brand template sees of an annex: plain, read-only data, and nothing else.

Brand templates come from designers outside the team. Jinja's sandbox stops them from reaching
Python internals, but not from calling the public methods of whatever object they are handed:
a `pathlib.Path` in the context would let a template read, write or delete any file (and so run
code, through a `.pth` file). So the context is not the annex model itself but a copy of it made
of strings, numbers, booleans, dates, `Markup`, tuples and `View`s: read-only records whose
values are again plain data. Any other type reaching a template is a bug, and `plain` raises
instead of passing it on (tests/security walk the whole context).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import ItemsView, Iterator, Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

SCALARS = (str, int, float, bool, type(None), dt.date, Markup)  # datetime is a date too


class View(Mapping):
    """A read-only record for templates: `view.name` and `view["name"]` give plain values."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a template view is read-only")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> ItemsView[str, Any]:  # the dict's own: Mapping's would look each key up
        return self._values.items()

    def __repr__(self) -> str:
        return f"View({self._values!r})"


def _properties(cls: type, stop: tuple[type, ...]) -> list[str]:
    """Public properties declared by `cls` and its bases up to (not including) `stop`."""
    names: list[str] = []
    for klass in cls.__mro__:
        if klass in stop or klass is object:
            break
        names += [n for n, v in vars(klass).items() if isinstance(v, property) and not n.startswith("_")
                  and n not in names]
    return names


@lru_cache(maxsize=512)
def _names(cls: type) -> tuple[str, ...]:
    """What `plain` copies of a model or dataclass: its fields, then its public properties (once
    per class: an annex holds thousands of records of a few classes)."""
    if issubclass(cls, BaseModel):
        return (*cls.model_fields, *_properties(cls, (BaseModel,)))
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # plain checked it is a dataclass
    return (*(f.name for f in fields), *_properties(cls, ()))


def plain(value: Any, *, hidden: frozenset[str] = frozenset()) -> Any:
    """`value` as template-safe data; `hidden` names fields and properties left out."""
    if isinstance(value, SCALARS):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(plain(v) for v in value)
    if isinstance(value, Mapping):
        return View({str(k): plain(v) for k, v in value.items()})
    if not isinstance(value, BaseModel) and not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        raise TypeError(f"{type(value).__name__} may not reach a template: give it plain data")
    return View({name: plain(getattr(value, name)) for name in _names(type(value)) if name not in hidden})


# what a template never needs and must never hold: the brand's folders (file-system handles),
# the raw payload (printed through the stamp), and whatever holds them
ANNEX_HIDDEN = frozenset({"brand", "payload"})


def annex_view(annex: Any) -> View:
    """The annex for a template: its data, the brand's name, version and settings, no paths."""
    view = dict(plain(annex, hidden=ANNEX_HIDDEN))
    view["brand"] = View({"name": plain(annex.brand.name), "version": plain(annex.brand.version),
                          "data": plain(annex.brand.data)})
    return View(view)
