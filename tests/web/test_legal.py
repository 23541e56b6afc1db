"""Legal's uploads: checked (role, CSRF, size, zip bomb, not-a-PDF) before the service's legal
checks (review-import, verify) are called; here the checks are stand-ins that record calls."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from generator.web.legal_checks import Review, Verdict

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


class FakeChecks:
    """Stands in for app.state.legal: answers what the test sets, records what it was given."""

    def __init__(self):
        self.calls: list = []
        self.review = lambda data, customer: Review()
        self.verdict = False
        self.signed = ("customer", "provider")  # the fields a passing verdict says are signed

    async def review_import(self, data, customer, user):
        self.calls.append(("review", len(data), customer["id"]))
        return self.review(data, customer)

    async def signed_verify(self, data, claim, user):
        self.calls.append(("verify", len(data), claim.annex_id))
        if self.verdict:
            return Verdict([], signed_fields=list(self.signed), unsigned_fields=[])
        return Verdict(["trust: a stand-in refusal"])


@pytest.fixture(autouse=True)
def fake(app):
    app.state.legal = FakeChecks()
    return app.state.legal


def _review(client, data: bytes, customer: str = "acme"):
    return client.post("/legal/review", data={"csrf": client.csrf, "customer": customer},
                       files={"file": ("reviewed.docx", data)})


def _signed(client, data: bytes, annex: str = "1"):
    return client.post("/legal/signed", data={"csrf": client.csrf, "annex": annex}, files={"file": ("s.pdf", data)},
                       follow_redirects=False)


def test_review_upload_is_audited(app, legal_client):
    from generator.web.db import AuditEvent
    r = _review(legal_client, _docx())
    assert r.status_code == 200
    with app.state.sessionmaker() as db:
        assert db.query(AuditEvent).order_by(AuditEvent.id.desc()).first().action == "upload-review"


def test_zip_bomb_and_non_docx_are_refused_before_any_check(legal_client, fake):
    bomb = _bomb()
    assert len(bomb) < 1024 * 1024  # small on the wire, 80 MiB inflated
    r = _review(legal_client, bomb)
    assert r.status_code == 400 and "over the limits" in r.text
    assert _review(legal_client, b"%PDF-1.7 not a zip").status_code == 400
    assert _review(legal_client, _docx(), customer="nobody").status_code == 404
    assert fake.calls == []


def test_the_review_check_gets_the_bytes_and_the_customer(legal_client, fake):
    fake.review = lambda data, customer: Review(findings=["assurer-sauvegarde-donnees: customer A, provider R"])
    r = _review(legal_client, _docx())
    assert r.status_code == 200 and "assurer-sauvegarde-donnees: customer A" in r.text
    assert fake.calls[0][0] == "review" and fake.calls[0][1] > 0 and fake.calls[0][2] == "acme"


def _issue(client) -> str:
    r = client.post("/customers/acme/issue", data={"csrf": client.csrf, "matrix": "s3-object-storage", "lang": "fr"},
                    follow_redirects=False)
    return r.headers["location"].split("?")[0].rsplit("/", 1)[1]


def test_non_pdf_and_unknown_annex_are_refused_before_any_check(legal_client, fake):
    aid = _issue(legal_client)
    pdf = legal_client.get(f"/annexes/{aid}/pdf").content
    assert _signed(legal_client, b"GIF89a not a pdf", aid).status_code == 400
    assert _signed(legal_client, pdf[: len(pdf) // 2], aid).status_code == 400
    assert _signed(legal_client, pdf, "999").status_code == 404
    assert fake.calls == []


def test_verified_signature_is_recorded_in_the_register_with_who_signed(legal_client, fake):
    aid = _issue(legal_client)
    pdf = legal_client.get(f"/annexes/{aid}/pdf").content
    assert _signed(legal_client, pdf, aid).status_code == 400
    assert re.search(r'<dd id="signed">no</dd>', legal_client.get(f"/annexes/{aid}").text)
    fake.verdict, fake.signed = True, ("provider",)  # the provider alone: not the customer's signature
    r = _signed(legal_client, pdf, aid)
    assert r.status_code == 400 and "no signature of the customer" in r.text
    fake.signed = ("customer",)
    r = _signed(legal_client, pdf, aid)
    assert r.status_code == 303 and r.headers["location"] == f"/annexes/{aid}?done=customer_signed"
    page = legal_client.get(r.headers["location"]).text
    assert re.search(r'<dd id="signed">yes</dd>', page) and 'id="status">Signed by the customer<' in page
    assert legal_client.get(f"/annexes/{aid}/signed").content == pdf
    fake.signed = ("customer", "provider")
    r = _signed(legal_client, pdf, aid)
    assert 'id="status">Countersigned<' in legal_client.get(r.headers["location"]).text


def test_sales_cannot_upload(client):
    csrf = login(client, "sam")
    r = client.post("/legal/review", data={"csrf": csrf, "customer": "acme"}, files={"file": ("r.docx", _docx())})
    assert r.status_code == 403
