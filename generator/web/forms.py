"""The customer form and the API's customer object, validated exactly as a customer YAML file:
the same pydantic `Customer` model, the same located diagnostics (readers/modelerrors.py), the
same checks against the matrices (`validate.check_customers`). Each diagnostic is filed under
the form field it concerns, so the page shows it next to that field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from ..infra.diagnostics import Diagnostic, Location
from ..infra.yamlsource import YamlDocument
from ..model import Customer
from ..readers.modelerrors import diagnostics_from

PLAIN = ("id", "name", "contract", "annex", "lang", "locale", "effective_date")
SIGNATORY = ("name", "title", "place")


@dataclass
class Checked:
    customer: Optional[Customer]
    errors: dict[str, list[Diagnostic]] = field(default_factory=dict)  # form field -> problems

    @property
    def all(self) -> list[Diagnostic]:
        return [d for ds in self.errors.values() for d in ds]


def form_field(diag_field: str) -> str:
    """`customers[0].signatories.customer.name` -> `sig_customer_name`; `...deviations[1].roles` ->
    `deviations`; `customers[0].effective_date` -> `effective_date`."""
    f = re.sub(r"^(customers\[\d+\]|customer)\.?", "", diag_field)
    parts = re.split(r"[.\[]", f)
    if parts[0] == "signatories" and len(parts) >= 3:
        return f"sig_{parts[1]}_{parts[2]}"
    return parts[0] or "form"


def customer_data(form: dict[str, Any], parties: list[str]) -> tuple[dict, YamlDocument, list[Diagnostic]]:
    """Form fields into the plain data of one customer (as a YAML file gives it); the deviation
    rows are added by the caller (web/deviation_rows.py)."""
    data: dict[str, Any] = {}
    for key in PLAIN:
        value = str(form.get(key) or "").strip()
        if value:
            data[key] = value
    matrices = [m for m in form.get("matrices", []) if m]
    if matrices:
        data["matrices"] = matrices
    for party in parties:
        sig = {k: str(form.get(f"sig_{party}_{k}") or "").strip() for k in SIGNATORY}
        if any(sig.values()):
            data.setdefault("signatories", {})[party] = {k: v for k, v in sig.items() if v}
    return data, YamlDocument("customer", {"customers": [data]}), []


def check_customer(data: dict, doc: YamlDocument, data_dir: Path, known: Optional[dict] = None,
                   extra: tuple[Diagnostic, ...] | list[Diagnostic] = ()) -> Checked:
    """Validate one customer's data as `annex validate` validates a customer file."""
    from ..commands.validate import check_customers
    problems = list(extra)
    customer = None
    doc.data = {"customers": [data]}
    try:
        customer = Customer.model_validate(data)
    except ValidationError as exc:
        problems.extend(diagnostics_from(exc, doc, Customer, prefix=("customers", 0)))
    if customer is not None and not problems:
        problems.extend(d for d in check_customers([customer], doc, known if known is not None
                                                   else known_matrices(data_dir)) if d.is_error)
    out = Checked(customer if not problems else None)
    for d in map(_for_one, problems):
        out.errors.setdefault(form_field(d.field) if d.field else "form", []).append(d)
    return out


def _for_one(d: Diagnostic) -> Diagnostic:
    """Say `customer.name`, not `customers[0].name`, and no line for a field that has none."""
    loc = d.location
    if loc.path == "customer":
        loc = Location(loc.path)
    return Diagnostic(loc, d.message, d.hint, re.sub(r"^customers\[0\]", "customer", d.field), d.severity,
                      d.code, d.related)


def known_matrices(data_dir: Path) -> dict:
    """(matrix id, lang) -> loaded matrix, for every readable matrix file under the data folder."""
    from ..commands import validate
    known: dict = {}
    validate.load_known_matrices(Path(data_dir), known)  # the same set `annex validate --data` uses
    return known


def diagnostic_json(d: Diagnostic) -> dict:
    """A diagnostic as the API returns it: the CLI's message, and its parts for a program."""
    return {"message": d.format(), "field": form_field(d.field) if d.field else "", "problem": d.message,
            "fix": d.hint, "location": str(d.location)}
