"""Read customer files (YAML; CSV for sales ops) into the model, with located errors."""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..diagnostics import InputError, error
from ..model import Customer, CustomerFile
from ..yamlsource import YamlDocument, load_yaml
from .modelerrors import diagnostics_from


def read_customers(path: str | Path) -> tuple[list[Customer], YamlDocument]:
    """Every customer of a file; raise InputError with every problem found."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        from .customers_csv import read_customers_csv
        return read_customers_csv(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict) or "customers" not in doc.data:
        raise InputError([error(doc.path, "a customer file must have a `customers:` list", line=1,
                                hint="see data/customers/example.yaml")])
    try:
        parsed = CustomerFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(diagnostics_from(exc, doc, CustomerFile)) from None
    seen: dict[str, int] = {}
    problems = []
    for i, customer in enumerate(parsed.customers):
        if customer.id in seen:
            loc = doc.where(("customers", i, "id"))
            problems.append(error(doc.path, f"customer id `{customer.id}` is used twice", line=loc.line,
                                  column=loc.column, field=f"customers[{i}].id",
                                  related=(doc.where(("customers", seen[customer.id], "id")),),
                                  hint="customer ids name output folders; make each unique"))
        seen.setdefault(customer.id, i)
    if problems:
        raise InputError(problems)
    return list(parsed.customers), doc


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
