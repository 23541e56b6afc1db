"""The dependencies routes declare (the FastAPI template's `deps.py`): the database session of
a request, who asks and with which role, and an upload's bytes. Routers import them from here;
`app.py` only assembles the application.

Every route depends on `page_user(role)`, `form_user(role)` or `api_user(role)`, which check
the role on the server; the only routes without one are listed in `PUBLIC`, and
tests/web/test_app.py checks every other route.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Optional, TypeVar

from fastapi import Depends, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from .accounts import role_at_least, session_of, user_for_token
from .config import Settings
from .db import User, WebSession
from .errors import ApiError, NeedLogin, Refused

_Row = TypeVar("_Row")

PUBLIC = {"/login", "/static", "/api/openapi.json", "/healthz"}  # the only routes anyone may ask
MAX_ID = 2**63 - 1  # the databases' integer keys: a larger id names nothing (and overflows SQLite)
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id")]
SinceId = Annotated[int, Query(ge=0, le=MAX_ID, description="an event id")]


def parse_id(text: object) -> Optional[int]:
    """A row id typed into a form field, or None when it cannot name a row."""
    value = str(text or "").strip()
    if not value.isdigit() or len(value) > 19 or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


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


def row_or_404(db: Session, model: type[_Row], key: object, what: str = "") -> _Row:
    """The row of `model` under `key`, or the page/JSON "not found" every route answers."""
    row = db.get(model, key)
    if row is None:
        raise Refused(404, "not_found", what)
    return row


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


async def read_upload(request: Request) -> tuple[Any, bytes]:
    """The form of a file upload and the file's bytes, refused past the configured size (the
    body limit at the edge refuses a larger request before it is read; see limits.py)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Refused(400, "bad_request", "file")
    limit = settings_of(request).max_upload
    try:
        data = await upload.read(limit + 1)
    finally:
        await upload.close()  # the spooled copy goes now, not when the request object is collected
    if len(data) > limit:
        raise Refused(413, "too_large")
    return form, data


def cookie_name(settings: Settings) -> str:
    # the __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path /
    return "__Host-annex-session" if settings.secure_cookies else "annex-session"


def db_session(request: Request) -> Iterator[Session]:
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


def signed_in(request: Request, db: Session) -> Optional[Auth]:
    settings = settings_of(request)
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
        auth = signed_in(request, db)
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


def new_login_token() -> str:
    return secrets.token_urlsafe(32)
