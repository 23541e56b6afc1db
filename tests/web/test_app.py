"""Security of the app as a whole: every route checks who asks, every form checks its CSRF
token, the cookies and headers say what the issue promises."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from generator.web.app import PUBLIC, routers

from .conftest import csrf_of, login, make_app, token_for


def _routes(app):
    for route in [r for router in routers() for r in router.routes]:
        if isinstance(route, APIRoute):
            for method in route.methods:
                yield method, route.path


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) in ("aid", "uid") else "x", path)


def test_every_route_but_the_public_ones_refuses_an_anonymous_caller(app, client):
    checked = 0
    for method, path in _routes(app):
        if path in PUBLIC:
            continue
        r = client.request(method, _concrete(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path, r.status_code)
        checked += 1
    assert checked >= 25


def test_sales_are_refused_every_admin_and_legal_route(app, client):
    login(client, "sam")
    refused = 0
    for method, path in _routes(app):
        if path.startswith(("/admin", "/legal")):
            r = client.request(method, _concrete(path), data={}, follow_redirects=False)
            assert r.status_code == 403, (method, path, r.status_code)
            refused += 1
    assert refused >= 9


def test_legal_may_not_administer(client):
    login(client, "leo")
    assert client.get("/legal").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_every_form_post_refuses_a_missing_or_foreign_csrf_token(app, client):
    login(client, "ada")
    for method, path in _routes(app):
        if method != "POST" or path.startswith("/api/") or path == "/login":
            continue
        for token in (None, "forged-token"):
            data = {} if token is None else {"csrf": token}
            r = client.post(_concrete(path), data=data, follow_redirects=False)
            assert r.status_code == 403 and "did not come from this site" in r.text, (path, token, r.status_code)


def test_a_session_csrf_token_is_not_valid_in_another_session(app):
    with TestClient(app) as a, TestClient(app) as b:
        token_a = login(a, "sam")
        login(b, "sam")
        r = b.post("/customers/new", data={"csrf": token_a, "id": "x", "name": "X"}, follow_redirects=False)
        assert r.status_code == 403


def test_login_form_needs_its_own_csrf_cookie(client):
    page = client.get("/login")
    token = csrf_of(page.text)
    client.cookies.clear()  # a cross-site form post would carry no SameSite=Strict cookie
    r = client.post("/login", data={"csrf": token, "name": "sam", "password": "correct horse battery"},
                    follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_session_cookie_flags(tmp_path):
    app = make_app(tmp_path, secure_cookies=True)
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        r = client.post("/login", data={"csrf": csrf_of(page.text), "name": "sam", "password": "correct horse battery"},
                        follow_redirects=False)
        cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-annex-session=")][0].lower()
        for flag in ("secure", "httponly", "samesite=lax", "path=/"):
            assert flag in cookie
        assert "domain=" not in cookie
        assert client.get("/customers").status_code == 200
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/openapi.json", "/static/app.css"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_pages_carry_no_inline_script_or_style(client):
    login(client, "ada")
    for path in ("/login", "/customers", "/customers/new", "/account", "/admin/users", "/admin/customers", "/legal"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html and " on" + "click=" not in html, path


def test_open_redirect_after_login_is_refused(client):
    page = client.get("/login")
    r = client.post("/login", data={"csrf": csrf_of(page.text), "name": "sam", "password": "correct horse battery",
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_login_is_rate_limited_per_name(tmp_path):
    app = make_app(tmp_path, login_attempts=3)
    with TestClient(app) as client:
        for _ in range(3):
            page = client.get("/login")
            r = client.post("/login", data={"csrf": csrf_of(page.text), "name": "sam", "password": "wrong password"})
            assert r.status_code == 401
        page = client.get("/login")
        r = client.post("/login", data={"csrf": csrf_of(page.text), "name": "sam", "password": "correct horse battery"},
                        follow_redirects=False)
        assert r.status_code == 429  # even the right password, until the window passes


def test_logout_ends_the_session_on_the_server(app, client):
    csrf = login(client, "sam")
    cookie = dict(client.cookies)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies=cookie) as replay:  # the old cookie, replayed, opens nothing
        assert replay.get("/customers", follow_redirects=False).status_code == 303


def test_deactivated_user_loses_session_and_token(app, client):
    from generator.web.db import User
    login(client, "sam")
    token = token_for(app, "sam")
    with app.state.sessionmaker.begin() as db:
        db.query(User).filter_by(name="sam").one().active = False
    assert client.get("/customers", follow_redirects=False).status_code == 303
    assert client.get("/api/annexes", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_trusted_proxy_header_is_off_by_default(client):
    assert client.get("/customers", headers={"X-Remote-User": "ada"}, follow_redirects=False).status_code == 303


def test_trusted_proxy_header_signs_in_when_configured(tmp_path):
    app = make_app(tmp_path, trusted_user_header="X-Remote-User")
    with TestClient(app) as client:
        page = client.get("/customers/new", headers={"X-Remote-User": "sam"})
        assert page.status_code == 200
        r = client.post("/customers/new", headers={"X-Remote-User": "sam"},
                        data={"csrf": "forged", "id": "a", "name": "A"})
        assert r.status_code == 403
        assert client.get("/customers", headers={"X-Remote-User": "nobody"}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("lang,word", [("fr", "Clients"), ("de", "Kunden"), ("es", "Clientes"), ("it", "Clienti"),
                                       ("en", "Customers")])
def test_interface_language_is_per_user(client, lang, word):
    csrf = login(client, "sam")
    assert client.post("/account", data={"csrf": csrf, "lang": lang}, follow_redirects=False).status_code == 303
    html = client.get("/customers").text
    assert f'<html lang="{lang}">' in html and f"<h1>{word}</h1>" in html


def test_every_interface_language_has_every_key():
    import yaml

    from generator.web.i18n import FOLDER
    english = set(yaml.safe_load((FOLDER / "en.yaml").read_text()))
    for lang in ("fr", "de", "es", "it"):
        own = yaml.safe_load((FOLDER / f"{lang}.yaml").read_text())
        assert set(own) == english, lang
        assert all(isinstance(v, str) and v for v in own.values()), lang
