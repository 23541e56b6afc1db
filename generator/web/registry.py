"""Customers and the register of issued annexes: the queries pages and API share."""
from __future__ import annotations

import unicodedata
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..infra.diagnostics import Diagnostic, error
from ..model import Customer
from .db import CustomerRow, IssuedAnnex, audit, utcnow
from .generate import Result


def search_key(*parts: Optional[str]) -> str:
    """Lower case without accents: `Électricité` is found by `electricite`, on SQLite (whose
    lower() knows only ASCII) as on PostgreSQL."""
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def search_customers(db: Session, q: str, limit: int = 50) -> list[CustomerRow]:
    """Customers whose id, name or contract holds `q` (all when `q` is empty), by name."""
    query = select(CustomerRow).order_by(CustomerRow.name).limit(limit)
    key = search_key(q.strip())
    if key:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(CustomerRow.search.like(f"%{escaped}%", escape="\\"))
    return list(db.scalars(query))


def case_twin(db: Session, cid: str) -> Optional[str]:
    """The id of another customer that differs from `cid` only by case, or None: ids name the
    folders `annex batch` writes, one folder on a case-insensitive file system (the files' rule,
    readers/customers.py)."""
    return db.scalar(select(CustomerRow.id).where(func.lower(CustomerRow.id) == cid.lower(), CustomerRow.id != cid))


def twin_problem(cid: str, other: str) -> Diagnostic:
    return error("customer", f"customer id `{cid}` differs from `{other}` only by case: both would write to one "
                 "folder on a case-insensitive file system (Windows, macOS)", field="id", code="duplicate-customer",
                 hint=f"use `{other}` to update that customer, or choose an id unique ignoring case")


def save_customer(db: Session, customer: Customer, actor: str) -> tuple[CustomerRow, bool]:
    """Insert or update a customer; returns the row and whether it is new. Audited."""
    data = customer.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["id"] = customer.id
    data["name"] = customer.name
    found = db.get(CustomerRow, customer.id)
    created = found is None
    if found is None:
        row = CustomerRow(id=customer.id)
        db.add(row)
    elif found.data == data:
        return found, False
    else:
        row = found
    row.name, row.contract, row.data = customer.name, customer.contract, data
    row.search = search_key(customer.id, customer.name, customer.contract)
    row.updated_at, row.updated_by = utcnow(), actor
    audit(db, actor, "customer-create" if created else "customer-update", customer.id)
    return row, created


def register(db: Session, customer_id: str, result: Result, actor: str) -> IssuedAnnex:
    row = IssuedAnnex(customer_id=customer_id, matrix_id=result.matrix_id, lang=result.lang, version=result.version,
                      fingerprint=result.fingerprint, files=result.files, created_by=actor, signed=False)
    db.add(row)
    db.flush()
    audit(db, actor, "issue", f"annex {row.id}",
          f"customer={customer_id} matrix={result.matrix_id} lang={result.lang} v{result.version} "
          f"fingerprint={result.fingerprint}")
    return row


def history(db: Session, customer_id: Optional[str]) -> list[IssuedAnnex]:
    query = select(IssuedAnnex).order_by(IssuedAnnex.id.desc())
    if customer_id is not None:
        query = query.where(IssuedAnnex.customer_id == customer_id)
    return list(db.scalars(query.limit(500)))
