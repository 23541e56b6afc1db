"""The pages sales and legal use: sign in, find or create a customer, preview, issue, download."""
from __future__ import annotations

import hmac
from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool

from ..model.matrix import LANGUAGES
from .accounts import AccountError, check_password, close_session, open_session, set_password
from .conflicts import conflict_of
from .db import CustomerRow, IssuedAnnex, User, audit
from .deps import Auth, RowId, cookie_name, db_session, form_user, new_login_token, page_user
from .errors import Refused
from .forms import check_customer, customer_data, known_matrices
from .generate import known_matrices as matrix_folders
from .generate import matrix_status
from .i18n import words
from .registry import case_twin, history, register, save_customer, search_customers, twin_problem
from .render import render

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "annex-login"
MEDIA = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "png": "image/png"}


def _safe_next(target: str) -> str:
    """Only a path of this site: never `//evil.example` or a full URL (an open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    token = new_login_token()
    response = render(request, "login.html", next=_safe_next(next), login_csrf=token)
    _login_cookie(request, response, token)
    return response


def _login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.app.state.settings.secure_cookies)


@router.post("/login")
async def login(request: Request, db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    next_ = _safe_next(str(form.get("next") or "/"))
    sent, kept = str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not kept or not hmac.compare_digest(sent, kept):
        raise Refused(403, "csrf_refused")
    limiter = request.app.state.limiter
    address = request.client.host if request.client else "-"
    if not await run_in_threadpool(limiter.attempt, name, address):
        return _login_again(request, 429, "too_many_attempts", next_)
    settings = request.app.state.settings
    user = await run_in_threadpool(check_password, db, name, password)
    if user is None:
        audit(db, name[:64] or "-", "login-failed", "session")
        return _login_again(request, 401, "bad_login", next_)
    await run_in_threadpool(limiter.succeeded, name, address)
    token = open_session(db, user, settings.session_hours)
    audit(db, user.name, "login", "session")
    response = RedirectResponse(next_, status_code=303)
    response.set_cookie(cookie_name(settings), token, httponly=True, samesite="lax", path="/",
                        secure=settings.secure_cookies, max_age=settings.session_hours * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _login_again(request: Request, status: int, key: str, next_: str) -> Response:
    token = new_login_token()
    response = render(request, "login.html", status, next=next_, login_csrf=token, error_key=key)
    _login_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, auth: Auth = Depends(form_user()),
           db: Session = Depends(db_session, scope="function")) -> Response:
    close_session(db, request.cookies.get(cookie_name(request.app.state.settings), ""))
    audit(db, auth.user.name, "logout", "session")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(request.app.state.settings), path="/")
    return response


@router.get("/")
def home(auth: Auth = Depends(page_user())) -> Response:
    return RedirectResponse("/customers", status_code=303)


@router.get("/customers")
def customers(request: Request, q: str = "", auth: Auth = Depends(page_user()),
              db: Session = Depends(db_session, scope="function")) -> Response:
    return render(request, "customers.html", q=q, rows=search_customers(db, q))


def _parties(request: Request) -> list[str]:
    """Party ids of the matrices, for the signatory fields (customer, provider in the shipped data)."""
    found: list[str] = []
    for loaded in known_matrices(request.app.state.settings.data_dir).values():
        found += [p.id for p in loaded.matrix.parties if p.id not in found]
    return found or ["customer", "provider"]


def _form_page(request: Request, values: dict, errors: dict, existing: Optional[str], status: int = 200,
               **extra) -> Response:
    return render(request, "customer_form.html", status, values=values, errors=errors, existing=existing, **extra,
                  parties=_parties(request), languages=LANGUAGES,
                  matrices=[m for m, _ in matrix_folders(request.app.state.settings.data_dir)])


def form_values(form) -> dict:
    values = {k: form.get(k) for k in form.keys()}
    values["matrices"] = form.getlist("matrices")
    return values


@router.get("/customers/new")
def new_customer(request: Request, auth: Auth = Depends(page_user())) -> Response:
    return _form_page(request, {"lang": auth.user.lang if auth.user.lang in LANGUAGES else "fr"}, {}, None)


@router.get("/customers/{cid}/edit")
def edit_customer(request: Request, cid: str, auth: Auth = Depends(page_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    row = _customer(db, cid)
    return _form_page(request, {**_values_of(row.data), "version": row.version}, {}, cid)


def _values_of(data: dict) -> dict:
    import yaml
    values = {k: v for k, v in data.items() if k not in ("signatories", "deviations")}
    for party, sig in (data.get("signatories") or {}).items():
        for k, v in sig.items():
            values[f"sig_{party}_{k}"] = v
    if data.get("deviations"):
        values["deviations"] = yaml.safe_dump(data["deviations"], allow_unicode=True, sort_keys=False)
    return values


@router.post("/customers/new")
@router.post("/customers/{cid}/edit")
async def save_customer_form(request: Request, cid: Optional[str] = None, auth: Auth = Depends(form_user()),
                             db: Session = Depends(db_session, scope="function")) -> Response:
    values = form_values(await request.form())
    if cid is not None:
        row = _customer(db, cid)
        values["id"] = cid  # the id names the customer's folder and register: it does not change
        conflict = conflict_of(row, values, _values_of(row.data))
        if conflict is not None:  # saved by someone else since this form was opened
            return _form_page(request, {**values, "version": row.version}, {}, cid, 409, conflict=conflict,
                              saved_by=row.updated_by)
    return await run_in_threadpool(_save_customer, request, auth, db, values, cid)


def _save_customer(request: Request, auth: Auth, db: Session, values: dict, cid: Optional[str]) -> Response:
    settings = request.app.state.settings
    data, doc, problems = customer_data(values, _parties(request))
    checked = check_customer(data, doc, settings.data_dir, extra=problems)
    if checked.customer is None:
        return _form_page(request, values, checked.errors, cid, 400)
    if cid is None and db.get(CustomerRow, checked.customer.id) is not None:
        return _form_page(request, values, {"id": [_taken(checked.customer.id)]}, None, 400)
    twin = case_twin(db, checked.customer.id) if cid is None else None
    if twin is not None:
        return _form_page(request, values, {"id": [twin_problem(checked.customer.id, twin)]}, None, 400)
    save_customer(db, checked.customer, auth.user.name)
    try:
        db.flush()  # the UPDATE checks the version too: a save that raced this one wins, this one is told
    except StaleDataError:
        db.rollback()
        return _form_page(request, values, {}, cid, 409, conflict=[], saved_by="")
    return RedirectResponse(f"/customers/{checked.customer.id}", status_code=303)


def _taken(cid: str):
    from ..infra.diagnostics import error
    return error("customer", f"customer id `{cid}` is used already", field="id",
                 hint="choose another id, or open that customer to edit it")


def _customer(db: Session, cid: str) -> CustomerRow:
    row = db.get(CustomerRow, cid)
    if row is None:
        raise Refused(404, "not_found")
    return row


def _choices(request: Request) -> list[dict]:
    data_dir = request.app.state.settings.data_dir
    return [{"id": m, "langs": [(lang, matrix_status(data_dir, m, lang)) for lang in langs]}
            for m, langs in matrix_folders(data_dir)]


@router.get("/customers/{cid}")
def customer_page(request: Request, cid: str, auth: Auth = Depends(page_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    row = _customer(db, cid)
    return render(request, "customer.html", row=row, choices=_choices(request), history=history(db, cid))


def _target(form, row: CustomerRow) -> tuple[str, str]:
    matrix = str(form.get("matrix") or "")
    lang = str(form.get("lang") or row.data.get("lang") or "fr")
    if "/" in matrix or matrix.startswith(".") or not matrix:
        raise Refused(400, "bad_request", "matrix")
    return matrix, lang


@router.post("/customers/{cid}/preview")
async def preview(request: Request, cid: str, auth: Auth = Depends(form_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    row = _customer(db, cid)
    matrix, lang = _target(form, row)
    gen = request.app.state.generator
    result = await run_in_threadpool(gen.run, gen.request(matrix, lang, row.data, ("pdf",), preview=True))
    audit(db, auth.user.name, "preview", cid, f"matrix={matrix} lang={lang} fingerprint={result.fingerprint}")
    return render(request, "preview.html", 422 if result.errors else 200, row=row, result=result,
                  matrix=matrix, lang_=lang)


@router.post("/customers/{cid}/issue")
async def issue(request: Request, cid: str, auth: Auth = Depends(form_user()),
                db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    row = _customer(db, cid)
    matrix, lang = _target(form, row)
    gen = request.app.state.generator
    result = await run_in_threadpool(gen.run, gen.request(matrix, lang, row.data, ("pdf", "docx"), issue=True))
    if result.errors:
        return render(request, "preview.html", 422, row=row, result=result, matrix=matrix, lang_=lang)
    annex = register(db, cid, result, auth.user.name)
    return RedirectResponse(f"/annexes/{annex.id}", status_code=303)


@router.get("/annexes/{aid}")
def annex_page(request: Request, aid: RowId, auth: Auth = Depends(page_user()),
               db: Session = Depends(db_session, scope="function")) -> Response:
    annex = db.get(IssuedAnnex, aid)
    if annex is None:
        raise Refused(404, "not_found")
    return render(request, "annex.html", annex=annex, row=db.get(CustomerRow, annex.customer_id))


@router.get("/annexes/{aid}/{fmt}")
def annex_file(request: Request, aid: RowId, fmt: str, auth: Auth = Depends(page_user()),
               db: Session = Depends(db_session, scope="function")) -> Response:
    return issued_file(request, db, auth, aid, fmt)


def issued_file(request: Request, db: Session, auth: Auth, aid: int, fmt: str) -> Response:
    """The bytes of an issued annex, named as `annex build` names it; audited."""
    annex = db.get(IssuedAnnex, aid)
    if annex is None or fmt not in annex.files:
        raise Refused(404, "not_found")
    entry = annex.files[fmt]
    data = request.app.state.store.get(entry["sha256"])
    if data is None:
        raise Refused(404, "not_found")
    audit(db, auth.user.name, "download", f"annex {aid}", fmt)
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{annex.customer_id}_{entry["name"]}"'})


@router.get("/files/{sha}.{ext}")
def stored_file(request: Request, sha: str, ext: str, name: str = "", auth: Auth = Depends(page_user())) -> Response:
    """A preview's page images and PDF, by digest (only a digest the server handed out finds one)."""
    if ext not in MEDIA:
        raise Refused(404, "not_found")
    data = request.app.state.store.get(sha)
    if data is None:
        raise Refused(404, "not_found")
    headers = {"Cache-Control": "private, max-age=86400, immutable"}
    if ext != "png":
        safe = "".join(ch for ch in name if ch.isalnum() or ch in "._-") or f"{sha[:12]}.{ext}"
        headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return Response(data, media_type=MEDIA[ext], headers=headers)


