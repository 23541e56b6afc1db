"""Request bodies capped at the edge, by route, before anything reads them (pure ASGI, below
the security headers): a declared Content-Length over the route's limit is refused at once
(413), a chunked body is counted as it streams and cut at the limit, and a body sent to a
protected route by someone not signed in is refused before a byte of it is read (no 60 MiB
JSON held in memory, no multipart spooled to disk, for an anonymous request)."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
from .deps import PUBLIC

KIB = 1024
UPLOADS = ("/legal/review", "/legal/signed", "/admin/customers/import")
MULTIPART_OVERHEAD = 64 * KIB  # the form fields and part headers around an uploaded file


def body_limit(path: str, settings: Settings) -> int:
    """The largest body the route at `path` accepts, in bytes."""
    if path == "/login":
        return settings.max_login_body
    if path in UPLOADS:
        return settings.max_upload + MULTIPART_OVERHEAD
    if path.startswith("/api/"):
        return settings.max_api_body
    return settings.max_form_body


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if not chunked and (length is None or length == "0"):
            await self.app(scope, receive, send)
            return
        path, limit = scope["path"], body_limit(scope["path"], self.settings)
        request = Request(scope)
        if not _public(path) and not await run_in_threadpool(_known, request):
            await _signed_out(request)(scope, receive, send)
            return
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _answer(request, 413, "too_large", f"the request is over {limit // KIB:,} KiB, this address's "
                          "limit", scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit), send)


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"the request is over {limit // KIB:,} KiB, this address's limit")
        return message
    return counted


def _known(request: Request) -> bool:
    """Whether the request carries a valid session, proxy user or API token."""
    from .accounts import user_for_token
    from .deps import signed_in
    db = request.app.state.sessionmaker()
    try:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return user_for_token(db, token.strip()) is not None
        return signed_in(request, db) is not None
    finally:
        db.close()


def _signed_out(request: Request):
    """What the route would answer someone not signed in, without reading the body."""
    from fastapi.responses import JSONResponse, RedirectResponse
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "a valid API token is required", "fix": "send `Authorization: Bearer TOKEN`"},
                            401, headers={"WWW-Authenticate": "Bearer", "Connection": "close"})
    return RedirectResponse("/login", 303, headers={"Connection": "close"})


async def _answer(request: Request, status: int, key: str, detail: str, scope: Scope, receive: Receive,
                  send: Send) -> None:
    from .errors import failure
    response = failure(request, status, key, detail, headers={"Connection": "close"})
    await response(scope, receive, send)
