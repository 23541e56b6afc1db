"""Read customer files (YAML; CSV for sales ops) into the model, with located errors.

Customers are validated one by one: in a batch, one customer's bad data must fail that
customer alone (`read_customer_entries`); `read_customers` is the strict form used by
`annex build` and `annex validate`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..diagnostics import Diagnostic, InputError, error
from ..model import Customer
from ..yamlsource import YamlDocument, load_yaml
from .modelerrors import diagnostics_from


@dataclass(frozen=True)
class CustomerEntry:
    """One customer of a file: the model, or why it cannot be used."""

    index: int
    raw_id: str  # as written, for reports even when invalid
    customer: Optional[Customer]
    problems: tuple[Diagnostic, ...] = ()
    matrices: tuple[str, ...] = ()


def read_customer_entries(path: str | Path) -> tuple[list[CustomerEntry], YamlDocument]:
    """Every customer of a file, each validated on its own; raise only if the file is unusable."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        from .customers_csv import read_csv_document
        doc = read_csv_document(path)
    else:
        doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("customers"), list):
        raise InputError([error(doc.path, "a customer file must have a `customers:` list", line=1,
                                hint="see data/customers/example.yaml")])
    extra = [k for k in data if k != "customers"]
    if extra:
        loc = doc.where((extra[0],), key=True)
        raise InputError([error(doc.path, f"unknown key `{extra[0]}`", line=loc.line, column=loc.column,
                                hint="a customer file holds only `customers:`", code="unknown-key")])
    entries: list[CustomerEntry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["customers"]):
        raw_id = str(raw.get("id", f"#{i + 1}")) if isinstance(raw, dict) else f"#{i + 1}"
        matrices = tuple(str(m) for m in raw.get("matrices", []) if isinstance(m, str)) \
            if isinstance(raw, dict) and isinstance(raw.get("matrices"), list) else ()
        try:
            customer = Customer.model_validate(raw)
        except ValidationError as exc:
            diags = diagnostics_from(exc, doc, Customer, prefix=("customers", i))
            entries.append(CustomerEntry(i, raw_id, None, tuple(diags), matrices))
            continue
        problems: tuple[Diagnostic, ...] = ()
        if customer.id in seen:
            loc = doc.where(("customers", i, "id"))
            problems = (error(doc.path, f"customer id `{customer.id}` is used twice", line=loc.line,
                              column=loc.column, field=f"customers[{i}].id", code="duplicate-customer",
                              related=(doc.where(("customers", seen[customer.id], "id")),),
                              hint="customer ids name output folders; make each unique"),)
        seen.setdefault(customer.id, i)
        entries.append(CustomerEntry(i, raw_id, None if problems else customer, problems, matrices))
    return entries, doc


def read_customers(path: str | Path) -> tuple[list[Customer], YamlDocument]:
    """Every customer of a file; raise InputError with every problem found."""
    entries, doc = read_customer_entries(path)
    problems = [d for e in entries for d in e.problems]
    if problems:
        raise InputError(problems)
    return [e.customer for e in entries], doc


def split_ref(ref: str) -> tuple[str, str | None]:
    """`FILE#ID` -> (FILE, ID); a plain FILE -> (FILE, None)."""
    file, sep, cid = ref.partition("#")
    return file, (cid if sep else None)


def pick_customer(ref: str) -> tuple[Customer, YamlDocument]:
    """The customer named by `FILE#ID`, or the only customer of FILE."""
    file, cid = split_ref(ref)
    customers, doc = read_customers(file)
    if cid is None:
        if len(customers) == 1:
            return customers[0], doc
        raise InputError([error(file, f"holds {len(customers)} customers; say which one",
                                hint=f"use {file}#ID with ID one of: {', '.join(c.id for c in customers)}")],
                         unreadable=True)
    for c in customers:
        if c.id == cid:
            return c, doc
    raise InputError([error(file, f"no customer with id `{cid}`",
                            hint=f"ids in this file: {', '.join(c.id for c in customers)}")], unreadable=True)
