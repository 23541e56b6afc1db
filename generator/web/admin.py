"""Administration: users and roles, the customers as YAML/CSV (the files `annex batch` reads), the
audit log. Matrices are not edited here: the files under data/ stay their source of truth."""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..infra.diagnostics import InputError
from ..model.matrix import LANGUAGES
from ..readers.customers import read_customer_entries
from ..readers.customers_csv import PLAIN_FIELDS, SIGNATORY_FIELDS
from . import audit_log
from .accounts import AccountError, add_user, set_password
from .audit_log import AuditFilters
from .config import ROLES
from .db import CustomerRow, User, WebSession, audit
from .deps import Auth, RowId, db_session, form_user, page_user, read_upload
from .errors import Refused
from .forms import known_matrices
from .registry import case_twin, save_customer, twin_problem
from .render import render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _users_page(request: Request, db: Session, status: int = 200, **extra) -> Response:
    users = list(db.scalars(select(User).order_by(User.name)))
    return render(request, "admin_users.html", status, users=users, roles=ROLES, languages=LANGUAGES, **extra)


@router.get("/users")
def users(request: Request, saved: str = "", auth: Auth = Depends(page_user("admin")),
          db: Session = Depends(db_session, scope="function")) -> Response:
    return _users_page(request, db, saved=bool(saved))


