"""The register as sales and legal work from it: what waits on whom, the annexes filtered by
status, customer, matrix and date, and one annex with its next step and the actions of each
role (mark it sent, legal's review DOCX and signed PDF started from the annex itself)."""
from __future__ import annotations

import datetime as dt
from typing import Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import CustomerRow, IssuedAnnex
from .deps import Auth, RowId, db_session, form_user, page_user, row_or_404
from .errors import Refused
from .matrices import current_versions, offered, title_of
from .registry import Filters, annexes, move, waiting
from .render import render
from .status import SHOWN, shown_status

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _names(db: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in db.scalars(select(CustomerRow).where(CustomerRow.id.in_(ids)))}


def _day(text: str) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Refused(400, "bad_request", "date") from None


def _titles(request: Request, lang: str) -> dict[str, str]:
    return {m["id"]: m["title"] for m in offered(request.app.state.settings.data_dir, lang, drafts=True)}


@router.get("/dashboard")
def dashboard(request: Request, auth: Auth = Depends(page_user()),
              db: Session = Depends(db_session, scope="function")) -> Response:
    versions = current_versions(request.app.state.settings.data_dir)
    rows = annexes(db, Filters(), versions)
    groups = waiting(rows, versions)
    return render(request, "dashboard.html", groups=groups, titles=_titles(request, auth.user.lang),
                  names=_names(db, {a.customer_id for a, _ in rows}))


@router.get("/annexes")
def annex_list(request: Request, status: str = "", customer: str = "", matrix: str = "", since: str = "",
               until: str = "", page: int = 1, auth: Auth = Depends(page_user()),
               db: Session = Depends(db_session, scope="function")) -> Response:
    if status and status not in SHOWN:
        raise Refused(400, "bad_request", "status")
    filters = Filters(status, customer, matrix, _day(since), _day(until))
    rows = annexes(db, filters, current_versions(request.app.state.settings.data_dir))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    customers = sorted(_names(db, set(db.scalars(select(IssuedAnnex.customer_id).distinct()))).items(),
                       key=lambda item: item[1].casefold())
    return render(request, "annexes.html", rows=shown, filters=filters, page=page, pages=pages, statuses=SHOWN,
                  customers=customers, titles=_titles(request, auth.user.lang),
                  names=_names(db, {a.customer_id for a, _ in shown}),
                  page_query=lambda n: urlencode({**request.query_params, "page": n}))


@router.get("/annexes/{aid}")
def annex_page(request: Request, aid: RowId, done: str = "", auth: Auth = Depends(page_user()),
               db: Session = Depends(db_session, scope="function")) -> Response:
    annex = row_or_404(db, IssuedAnnex, aid)
    settings = request.app.state.settings
    data_dir = settings.data_dir
    status = shown_status(annex.status, annex.version, current_versions(data_dir).get((annex.matrix_id, annex.lang)))
    return render(request, "annex.html", annex=annex, state=status, row=db.get(CustomerRow, annex.customer_id),
                  title=title_of(data_dir, annex.matrix_id, auth.user.lang), done=done,
                  download=request.query_params.get("download", "") if done in ("issued", "again") else "",
                  trusts_signers=bool(settings.trust or settings.provider_certs))


@router.post("/annexes/{aid}/sent")
def mark_sent(request: Request, aid: RowId, auth: Auth = Depends(form_user()),
              db: Session = Depends(db_session, scope="function")) -> Response:
    annex = row_or_404(db, IssuedAnnex, aid)
    if annex.status == "preview":
        raise Refused(409, "bad_request", "preview")
    move(db, annex, "sent", auth.user.name)
    return RedirectResponse(f"/annexes/{annex.id}?done=sent", status_code=303)
