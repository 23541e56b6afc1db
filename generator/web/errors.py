"""What the service answers when a request fails: one handler set for every error, an HTML
page for a browser and a JSON error for the API (paths under /api/), always with the security
headers, even for a bug (the handler of last resort answers outside the middleware stack).
"""
from __future__ import annotations

import logging
from typing import Optional
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .render import render

log = logging.getLogger("annex.web")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class NeedLogin(Exception):
    pass


class Refused(Exception):
    """A request the server refuses: status code and a message key of the interface wording."""

    def __init__(self, status: int, key: str, detail: str = "", headers: Optional[dict[str, str]] = None):
        self.status, self.key, self.detail, self.headers = status, key, detail, headers


class ApiError(Exception):
    def __init__(self, status: int, message: str, fix: str = "", errors: Optional[list] = None):
        self.status, self.message, self.fix, self.errors = status, message, fix, errors


def secure(response: Response, hsts: bool) -> Response:
    """The security headers every answer carries."""
    h = response.headers
    h["Content-Security-Policy"] = CSP
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h.setdefault("Cache-Control", "no-store")
    if hsts:
        h["Strict-Transport-Security"] = "max-age=31536000"
    return response


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def failure(request: Request, status: int, key: str, detail: str = "", fix: str = "",
            headers: Optional[dict[str, str]] = None) -> Response:
    """A refusal as the asker reads it: JSON for the API, the error page for a browser."""
    if is_api(request):
        from .i18n import words
        response: Response = JSONResponse({"error": detail or words("en")(key), "fix": fix}, status,
                                          headers=headers)
    else:
        response = render(request, "error.html", status, message_key=key, detail=detail)
        response.headers.update(headers or {})
    return response


def install_handlers(app: FastAPI) -> None:
    """Every exception the routes may raise, and those of the framework, answered."""
    app.add_exception_handler(NeedLogin, _need_login)  # type: ignore[arg-type]
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    from sqlalchemy.exc import OperationalError
    for machine in (OperationalError, OSError):  # answered inside the middleware: no re-raise, headers added
        app.add_exception_handler(machine, _machine)
    app.add_exception_handler(Exception, _bug)


async def _need_login(request: Request, exc: NeedLogin) -> Response:
    if is_api(request):
        return failure(request, 401, "bad_login", "a valid API token is required")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _refused(request: Request, exc: Refused) -> Response:
    return failure(request, exc.status, exc.key, exc.detail, headers=exc.headers)


async def _api_error(request: Request, exc: ApiError) -> Response:
    body: dict[str, object] = {"error": exc.message, "fix": exc.fix}
    if exc.errors is not None:
        body["errors"] = exc.errors
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(body, exc.status, headers=headers)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"],
               "fix": "see /api/openapi.json for the request format",
               "message": f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"} for e in exc.errors()]
    if is_api(request):
        return JSONResponse({"error": "the request does not match the API", "errors": errors}, 422)
    if all(e["loc"][:1] == ("path",) for e in exc.errors()):  # /annexes/99999999999999999999: no such page
        return render(request, "error.html", 404, message_key="not_found", detail="")
    return render(request, "error.html", 400, message_key="bad_request",
                  detail="; ".join(e["message"] for e in errors))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if is_api(request):
        return JSONResponse({"error": str(exc.detail), "fix": ""}, exc.status_code, headers=exc.headers)
    key = {404: "not_found", 405: "bad_request", 413: "too_large"}.get(exc.status_code, "bad_request")
    return render(request, "error.html", exc.status_code, message_key=key, detail="")


async def _machine(request: Request, exc: Exception) -> Response:
    """A database or disk failure: busy or full said as such; anything else is a bug."""
    known = _known(request, exc)
    if known is not None:
        return known
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return failure(request, 500, "internal_error")


async def _bug(request: Request, exc: Exception) -> Response:
    """The last resort (a bug, a database that is gone): logged, answered without a traceback.
    It runs outside the middleware, so it sets the security headers itself."""
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        response = failure(request, 500, "internal_error")
    except Exception:  # the error page itself failed: plain words, still with the headers
        response = Response("internal error", 500, media_type="text/plain")
    return secure(response, request.app.state.settings.secure_cookies)


RETRY_AFTER = "5"  # seconds a client waits before asking again when the database is busy


def _known(request: Request, exc: Exception) -> Optional[Response]:
    """Failures of the machine, not of the code: a database held by another writer (503, retry)
    and a full disk (507); None for anything else."""
    import errno

    from sqlalchemy.exc import OperationalError
    if isinstance(exc, OperationalError) and _locked(exc):
        return failure(request, 503, "busy", "the database is busy; retry in a few seconds",
                       fix="retry in a few seconds", headers={"Retry-After": RETRY_AFTER})
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        log.error("disk full on %s %s", request.method, request.url.path)
        return failure(request, 507, "disk_full", "the server's disk is full; nothing was saved",
                       fix="tell the administrator; retry later")
    return None


def _locked(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text