@router.get("/account")
def account(request: Request, auth: Auth = Depends(page_user())) -> Response:
    return render(request, "account.html", languages=LANGUAGES)


@router.post("/account")
async def save_account(request: Request, auth: Auth = Depends(form_user()),
                       db: Session = Depends(db_session, scope="function")) -> Response:
    lang = str((await request.form()).get("lang") or "")
    if lang not in LANGUAGES:
        raise Refused(400, "bad_request", "lang")
    user = db.get(User, auth.user.id)
    if user is None:  # deleted while signed in
        raise Refused(404, "not_found", "user")
    user.lang = lang
    audit(db, user.name, "account", user.name, f"lang={lang}")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
async def change_password(request: Request, auth: Auth = Depends(form_user()),
                          db: Session = Depends(db_session, scope="function")) -> Response:
    """A new password, given the current one; the user signs in again with it."""
    form = await request.form()
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    if await run_in_threadpool(check_password, db, auth.user.name, current) is None:
        return render(request, "account.html", 400, languages=LANGUAGES, problem=words(auth.user.lang)("bad_login"))
    try:
        user = db.get(User, auth.user.id)
        if user is None:  # deleted while signed in
            raise Refused(404, "not_found", "user")
        await run_in_threadpool(set_password, db, user, new, actor=auth.user.name)
    except AccountError as exc:
        return render(request, "account.html", 400, languages=LANGUAGES, problem=str(exc))
    return RedirectResponse("/login", status_code=303)
