"""Fixtures of the web tests: an app on a fresh database (SQLite, or a real PostgreSQL started
for the session), users of each role, and signing in through the real login form."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CUSTOMERS as CUSTOMERS_FILE  # noqa: F401 (re-exported)
from tests.conftest import DATA

PASSWORD = "correct horse battery"
USERS = {"sam": "sales", "leo": "legal", "ada": "admin"}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Argon2 at its lowest cost: the tests sign in hundreds of times; the service keeps
    argon2-cffi's defaults (test_accounts.py checks its floor)."""
    from argon2 import PasswordHasher

    from generator.web import accounts
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def postgres():
    from .pg import Cluster
    cluster = Cluster()
    try:
        cluster.start()
    except (RuntimeError, OSError, TimeoutError) as exc:
        cluster.stop()
        pytest.skip(f"PostgreSQL cannot be started here: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh database of each kind the service supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'annex.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


def make_app(tmp_path: Path, db_url: str | None = None, **overrides):
    from generator.web import Settings, create_app
    from generator.web.accounts import add_user
    options = dict(data_dir=DATA, db_url=db_url or f"sqlite:///{tmp_path / 'annex.sqlite3'}",
                   store_dir=tmp_path / "files", workers=0, secure_cookies=False)
    settings = Settings(**{**options, **overrides})
    app = create_app(settings)
    with app.state.sessionmaker.begin() as db:
        for name, role in USERS.items():
            add_user(db, name, PASSWORD, role, lang="en")
    return app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient
    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    r = client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": password, "next": "/account"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/account").text)


def token_for(app, name: str) -> str:
    from generator.web.accounts import create_token
    with app.state.sessionmaker.begin() as db:
        return create_token(db, name)


def problems(html: str) -> dict[str, list[str]]:
    """Form field -> the problem messages the page shows next to it."""
    import html as h
    out: dict[str, list[str]] = {}
    for field, text in re.findall(r'class="problem" id="err-([\w-]+)">([^<]*)<', html):
        out.setdefault(field, []).append(h.unescape(text))
    return out


SAMPLE = {"id": "acme", "name": "ACME SA", "contract": "CT-1", "annex": "2", "lang": "fr",
          "matrices": "s3-object-storage", "effective_date": "2025-03-01",
          "sig_customer_name": "Claire Martin", "sig_provider_name": "Julien Moreau"}


def create_customer(client, csrf: str, **fields) -> None:
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, **fields}, follow_redirects=False)
    assert r.status_code == 303, problems(r.text) or r.text[:500]
