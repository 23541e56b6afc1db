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
from . import customer_form, deviation_rows
from .accounts import AccountError, check_password, close_session, open_session, set_password
from .conflicts import conflict_of
from .db import CustomerRow, IssuedAnnex, User, audit
from .deps import Auth, RowId, cookie_name, db_session, form_user, new_login_token, page_user, row_or_404
from .errors import Refused
from .generate import matrix_status
from .i18n import words
from .matrices import current_versions, offered, title_of
from .matrices import loaded as matrix_catalog
from .messages import clean
from .progress import job_of
from .registry import case_twin, history, record_preview, register, save_customer, search_customers
from .render import render
from .status import shown_status

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "annex-login"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {"pdf": "application/pdf", "docx": DOCX, "review": DOCX, "signed": "application/pdf", "png": "image/png"}
ISSUED_FORMATS = ("pdf", "docx", "review")  # the files to send, and legal's review copy


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
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/customers")
def customers(request: Request, q: str = "", auth: Auth = Depends(page_user()),
              db: Session = Depends(db_session, scope="function")) -> Response:
    return render(request, "customers.html", q=q, rows=search_customers(db, q))


def _parties(request: Request) -> list[str]:
    """Party ids of the matrices, for the signatory fields (customer, provider in the shipped data)."""
    found: list[str] = []
    for loaded in matrix_catalog(request.app.state.settings.data_dir).values():
        found += [p.id for p in loaded.matrix.parties if p.id not in found]
    return found or ["customer", "provider"]


def _form_page(request: Request, values: dict, errors: dict, existing: Optional[str], status: int = 200,
               rows: Optional[list] = None, deviations: Optional[list] = None, **extra) -> Response:
    data_dir, auth = request.app.state.settings.data_dir, request.state.auth
    matrix_ids = [m for m in values.get("matrices") or [] if m]
    choices = deviation_rows.choices(data_dir, matrix_ids, str(values.get("lang") or "fr"))
    return render(request, "customer_form.html", status, values=values, errors=errors, existing=existing,
                  parties=_parties(request), party_labels=dict(choices.parties), languages=LANGUAGES, choices=choices,
                  rows=rows if rows is not None else deviation_rows.rows_of(deviations or [], matrix_ids),
                  matrices=offered(data_dir, auth.user.lang, drafts=auth.user.role != "sales"),
                  locales=customer_form.locale_choices(auth.user.lang), **extra)


@router.get("/customers/new")
def new_customer(request: Request, auth: Auth = Depends(page_user()),
                 db: Session = Depends(db_session, scope="function")) -> Response:
    user = db.get(User, auth.user.id)
    signatory = (user.signatory_name, user.signatory_title) if user else (None, None)
    return _form_page(request, customer_form.defaults(auth.user.lang, _parties(request)[-1], signatory), {}, None)


