"""Problems told to sales and legal in their own language.

The checkers speak to the command line: a field path, a pattern, `--warn`, "set `rules:` in
the matrix". A page says what is wrong with what the person typed or ticked, and how to put it
right there, in the interface language: a message per diagnostic code and form field, with the
figures read from the row itself. The API keeps the CLI's messages (programs read `field`).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..infra.diagnostics import Diagnostic
from ..model.roles import parse_roles

if TYPE_CHECKING:
    from .i18n import Words

# diagnostic codes of rules.check_deviations, each with its own wording
ROW_CODES = ("unknown-party", "bad-role", "one-accountable", "responsible-required", "deviation-matrix",
             "deviation-activity", "deviation-twice")
FIELDS = ("id", "name", "contract", "annex", "lang", "locale", "matrices", "effective_date")


def row_message(d: Diagnostic, roles: dict[str, str], t: Words) -> str:
    """A deviation problem as the row editor shows it (`roles`: the row's letters per party)."""
    tail = (d.field or "").rsplit("].", 1)[-1]
    if d.code == "one-accountable":
        count = sum("A" in parse_roles(v).letters for v in roles.values())
        return t("row_one_accountable", n=count)
    if d.code == "unknown-party":
        return t("row_unknown_party", party=tail.rsplit(".", 1)[-1])
    if d.code in ROW_CODES:
        return t("row_" + d.code.replace("-", "_"))
    if tail.startswith("reason"):
        return t("row_reason")
    if tail.startswith("activity"):
        return t("row_activity")
    if tail.startswith("roles"):
        return t("row_bad_role")
    return t("row_other")


def field_message(name: str, d: Diagnostic, t: Words) -> str:
    """A problem of one customer field, without the pattern or type the model checks."""
    if d.code == "unknown-matrix":
        return t("err_unknown_matrix")
    if name.startswith("sig_"):
        return t("err_signatory")
    return t("err_" + name) if name in FIELDS else t("err_other")


def clean(text: str) -> str:
    """A checker's message for a page that has no wording of its own for it: no backticks, no
    field paths (`customers[0].x`), no `--flags`."""
    text = re.sub(r"--[a-z][a-z-]*", "", text)
    text = re.sub(r"\b\w+(\[\d+\])?(\.\w+)+\b", "", text)
    return re.sub(r"\s{2,}", " ", text.replace("`", "")).strip(" :;,")
