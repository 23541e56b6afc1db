"""The composition root: `create_app` builds the services (database, store, generator pool,
sign-in limit, legal's checks) from the settings and assembles the routers, the error handlers
(errors.py) and the security headers. Routes find what they need in deps.py.
"""
from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from ..infra.store import Store
from . import admin, annexes, api, legal, pages, progress
from .config import Settings
from .db import open_database
from .deps import PUBLIC  # noqa: F401 (the app's public face: tests walk the routes against it)
from .errors import install_handlers, secure
from .generate import Generator
from .legal_checks import LegalChecks
from .limits import BodyLimit
from .render import make_templates
from .signin_limit import SignInLimit

HERE = Path(__file__).parent


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    app.state.generator.close()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="annex", version="1", openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.secret = secrets.token_bytes(32)  # binds the CSRF tokens of proxy-signed-in users
    app.state.sessionmaker = open_database(settings.resolved_db_url(), settings.db_wait)
    app.state.limiter = SignInLimit(app.state.sessionmaker, settings.login_attempts, settings.login_window)
    if settings.queue or settings.store_url:  # past one machine (web/queued.py)
        from .queued import store_and_generator
        app.state.store, app.state.generator = store_and_generator(settings)
    else:
        app.state.store = Store(settings.resolved_store())
        app.state.generator = Generator(settings.workers, data_dir=settings.data_dir,
                                        store_dir=settings.resolved_store(), templates=settings.templates,
                                        warm=settings.warm)
    app.state.legal = LegalChecks(settings)
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    install_handlers(app)
    app.add_middleware(BodyLimit, settings=settings)  # inside the security headers: its refusals get them
    _headers(app)
    for router in routers():
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}
    return app


def routers() -> list:
    """Every router of the service (tests walk them: each route must check who asks)."""
    return [pages.router, progress.router, annexes.router, api.router, admin.router, legal.router]


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        return secure(await call_next(request), request.app.state.settings.secure_cookies)
