"""Customers and the register of issued annexes: the queries pages and API share."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..infra.diagnostics import Diagnostic, error
from ..model import Customer
from .db import CustomerRow, IssuedAnnex, audit, utcnow
from .generate import Result
from .status import WAITS_ON, advance, shown_status


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


def record_preview(db: Session, customer_id: str, result: Result, actor: str) -> IssuedAnnex:
    """The customer's draft of this matrix and language: one preview row, brought up to date by
    each new preview until it is issued."""
    row = db.scalar(select(IssuedAnnex).where(
        IssuedAnnex.customer_id == customer_id, IssuedAnnex.matrix_id == result.matrix_id,
        IssuedAnnex.lang == result.lang, IssuedAnnex.status == "preview"))
    if row is None:
        row = IssuedAnnex(customer_id=customer_id, matrix_id=result.matrix_id, lang=result.lang,
                          created_by=actor, signed=False, status="preview")
        db.add(row)
    row.version, row.fingerprint, row.files = result.version, result.fingerprint, result.files
    row.created_at, row.status_at, row.status_by = utcnow(), utcnow(), actor
    db.flush()
    return row


def register(db: Session, customer_id: str, result: Result, actor: str) -> tuple[IssuedAnnex, bool]:
    """Record an issued annex; the same fingerprint issued again is the same row (returned,
    with False). The customer's preview of that matrix and language becomes the issued annex."""
    found = db.scalar(select(IssuedAnnex).where(IssuedAnnex.customer_id == customer_id,
                                                IssuedAnnex.fingerprint == result.fingerprint,
                                                IssuedAnnex.status != "preview"))
    if found is not None:
        return found, False
    row = db.scalar(select(IssuedAnnex).where(
        IssuedAnnex.customer_id == customer_id, IssuedAnnex.matrix_id == result.matrix_id,
        IssuedAnnex.lang == result.lang, IssuedAnnex.status == "preview"))
    if row is None:
        row = IssuedAnnex(customer_id=customer_id, matrix_id=result.matrix_id, lang=result.lang, signed=False)
        db.add(row)
    row.version, row.fingerprint, row.files, row.created_by = result.version, result.fingerprint, result.files, actor
    row.created_at = row.status_at = utcnow()
    row.status, row.status_by = "issued", actor
    db.flush()
    audit(db, actor, "issue", f"annex {row.id}",
          f"customer={customer_id} matrix={result.matrix_id} lang={result.lang} v{result.version} "
          f"fingerprint={result.fingerprint}")
    return row, True


def move(db: Session, annex: IssuedAnnex, to: str, actor: str, detail: str = "") -> bool:
    """Move an annex forward to `to` (never back); audited. False when it was there already."""
    new = advance(annex.status, to)
    if new == annex.status:
        return False
    annex.status, annex.status_at, annex.status_by = new, utcnow(), actor
    if new in ("customer_signed", "countersigned"):
        annex.signed, annex.signed_at = True, annex.status_at
    audit(db, actor, f"status-{new}", f"annex {annex.id}", detail)
    return True


def history(db: Session, customer_id: Optional[str]) -> list[IssuedAnnex]:
    query = select(IssuedAnnex).where(IssuedAnnex.status != "preview").order_by(IssuedAnnex.id.desc())
    if customer_id is not None:
        query = query.where(IssuedAnnex.customer_id == customer_id)
    return list(db.scalars(query.limit(500)))


def on_days(column, since: Optional[dt.date], until: Optional[dt.date]) -> list:
    """Conditions: `column` (a UTC time) on a day from `since` to `until`, both included."""
    out = []
    if since:
        out.append(column >= dt.datetime.combine(since, dt.time()))
    if until:
        out.append(column < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return out


@dataclass(frozen=True)
class Filters:
    """What the annex list is narrowed to (each empty means any)."""
    status: str = ""
    customer: str = ""
    matrix: str = ""
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None


def annexes(db: Session, filters: Filters, versions: dict[tuple[str, str], str],
            limit: int = 5000) -> list[tuple[IssuedAnnex, str]]:
    """The register's annexes with the status each shows (web/status.py), newest first."""
    query = select(IssuedAnnex).order_by(IssuedAnnex.created_at.desc(), IssuedAnnex.id.desc()).limit(limit)
    if filters.customer:
        query = query.where(IssuedAnnex.customer_id == filters.customer)
    if filters.matrix:
        query = query.where(IssuedAnnex.matrix_id == filters.matrix)
    query = query.where(*on_days(IssuedAnnex.created_at, filters.since, filters.until))
    out = [(a, shown_status(a.status, a.version, versions.get((a.matrix_id, a.lang)))) for a in db.scalars(query)]
    return [(a, s) for a, s in out if not filters.status or s == filters.status]


def waiting(rows: list[tuple[IssuedAnnex, str]], versions: dict[tuple[str, str], str]) -> dict[str, list]:
    """Who each open annex waits on: sales, the customer, legal. A superseded annex waits on
    sales only while no annex of the current version exists for that customer and matrix."""
    current = {(a.customer_id, a.matrix_id, a.lang) for a, _ in rows
               if a.version == versions.get((a.matrix_id, a.lang))}
    out: dict[str, list] = {"sales": [], "customer": [], "legal": []}
    for annex, status in rows:
        if status == "superseded" and (annex.customer_id, annex.matrix_id, annex.lang) in current:
            continue
        who = WAITS_ON[status]
        if who:
            out[who].append((annex, status))
    return out
