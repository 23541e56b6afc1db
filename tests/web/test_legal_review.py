"""Legal uploads a reviewed DOCX: the deviations it proposes are shown as a table, accepted or
rejected one by one, and the accepted ones are saved to the customer, checked like the form."""
from __future__ import annotations

import html
import json
import re

import pytest

from generator.model import Customer
from generator.writers import renderer

from ..conftest import load_matrix
from ..test_review import comment_on_row, edited, track_role_change
from .conftest import create_customer, login


@pytest.fixture
def legal_client(client):
    csrf = login(client, "leo")
    create_customer(client, csrf)
    client.csrf = csrf
    return client


def reviewed_docx() -> bytes:
    """acme's review DOCX where legal moved two activities to the provider, with a reason each."""
    customer = Customer.model_validate({"id": "acme", "name": "ACME SA", "contract": "CT-1", "annex": "2",
                                        "lang": "fr", "matrices": ["s3-object-storage"],
                                        "effective_date": "2025-03-01"})
    from generator.annex import build_annex
    from generator.brand import load_brand
    data = renderer("review")(build_annex(load_matrix("fr"), customer, load_brand()))

    def negotiate(doc):
        for n, activity in enumerate(("creer-objets", "assurer-sauvegarde-donnees")):
            track_role_change(doc, activity, 0, "A", change_id=9001 + 4 * n)
            track_role_change(doc, activity, 1, "R", change_id=9003 + 4 * n)
            comment_on_row(doc, activity, f"Avenant n° {n + 1}.")
    return edited(data, negotiate)


def test_legal_accepts_one_proposed_deviation_and_rejects_the_other(app, legal_client):
    r = legal_client.post("/legal/review", data={"csrf": legal_client.csrf, "customer": "acme"},
                          files={"file": ("reviewed.docx", reviewed_docx())})
    assert r.status_code == 200, r.text[:500]
    boxes = re.findall(r'name="accept" value="(\d+)"', r.text)
    proposal = html.unescape(re.search(r'name="proposal" value="([^"]*)"', r.text).group(1))
    proposals = json.loads(proposal)
    assert [p["activity"] for p in proposals] == ["creer-objets", "assurer-sauvegarde-donnees"] and boxes == ["0", "1"]
    keep = next(i for i, p in enumerate(proposals) if p["activity"] == "assurer-sauvegarde-donnees")
    r = legal_client.post("/legal/review/apply", data={"csrf": legal_client.csrf, "customer": "acme",
                                                       "proposal": proposal, "accept": [str(keep)]})
    assert r.status_code == 200 and ("1 dérogation" in r.text or "1 deviation" in r.text), r.text[:800]
    with app.state.sessionmaker() as db:
        from generator.web.db import AuditEvent, CustomerRow
        saved = db.get(CustomerRow, "acme").data["deviations"]
        assert [(d["activity"], d["roles"], d["reason"]) for d in saved] == [
            ("assurer-sauvegarde-donnees", {"customer": "A", "provider": "R"}, "Avenant n° 2.")]
        assert db.query(AuditEvent).order_by(AuditEvent.id.desc()).first().action == "review-apply"


def test_a_proposal_breaking_the_rules_is_refused_and_nothing_is_saved(app, legal_client):
    bad = json.dumps([{"activity": "creer-objets", "roles": {"customer": "A", "provider": "A"}, "reason": "x",
                       "matrix": "s3-object-storage"}])
    r = legal_client.post("/legal/review/apply", data={"csrf": legal_client.csrf, "customer": "acme",
                                                       "proposal": bad, "accept": ["0"]})
    assert r.status_code == 400 and "Accountable" in r.text
    with app.state.sessionmaker() as db:
        from generator.web.db import CustomerRow
        assert not db.get(CustomerRow, "acme").data.get("deviations")


def test_applying_needs_the_csrf_token_and_the_legal_role(client):
    csrf = login(client, "sam")  # sales
    r = client.post("/legal/review/apply", data={"csrf": csrf, "customer": "acme", "proposal": "[]"})
    assert r.status_code == 403
    r = client.post("/legal/review/apply", data={"customer": "acme", "proposal": "[]"})
    assert r.status_code in (400, 403)
