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

from ..infra.diagnostics import Diagnostic, InputError, error, quoted
from ..infra.yamlsource import YamlDocument, load_yaml
from ..model import Customer
from ..model.limits import MAX_CUSTOMERS
from .customers_csv import read_csv_document
from .modelerrors import diagnostics_from


@dataclass(frozen=True)
class CustomerEntry:
    """One customer of a file: the model, or why it cannot be used."""

    index: int
    raw_id: str  # as written, for reports even when invalid
    customer: Optional[Customer]
    problems: tuple[Diagnostic, ...] = ()
    matrices: tuple[str, ...] = ()


def read_customer_entries(path: str | Path, *, text: Optional[str] = None
                          ) -> tuple[list[CustomerEntry], YamlDocument]:
    """Every customer of a file, each validated on its own; raise only if the file is unusable."""
    path = Path(path)
    row_problems: dict[int, list[Diagnostic]] = {}
    if path.suffix.lower() == ".csv":
        doc, row_problems = read_csv_document(path)
    else:
        doc = load_yaml(path, text=text)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("customers"), list):
        raise InputError([error(doc.path, "a customer file must have a `customers:` list", line=1,
                                hint="see data/customers/example.yaml")])
    extra = [k for k in data if k != "customers"]
    if extra:
        loc = doc.where((extra[0],), key=True)
        raise InputError([error(doc.path, f"unknown key `{quoted(extra[0])}`", line=loc.line, column=loc.column,
                                hint="a customer file holds only `customers:`", code="unknown-key")])
    if len(data["customers"]) > MAX_CUSTOMERS:
        loc = doc.where(("customers", MAX_CUSTOMERS))
        raise InputError([error(doc.path, f"more than {MAX_CUSTOMERS:,} customers in one file",
                                line=loc.line, column=loc.column, code="limit",
                                hint="split the file; the limits on input are listed in README.md (Data, Limits)")])
    entries: list[CustomerEntry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["customers"]):
        entry = _entry(doc, i, raw, row_problems.get(i, []), seen)
        if entry.customer is not None:
            seen.setdefault(entry.customer.id.lower(), i)
        entries.append(entry)
    return entries, doc


def _entry(doc: YamlDocument, i: int, raw: object, problems: list[Diagnostic], seen: dict[str, int]) -> CustomerEntry:
    """One customer: the model if it is valid and its id is free, else every problem found."""
    # as written (the manifest's JSON keeps it; messages and log lines show it escaped)
    raw_id = str(raw.get("id", f"#{i + 1}"))[:200] if isinstance(raw, dict) else f"#{i + 1}"
    listed = raw.get("matrices") if isinstance(raw, dict) else None
    listed = listed if isinstance(listed, list) else []
    matrices = tuple(dict.fromkeys(m[:200] for m in listed if isinstance(m, str)))
    problems = problems + _repeated_matrices(doc, i, raw_id, listed)
    try:
        customer = Customer.model_validate(raw)
    except ValidationError as exc:
        diags = problems + diagnostics_from(exc, doc, Customer, prefix=("customers", i))
        return CustomerEntry(i, raw_id, None, tuple(diags), matrices)
    problems = problems + _id_taken(doc, i, customer.id, seen)
    return CustomerEntry(i, raw_id, None if problems else customer, tuple(problems), matrices)


def _id_taken(doc: YamlDocument, i: int, cid: str, seen: dict[str, int]) -> list[Diagnostic]:
    """Ids name output folders: two ids that differ only by case are one folder on Windows and macOS."""
    first = seen.get(cid.lower())
    if first is None:
        return []
    other = doc.data["customers"][first]["id"]
    loc = doc.where(("customers", i, "id"))
    message = (f"customer id `{cid}` is used twice" if other == cid else
               f"customer id `{cid}` differs from `{other}` only by case: both would write to one folder "
               "on a case-insensitive file system (Windows, macOS)")
    return [error(doc.path, message, line=loc.line, column=loc.column, field=f"customers[{i}].id",
                  code="duplicate-customer", related=(doc.where(("customers", first, "id")),),
                  hint="customer ids name output folders; make each unique, ignoring case")]


def _repeated_matrices(doc: YamlDocument, i: int, raw_id: str, listed: list) -> list[Diagnostic]:
    """The same matrix twice would build (and count) the same annex twice."""
    out: list[Diagnostic] = []
    first: dict[str, int] = {}
    for j, mid in enumerate(listed):
        if not isinstance(mid, str):
            continue
        if mid in first:
            loc = doc.where(("customers", i, "matrices", j))
            out.append(error(doc.path, f"customer `{quoted(raw_id)}`: matrix `{quoted(mid)}` is listed twice",
                             line=loc.line, column=loc.column, field=f"customers[{i}].matrices[{j}]",
                             code="duplicate-matrix", related=(doc.where(("customers", i, "matrices", first[mid])),),
                             hint="list each matrix once"))
        first.setdefault(mid, j)
    return out


def read_customers(path: str | Path, *, text: Optional[str] = None) -> tuple[list[Customer], YamlDocument]:
    """Every customer of a file; raise InputError with every problem found."""
    entries, doc = read_customer_entries(path, text=text)
    problems = [d for e in entries for d in e.problems]
    if problems:
        raise InputError(problems)
    return [e.customer for e in entries if e.customer is not None], doc  # no problems: every entry has one


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
