"""The ASGI application: settings, database, generator pool, security headers, and who is asking.

Every route depends on `page_user(role)`, `form_user(role)` or `api_user(role)`, which check
the role on the server; the only routes without one are listed in PUBLIC (sign-in, static
files, the OpenAPI document, /healthz), and tests/web/test_app.py checks every other route.
"""
from __future__ import annotations

import hmac
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from .accounts import RateLimit, role_at_least, session_of, user_for_token
from .config import Settings
from .db import User, WebSession, open_database
from .formats import Formats
from .generate import Generator
from .i18n import best_language, words
from .store import Store

HERE = Path(__file__).parent
PUBLIC = {"/login", "/static", "/api/openapi.json", "/healthz"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Person:
    """Who asks, copied out of the database session (error pages render after it closed)."""
    id: int
    name: str
    role: str
    lang: str

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.name, user.role, user.lang)


@dataclass
class Auth:
    user: Person
    session: Optional[WebSession]  # None for an API token or a user signed in by the proxy
    csrf: str = ""


class NeedLogin(Exception):
    pass


class Refused(Exception):
    """A request the server refuses: status code and a message key of the interface wording."""

    def __init__(self, status: int, key: str, detail: str = ""):
        self.status, self.key, self.detail = status, key, detail


async def read_upload(request: Request) -> tuple[Any, bytes]:
    """The form of a file upload and the file's bytes, refused past the configured size (read
    one byte over the limit, never the whole of an oversized upload)."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise Refused(400, "bad_request", "file")
    limit = request.app.state.settings.max_upload
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise Refused(413, "too_large")
    return form, data


def cookie_name(settings: Settings) -> str:
    # the __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path /
    return "__Host-annex-session" if settings.secure_cookies else "annex-session"


def db_session(request: Request):
    """One transaction per request, committed before the response is sent (use it with
    scope="function"): a browser that follows a redirect at once must find what was saved."""
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def _signed_in(request: Request, db: Session) -> Optional[Auth]:
    settings: Settings = request.app.state.settings
    token = request.cookies.get(cookie_name(settings))
    found = session_of(db, token) if token else None
    if found:
        return Auth(Person.of(found[1]), found[0], found[0].csrf)
    if settings.trusted_user_header:
        # single sign-on: the reverse proxy authenticated the user and set this header (it must
        # strip the header from what clients send); forms then carry a token bound to the name
        name = request.headers.get(settings.trusted_user_header, "")
        user = db.scalar(select(User).where(User.name == name)) if name else None
        if user is not None and user.active:
            mac = hmac.new(request.app.state.secret, f"sso:{user.name}".encode(), "sha256").hexdigest()
            return Auth(Person.of(user), None, mac)
    return None


def page_user(role: str = "sales"):
    """A page for signed-in users of at least `role`; others go to sign-in, or get 403."""
    def dependency(request: Request, db: Session = Depends(db_session, scope="function")) -> Auth:
        auth = _signed_in(request, db)
        if auth is None:
            raise NeedLogin()
        request.state.auth = auth
        if not role_at_least(auth.user.role, role):
            raise Refused(403, "forbidden")
        return auth
    return dependency


def form_user(role: str = "sales"):
    """A form post: as page_user, and the form must carry the session's CSRF token."""
    inner = page_user(role)

    async def dependency(request: Request, auth: Auth = Depends(inner)) -> Auth:
        form = await request.form()
        sent = str(form.get("csrf") or "")
        if not sent or not hmac.compare_digest(sent, auth.csrf):
            raise Refused(403, "csrf_refused")
        return auth
    return dependency


def api_user(role: str = "sales"):
    """An API call with `Authorization: Bearer TOKEN` of a user of at least `role`."""
    def dependency(request: Request, db: Session = Depends(db_session, scope="function")) -> Auth:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user = user_for_token(db, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            raise ApiError(401, "a valid API token is required", "send `Authorization: Bearer TOKEN`; "
                           "an administrator creates one with `annex token create NAME`")
        if not role_at_least(user.role, role):
            raise ApiError(403, f"role `{user.role}` may not do this", f"it needs the role `{role}` or above")
        request.state.auth = Auth(Person.of(user), None)
        return request.state.auth
    return dependency


class ApiError(Exception):
    def __init__(self, status: int, message: str, fix: str = "", errors: Optional[list] = None):
        self.status, self.message, self.fix, self.errors = status, message, fix, errors


def render(request: Request, name: str, status: int = 200, **context) -> Response:
    auth: Optional[Auth] = getattr(request.state, "auth", None)
    lang = auth.user.lang if auth else request.query_params.get("lang") or best_language(
        request.headers.get("accept-language", ""))
    t = words(lang)
    return request.app.state.templates.TemplateResponse(
        request, name, {"t": t, "lang": t.lang, "fmt": Formats(t.lang), "auth": auth,
                           "csrf": auth.csrf if auth else "", **context},
        status_code=status)


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    app.state.generator.close()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="annex", version="1", openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.secret = secrets.token_bytes(32)  # binds the CSRF tokens of proxy-signed-in users
    app.state.sessionmaker = open_database(settings.resolved_db_url())
    app.state.store = Store(settings.resolved_store())
    app.state.limiter = RateLimit(settings.login_attempts, settings.login_window)
    app.state.generator = Generator(settings.workers, data_dir=settings.data_dir, store_dir=settings.resolved_store(),
                                    templates=settings.templates, warm=settings.warm)
    app.state.templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _handlers(app)
    _headers(app)
    for router in routers():
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}
    return app


def routers() -> list:
    """Every router of the service (tests walk them: each route must check who asks)."""
    from . import admin, annexes, api, legal, pages
    return [pages.router, annexes.router, api.router, admin.router, legal.router]


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        h = response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h.setdefault("Cache-Control", "no-store")
        if request.app.state.settings.secure_cookies:
            h["Strict-Transport-Security"] = "max-age=31536000"
        return response


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return render(request, "error.html", exc.status, message_key=exc.key, detail=exc.detail)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        body: dict[str, object] = {"error": exc.message, "fix": exc.fix}
        if exc.errors is not None:
            body["errors"] = exc.errors
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(body, exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"],
                   "fix": "see /api/openapi.json for the request format",
                   "message": f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"} for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "the request does not match the API", "errors": errors}, 422)
        return render(request, "error.html", 400, message_key="bad_request",
                      detail="; ".join(e["message"] for e in errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc.detail), "fix": ""}, exc.status_code)
        key = {404: "not_found", 405: "bad_request"}.get(exc.status_code, "bad_request")
        return render(request, "error.html", exc.status_code, message_key=key, detail="")


def new_login_token() -> str:
    return secrets.token_urlsafe(32)
