"""Optimistic concurrency for the customer form: the form carries the version of the row it
was opened on (`customers.version`, raised by every save, and checked again by the UPDATE
itself: SQLAlchemy's version counter). A save on an older version is refused (409) with both
values of every field that differs, so that the later editor decides instead of silently
undoing the earlier save."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .db import CustomerRow

IGNORED = {"csrf", "version", "id"}
FORM_ORDER = ("name", "contract", "annex", "lang", "locale", "matrices", "effective_date")  # then sig_*, deviations


def _form_order(key: str) -> tuple[int, str]:
    """Differences are listed in the order the form shows its fields."""
    if key in FORM_ORDER:
        return FORM_ORDER.index(key), key
    return len(FORM_ORDER) + (key == "deviations"), key


@dataclass(frozen=True)
class Difference:
    field: str
    saved: str  # what the other editor saved
    yours: str  # what this form sends


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v)
    return str(value or "").strip()


def stale(row: CustomerRow, values: dict) -> bool:
    """Whether the form was opened on an older version of the row."""
    return str(values.get("version") or "") != str(row.version)


def differences(saved: dict, values: dict) -> list[Difference]:
    """The fields whose saved value (form shape, `saved`) differs from what the form sends."""
    keys = sorted((set(saved) | set(values)) - IGNORED, key=_form_order)
    return [Difference(k, _text(saved.get(k)), _text(values.get(k))) for k in keys
            if _text(saved.get(k)) != _text(values.get(k))]


def conflict_of(row: CustomerRow, values: dict, saved_values: dict) -> Optional[list[Difference]]:
    """None when the form may be saved, else the fields that differ (perhaps none)."""
    return differences(saved_values, values) if stale(row, values) else None