@router.post("/users")
async def create_user(request: Request, auth: Auth = Depends(form_user("admin")),
                      db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(add_user, db, str(form.get("name") or ""), str(form.get("password") or ""),
                                str(form.get("role") or ""), lang=str(form.get("lang") or "en"), actor=auth.user.name)
    except AccountError as exc:
        return _users_page(request, db, 400, problem=str(exc))
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/users/{uid}")
async def change_user(request: Request, uid: RowId, auth: Auth = Depends(form_user("admin")),
                      db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    user = db.get(User, uid)
    role = str(form.get("role") or "")
    if user is None or role not in ROLES:
        raise Refused(400, "bad_request")
    if user.id == auth.user.id and (role != "admin" or form.get("active") != "on"):
        return _users_page(request, db, 400, problem="you cannot demote or deactivate yourself")
    password = str(form.get("password") or "")
    if password:
        try:
            await run_in_threadpool(set_password, db, user, password, actor=auth.user.name)
        except AccountError as exc:
            return _users_page(request, db, 400, problem=str(exc))
    user.role, user.active = role, form.get("active") == "on"
    if not user.active:
        db.query(WebSession).filter(WebSession.user_id == user.id).delete()
    audit(db, auth.user.name, "user-change", user.name, f"role={role} active={user.active}")
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.get("/customers")
def customers_admin(request: Request, auth: Auth = Depends(page_user("admin"))) -> Response:
    return render(request, "admin_customers.html")


def all_customers(db: Session) -> list[dict]:
    return [row.data for row in db.scalars(select(CustomerRow).order_by(CustomerRow.id))]


@router.get("/customers/export.yaml")
def export_yaml(auth: Auth = Depends(page_user("admin")),
                db: Session = Depends(db_session, scope="function")) -> Response:
    text = yaml.safe_dump({"customers": all_customers(db)}, allow_unicode=True, sort_keys=False)
    audit(db, auth.user.name, "export", "customers", "yaml")
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="customers.yaml"'})


@router.get("/customers/export.csv")
def export_csv(auth: Auth = Depends(page_user("admin")),
               db: Session = Depends(db_session, scope="function")) -> Response:
    """The CSV columns of the README; deviations need a side file, so they travel in the YAML only."""
    rows = all_customers(db)
    parties = sorted({p for r in rows for p in (r.get("signatories") or {})})
    header = list(PLAIN_FIELDS) + ["matrices"] + [f"{p}_{k}" for p in parties for k in SIGNATORY_FIELDS]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        line = {k: r.get(k, "") for k in PLAIN_FIELDS}
        line["matrices"] = ";".join(r.get("matrices", []))
        for p, sig in (r.get("signatories") or {}).items():
            for k in SIGNATORY_FIELDS:
                line[f"{p}_{k}"] = sig.get(k, "")
        writer.writerow(line)
    audit(db, auth.user.name, "export", "customers", "csv")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="customers.csv"'})


@router.post("/customers/import")
async def import_customers(request: Request, auth: Auth = Depends(form_user("admin")),
                           db: Session = Depends(db_session, scope="function")) -> Response:
    form, data = await read_upload(request)
    filename = str(getattr(form.get("file"), "filename", "") or "upload")
    suffix = ".csv" if filename.lower().endswith(".csv") else ".yaml"
    saved, problems = await run_in_threadpool(_import, request, db, auth, data, suffix, filename)
    return render(request, "admin_customers.html", 400 if problems else 200, saved=saved, problems=problems)


def _import(request: Request, db: Session, auth: Auth, data: bytes, suffix: str, name: str):
    """Read the upload as `annex batch` reads a customer file; keep the valid customers."""
    from ..commands.validate import check_customers
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"customers{suffix}"
        path.write_bytes(data)
        try:
            entries, doc = read_customer_entries(path)
        except InputError as exc:
            return [], [d.format().replace(str(path), name) for d in exc.diagnostics]
        known = known_matrices(request.app.state.settings.data_dir)
        problems = [d.format().replace(str(path), name) for e in entries for d in e.problems]
        valid = [e for e in entries if e.customer is not None]
        good = [e.customer for e in valid]
        found = [d for d in check_customers(good, _Renumbered(doc, [e.index for e in valid]), known) if d.is_error]
        broken = {d.field.split("]")[0] + "]" for d in found}
        problems += [d.format().replace(str(path), name) for d in found]
    saved = []
    for i, c in enumerate(good):
        if f"customers[{i}]" in broken or c is None:
            continue
        twin = case_twin(db, c.id)
        if twin is not None:
            problems.append(f"{name}: {twin_problem(c.id, twin).message}")
            continue
        save_customer(db, c, auth.user.name)
        saved.append(c.id)
    audit(db, auth.user.name, "import", "customers", f"{len(saved)} saved, {len(problems)} problem(s)")
    return saved, problems


class _Renumbered:
    """The file's positions for a list of its valid customers only (index j is entry index[j])."""

    def __init__(self, doc, index: list[int]):
        self.doc, self.index, self.path = doc, index, doc.path

    def where(self, loc, *, key: bool = False):
        if len(loc) >= 2 and loc[0] == "customers":
            loc = ("customers", self.index[loc[1]]) + tuple(loc[2:])
        return self.doc.where(loc, key=key)


def _audit_filters(actor: str, action: str, subject: str, since: str, until: str) -> AuditFilters:
    try:
        return AuditFilters(actor.strip(), action.strip(), subject.strip(),
                            dt.date.fromisoformat(since) if since else None,
                            dt.date.fromisoformat(until) if until else None)
    except ValueError:
        raise Refused(400, "bad_request", "date") from None


@router.get("/audit")
def audit_page(request: Request, actor: str = "", action: str = "", subject: str = "", since: str = "",
               until: str = "", page: int = 1, auth: Auth = Depends(page_user("admin")),
               db: Session = Depends(db_session, scope="function")) -> Response:
    filters = _audit_filters(actor, action, subject, since, until)
    events, page, pages = audit_log.page_of(db, filters, page)
    return render(request, "admin_audit.html", events=events, filters=filters, page=page, pages=pages,
                  actions=audit_log.actions(db), query=urlencode({k: v for k, v in request.query_params.items()
                                                                   if k != "page"}))


@router.get("/audit.csv")
def audit_csv(actor: str = "", action: str = "", subject: str = "", since: str = "", until: str = "",
              auth: Auth = Depends(page_user("admin")),
              db: Session = Depends(db_session, scope="function")) -> Response:
    text = audit_log.as_csv(db, _audit_filters(actor, action, subject, since, until))
    audit(db, auth.user.name, "export", "audit log", "csv")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
