"""The customer form of sales: its fields (the locale among them), the deviation rows, the
defaults a person expects (the id made from the name, themself as the provider's signatory),
and the problems of a refused save worded for that person (web/messages.py)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from babel import Locale

from ..model.matrix import LANGUAGES
from . import deviation_rows
from .deviation_rows import Row
from .forms import check_customer, customer_data
from .i18n import Words
from .messages import field_message

# the date formats offered per annex language (any other valid one is kept when read back)
LOCALES = {"fr": ("fr_FR", "fr_BE", "fr_CA", "fr_CH", "fr_LU"), "en": ("en_GB", "en_IE", "en_US"),
           "de": ("de_DE", "de_AT", "de_CH", "de_LU"), "es": ("es_ES", "es_MX"), "it": ("it_IT", "it_CH")}


@dataclass
class Outcome:
    """A save: the customer to store, or the field problems and rows to show again."""
    customer: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)  # form field -> messages
    rows: list[Row] = field(default_factory=list)


def locale_choices(ui_lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per annex language, its locales named in the interface language: `fr_CH` -> `français (Suisse)`."""
    return [(lang, [(code, Locale.parse(code).get_display_name(ui_lang) or code) for code in codes])
            for lang, codes in LOCALES.items()]


def id_from_name(name: str, taken: Callable[[str], bool]) -> str:
    """`Électricité de Lyon SA` -> `electricite-de-lyon-sa` (then `-2`, `-3`... when taken)."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:56] or "customer"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def values_of(data: dict) -> dict:
    """A stored customer as the form's fields."""
    values = {k: v for k, v in data.items() if k not in ("signatories", "deviations")}
    for party, sig in (data.get("signatories") or {}).items():
        for k, v in sig.items():
            values[f"sig_{party}_{k}"] = v
    return values


def form_values(form) -> dict:
    values = {k: form.get(k) for k in form.keys() if not k.startswith("dev-")}
    values["matrices"] = form.getlist("matrices")
    return values


def edited_rows(form, parties: list[str]) -> tuple[list[Row], bool]:
    """The deviation rows sent, without those marked for removal, renumbered; and whether the
    person asked for one more row (then nothing is saved yet)."""
    rows = [r for r in deviation_rows.rows_from_form(form, parties) if not form.get(f"dev-{r.index}-remove")]
    for i, r in enumerate(rows):
        r.index = i
    adding = bool(form.get("add_row"))
    if adding or not rows or not rows[-1].blank:
        rows.append(Row(len(rows)))
    return rows, adding


def check(values: dict, rows: list[Row], parties: list[str], data_dir: Path, t: Words) -> Outcome:
    """The form's customer, checked as `annex validate` checks a customer file."""
    data, doc, extra = customer_data(values, parties)
    for row in rows:  # a row without an activity or a reason is told so; the others are still checked
        if not row.blank and not row.activity:
            row.problems.append(t("row_activity"))
        if not row.blank and not row.reason:
            row.problems.append(t("row_reason"))
    devs, kept = deviation_rows.deviations_of([r for r in rows if not r.problems], len(data.get("matrices", [])) > 1)
    if devs:
        data["deviations"] = devs
    checked = check_customer(data, doc, data_dir, extra=extra)
    out = Outcome(checked.customer, rows=rows)
    for name, found in checked.errors.items():
        if name == "deviations":
            found = deviation_rows.file_problems(found, kept, t)
            name = "form"
        for d in found:
            # the model's one cross-field rule (locale of the customer's language) has no field
            where = "locale" if name == "form" and d.message.startswith("locale ") else name
            text = field_message(where, d, t) if where != "form" else t("row_other")
            if text not in out.errors.get(where, []):
                out.errors.setdefault(where, []).append(text)
    if any(r.problems for r in rows):
        out.errors.setdefault("deviations", [])
        out.customer = None
    return out


def defaults(lang: str, provider: Optional[str], signatory: tuple[Optional[str], Optional[str]]) -> dict:
    """A new customer's fields: the user's language, the user as the provider's signatory."""
    values: dict[str, Any] = {"lang": lang if lang in LANGUAGES else "fr"}
    name, title = signatory
    if provider and name:
        values[f"sig_{provider}_name"] = name
    if provider and title:
        values[f"sig_{provider}_title"] = title
    return values


def deviations_text(deviations: list[dict]) -> str:
    """Deviations as one line each, to show two versions side by side (an edit conflict)."""
    return "; ".join(f"{d.get('activity')}: " + ", ".join(f"{p} {v or '–'}" for p, v in (d.get("roles") or {}).items())
                     + f" ({d.get('reason') or ''})" for d in deviations)


def rows_text(rows: list[Row]) -> str:
    return deviations_text(deviation_rows.deviations_of(rows, False)[0])
