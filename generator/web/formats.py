"""Numbers, sizes and times on a page, in the reader's locale (Babel): `84,2 ko` in French,
`84.2 kB` in English; times are stored in UTC and shown so, labelled."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

from ..i18n import locale_for


@dataclass(frozen=True)
class Formats:
    lang: str

    @property
    def locale(self) -> str:
        return locale_for(self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def size(self, n: int) -> str:
        if n < 1024:
            return format_unit(n, "digital-byte", length="short", locale=self.locale)
        unit, value = ("digital-kilobyte", n / 1024) if n < 1024 * 1024 else ("digital-megabyte", n / 1024 / 1024)
        return format_unit(round(value, 1), unit, length="short", format="#,##0.#", locale=self.locale)

    def when(self, moment: dt.datetime) -> str:
        return format_datetime(moment, "short", tzinfo=dt.UTC, locale=self.locale) + " UTC"
