"""The audit log as an administrator reads it: filtered by who, what, on what and when, a page
at a time, and exported as CSV whose cells a spreadsheet shows as text (the manifest's rule)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..manifest import csv_cell
from .db import AuditEvent
from .registry import on_days

PAGE_SIZE = 100
MAX_EXPORT = 100_000
COLUMNS = ("id", "at", "actor", "action", "subject", "detail")


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    subject: str = ""
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query(f: AuditFilters) -> Select:
    q = select(AuditEvent)
    if f.actor:
        q = q.where(AuditEvent.actor == f.actor)
    if f.action:
        q = q.where(AuditEvent.action == f.action)
    if f.subject:
        q = q.where(AuditEvent.subject.like(f"%{_escaped(f.subject)}%", escape="\\"))
    return q.where(*on_days(AuditEvent.at, f.since, f.until))


def page_of(db: Session, f: AuditFilters, page: int) -> tuple[list[AuditEvent], int, int]:
    """The events of one page (newest first), the page number kept in range, and the page count."""
    total = db.scalar(select(func.count()).select_from(query(f).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(query(f).order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), page, pages


def actions(db: Session) -> list[str]:
    return sorted(db.scalars(select(AuditEvent.action).distinct()))


def as_csv(db: Session, f: AuditFilters) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in db.scalars(query(f).order_by(AuditEvent.id).limit(MAX_EXPORT)):
        writer.writerow([csv_cell(v) for v in (e.id, e.at.isoformat() + "Z", e.actor, e.action, e.subject, e.detail)])
    return out.getvalue()