@router.get("/customers/{cid}/edit")
def edit_customer(request: Request, cid: str, auth: Auth = Depends(page_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    row = row_or_404(db, CustomerRow, cid)
    return _form_page(request, {**customer_form.values_of(row.data), "version": row.version}, {}, cid,
                      deviations=row.data.get("deviations"))


@router.post("/customers/new")
@router.post("/customers/{cid}/edit")
async def save_customer_form(request: Request, cid: Optional[str] = None, auth: Auth = Depends(form_user()),
                             db: Session = Depends(db_session, scope="function")) -> Response:
    form = await request.form()
    values = customer_form.form_values(form)
    rows, adding = customer_form.edited_rows(form, _parties(request))
    if cid is not None:
        row = row_or_404(db, CustomerRow, cid)
        values["id"] = cid  # the id names the customer's folder and register: it does not change
    if adding:  # one more row: nothing is saved yet
        return _form_page(request, values, {}, cid, rows=rows)
    if cid is not None:
        conflict = conflict_of(row, {**values, "deviations": customer_form.rows_text(rows)},
                               {**customer_form.values_of(row.data),
                                "deviations": customer_form.deviations_text(row.data.get("deviations") or [])})
        if conflict is not None:  # saved by someone else since this form was opened
            return _form_page(request, {**values, "version": row.version}, {}, cid, 409, rows=rows,
                              conflict=conflict, saved_by=row.updated_by)
    return await run_in_threadpool(_save_customer, request, auth, db, values, rows, cid)


def _save_customer(request: Request, auth: Auth, db: Session, values: dict, rows: list, cid: Optional[str]) -> Response:
    t = words(auth.user.lang)
    if cid is None and not str(values.get("id") or "").strip() and str(values.get("name") or "").strip():
        values["id"] = customer_form.id_from_name(str(values["name"]), lambda c: db.get(CustomerRow, c) is not None)
    parties = _parties(request)
    checked = customer_form.check(values, rows, parties, request.app.state.settings.data_dir, t)
    if checked.customer is None:
        return _form_page(request, values, checked.errors, cid, 400, rows=checked.rows)
    if cid is None and db.get(CustomerRow, checked.customer.id) is not None:
        return _form_page(request, values, {"id": [t("err_id_taken")]}, None, 400, rows=checked.rows)
    twin = case_twin(db, checked.customer.id) if cid is None else None
    if twin is not None:
        return _form_page(request, values, {"id": [t("err_id_case_twin", other=twin)]}, None, 400, rows=checked.rows)
    save_customer(db, checked.customer, auth.user.name)
    try:
        db.flush()  # the UPDATE checks the version too: a save that raced this one wins, this one is told
    except StaleDataError:
        db.rollback()
        return _form_page(request, values, {}, cid, 409, rows=checked.rows, conflict=[], saved_by="")
    return RedirectResponse(f"/customers/{checked.customer.id}?saved=1", status_code=303)


@router.get("/customers/{cid}")
def customer_page(request: Request, cid: str, saved: str = "", auth: Auth = Depends(page_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    row = row_or_404(db, CustomerRow, cid)
    data_dir = request.app.state.settings.data_dir
    matrices = offered(data_dir, auth.user.lang, drafts=auth.user.role != "sales")
    versions = current_versions(data_dir)
    shown = [(a, shown_status(a.status, a.version, versions.get((a.matrix_id, a.lang)))) for a in history(db, cid)]
    return render(request, "customer.html", row=row, choices=matrices, history=shown, saved=bool(saved),
                  titles={m["id"]: m["title"] for m in offered(data_dir, auth.user.lang, drafts=True)})


def _target(form, row: CustomerRow) -> tuple[str, str]:
    matrix = str(form.get("matrix") or "")
    lang = str(form.get("lang") or row.data.get("lang") or "fr")
    if "/" in matrix or matrix.startswith(".") or not matrix:
        raise Refused(400, "bad_request", "matrix")
    return matrix, lang


@router.post("/customers/{cid}/preview")
async def preview(request: Request, cid: str, auth: Auth = Depends(form_user()),
                  db: Session = Depends(db_session, scope="function")) -> Response:
    """A watermarked preview (the annex build's draft mark), recorded as the customer's draft
    preview of that matrix: it can be looked at, never sent in place of the issued annex."""
    form = await request.form()
    row = row_or_404(db, CustomerRow, cid)
    matrix, lang = _target(form, row)
    gen = request.app.state.generator
    result = await run_in_threadpool(gen.run, gen.request(matrix, lang, row.data, ("pdf",), preview=True),
                                     job_of(form, auth))
    audit(db, auth.user.name, "preview", cid, f"matrix={matrix} lang={lang} fingerprint={result.fingerprint}")
    draft_row = None if result.errors else record_preview(db, cid, result, auth.user.name)
    return _preview_page(request, row, result, matrix, lang, draft_row)


def _preview_page(request: Request, row: CustomerRow, result, matrix: str, lang: str, draft_row=None) -> Response:
    from ..i18n import labels
    data_dir = request.app.state.settings.data_dir
    status = matrix_status(data_dir, matrix, lang)
    return render(request, "preview.html", 422 if result.errors else 200, row=row, result=result, matrix=matrix,
                  lang_=lang, approved=status == "approved", draft_row=draft_row,
                  mark=labels(lang if lang in LANGUAGES else "fr").draft_watermark,
                  title=title_of(data_dir, matrix, lang), problems=_annex_problems(request, result, matrix, lang))


def _annex_problems(request: Request, result, matrix: str, lang: str) -> list[str]:
    """Why no annex could be made, for a person: a language the matrix lacks is said with the
    languages it has; anything else is the checker's message without its command-line advice."""
    t = words(request.state.auth.user.lang)
    known = matrix_catalog(request.app.state.settings.data_dir)
    langs = sorted(lg for m, lg in known if m == matrix)
    if result.errors and langs and (matrix, lang) not in known:
        return [t("matrix_langs_only", langs=", ".join(t("lang_" + lg) for lg in langs))]
    return [clean(d.message) for d in result.errors]


@router.post("/customers/{cid}/issue")
async def issue(request: Request, cid: str, auth: Auth = Depends(form_user()),
                db: Session = Depends(db_session, scope="function")) -> Response:
    """Issue the annex (PDF, DOCX and legal's review copy) and open it; the same content issued
    again opens the annex issued before, with no second register row."""
    form = await request.form()
    row = row_or_404(db, CustomerRow, cid)
    matrix, lang = _target(form, row)
    gen = request.app.state.generator
    result = await run_in_threadpool(gen.run, gen.request(matrix, lang, row.data, ISSUED_FORMATS, issue=True),
                                     job_of(form, auth))
    if result.errors:
        return _preview_page(request, row, result, matrix, lang)
    annex, new = register(db, cid, result, auth.user.name)
    download = "&download=pdf" if form.get("download") == "pdf" else ""
    return RedirectResponse(f"/annexes/{annex.id}?done={'issued' if new else 'again'}{download}", status_code=303)


@router.get("/annexes/{aid}/{fmt}")
def annex_file(request: Request, aid: RowId, fmt: str, auth: Auth = Depends(page_user()),
               db: Session = Depends(db_session, scope="function")) -> Response:
    return issued_file(request, db, auth, aid, fmt)


def issued_file(request: Request, db: Session, auth: Auth, aid: int, fmt: str) -> Response:
    """The bytes of an annex, named as `annex build` names them (a preview's with `_preview`,
    the signed PDF legal uploaded with `_signed`); audited."""
    annex = db.get(IssuedAnnex, aid)
    files = dict(annex.files) if annex is not None else {}
    if annex is not None and annex.signed_file:
        files["signed"] = annex.signed_file
    if annex is None or fmt not in files or fmt not in MEDIA:
        raise Refused(404, "not_found")
    entry = files[fmt]
    data = request.app.state.store.get(entry["sha256"])
    if data is None:
        raise Refused(404, "not_found")
    name = entry["name"]
    if annex.status == "preview":
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}_preview{dot}{ext}"
    audit(db, auth.user.name, "download", f"annex {aid}", fmt)
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{annex.customer_id}_{name}"'})


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


def _account_page(request: Request, db: Session, auth: Auth, status: int = 200, **extra) -> Response:
    return render(request, "account.html", status, languages=LANGUAGES, profile=db.get(User, auth.user.id), **extra)


@router.get("/account")
def account(request: Request, saved: str = "", auth: Auth = Depends(page_user()),
            db: Session = Depends(db_session, scope="function")) -> Response:
    return _account_page(request, db, auth, saved=bool(saved))


@router.post("/account/signatory")
async def save_signatory(request: Request, auth: Auth = Depends(form_user()),
                         db: Session = Depends(db_session, scope="function")) -> Response:
    """The user's name and title as the provider's signatory, put on each new customer."""
    form = await request.form()
    user = db.get(User, auth.user.id)
    if user is None:  # deleted while signed in
        raise Refused(404, "not_found", "user")
    name, title = (" ".join(str(form.get(k) or "").split())[:255] or None for k in ("name", "title"))
    user.signatory_name, user.signatory_title = name, title
    audit(db, user.name, "account", user.name, "signatory")
    return RedirectResponse("/account?saved=1", status_code=303)


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
        return _account_page(request, db, auth, 400, problem=words(auth.user.lang)("bad_login"))
    try:
        user = db.get(User, auth.user.id)
        if user is None:  # deleted while signed in
            raise Refused(404, "not_found", "user")
        await run_in_threadpool(set_password, db, user, new, actor=auth.user.name)
    except AccountError as exc:
        return _account_page(request, db, auth, 400, problem=str(exc))
    return RedirectResponse("/login", status_code=303)
