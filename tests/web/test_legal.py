"""Legal's uploads: checked (role, CSRF, size, zip bomb, not-a-PDF) before the hooks of issues 15
and 14 are called; without those hooks the routes answer 501 with a message."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from generator.web import legal

from .conftest import create_customer, login


def _docx(extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def _bomb() -> bytes:
    return _docx({"word/media/zeros.bin": b"\0" * (80 * 1024 * 1024)})


@pytest.fixture
def legal_client(client):
    csrf = login(client, "leo")
    create_customer(client, csrf)
    client.csrf = csrf
    return client


@pytest.fixture(autouse=True)
def _no_hooks(monkeypatch):
    monkeypatch.setattr(legal, "hooks", legal.Hooks())


def _review(client, data: bytes, customer: str = "acme"):
    return client.post("/legal/review", data={"csrf": client.csrf, "customer": customer},
                       files={"file": ("reviewed.docx", data)})


def _signed(client, data: bytes, annex: str = "1"):
    return client.post("/legal/signed", data={"csrf": client.csrf, "annex": annex}, files={"file": ("s.pdf", data)})


def test_review_import_answers_501_until_issue_15_lands(app, legal_client):
    from generator.web.db import AuditEvent
    r = _review(legal_client, _docx())
    assert r.status_code == 501 and "review-import (issue 15)" in r.text
    with app.state.sessionmaker() as db:
        assert db.query(AuditEvent).order_by(AuditEvent.id.desc()).first().action == "upload-review"


def test_zip_bomb_and_non_docx_are_refused_before_any_hook(legal_client, monkeypatch):
    called = []
    legal.register_review_import(lambda data, customer: called.append(1) or [])
    bomb = _bomb()
    assert len(bomb) < 1024 * 1024  # small on the wire, 80 MiB inflated
    r = _review(legal_client, bomb)
    assert r.status_code == 400 and "over the limits" in r.text
    assert _review(legal_client, b"%PDF-1.7 not a zip").status_code == 400
    assert _review(legal_client, _docx(), customer="nobody").status_code == 404
    assert called == []


def test_registered_review_hook_gets_the_bytes_and_the_customer(legal_client):
    seen = {}

    def fake(data, customer):
        seen.update(size=len(data), customer=customer["id"])
        return ["assurer-sauvegarde-donnees: customer A, provider R"]
    legal.register_review_import(fake)
    r = _review(legal_client, _docx())
    assert r.status_code == 200 and "assurer-sauvegarde-donnees: customer A" in r.text
    assert seen["customer"] == "acme" and seen["size"] > 0


def _issue(client) -> str:
    r = client.post("/customers/acme/issue", data={"csrf": client.csrf, "matrix": "s3-object-storage", "lang": "fr"},
                    follow_redirects=False)
    return r.headers["location"].rsplit("/", 1)[1]


def test_signed_pdf_answers_501_until_issue_14_lands_and_non_pdf_is_refused(legal_client):
    aid = _issue(legal_client)
    pdf = legal_client.get(f"/annexes/{aid}/pdf").content
    r = _signed(legal_client, pdf, aid)
    assert r.status_code == 501 and "issue 14" in r.text
    assert _signed(legal_client, b"GIF89a not a pdf", aid).status_code == 400
    assert _signed(legal_client, pdf[: len(pdf) // 2], aid).status_code == 400
    assert _signed(legal_client, pdf, "999").status_code == 404


def test_verified_signature_is_recorded_in_the_register(legal_client):
    aid = _issue(legal_client)
    pdf = legal_client.get(f"/annexes/{aid}/pdf").content
    legal.register_signed_verify(lambda data, data_dir: False)
    assert _signed(legal_client, pdf, aid).status_code == 400
    assert re.search(r"<dt>Signed</dt><dd>no</dd>", legal_client.get(f"/annexes/{aid}").text)
    legal.register_signed_verify(lambda data, data_dir: True)
    assert _signed(legal_client, pdf, aid).status_code == 200
    assert re.search(r"<dt>Signed</dt><dd>yes</dd>", legal_client.get(f"/annexes/{aid}").text)


def test_sales_cannot_upload(client):
    csrf = login(client, "sam")
    r = client.post("/legal/review", data={"csrf": csrf, "customer": "acme"}, files={"file": ("r.docx", _docx())})
    assert r.status_code == 403
