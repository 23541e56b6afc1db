"""The API for the CRM: issue with a bearer token, fetch the files, list the register, JSON
errors carrying the CLI's messages, 401 and 403, and the OpenAPI document."""
from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from .conftest import make_app, token_for

CUSTOMER = {"id": "crm-42", "name": "Banque Horizon SA", "contract": "CT-2025-0142", "annex": "4", "lang": "fr",
            "matrices": ["s3-object-storage"], "effective_date": "2025-03-01",
            "deviations": [{"activity": "assurer-sauvegarde-donnees", "roles": {"customer": "A", "provider": "R"},
                            "reason": "Option souscrite."}]}


def _post(client, token, **body):
    return client.post("/api/annexes", json={"matrix": "s3-object-storage", "customer": CUSTOMER, **body},
                       headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def sales(app):
    return token_for(app, "sam")


def test_issue_fetch_and_list(app, client, sales, brand):
    from generator.annex import build_annex
    from generator.model import Customer
    from tests.conftest import load_matrix
    r = _post(client, sales)
    assert r.status_code == 201, r.text
    body = r.json()
    expected = build_annex(load_matrix("fr"), Customer.model_validate(CUSTOMER), brand).stamp.fingerprint
    assert body["fingerprint"] == expected and set(body["files"]) == {"pdf", "docx"}
    auth = {"Authorization": f"Bearer {sales}"}
    pdf = client.get(body["files"]["pdf"], headers=auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    import pypdf
    attached = pypdf.PdfReader(io.BytesIO(pdf.content)).attachments["annex-data.json"][0]
    import hashlib
    assert hashlib.sha256(attached).hexdigest() == body["fingerprint"]
    docx = client.get(body["files"]["docx"], headers=auth)
    assert docx.content.startswith(b"PK")
    listed = client.get("/api/annexes", params={"customer": "crm-42"}, headers=auth).json()
    assert [a["id"] for a in listed] == [body["id"]] and listed[0]["created_by"] == "sam"
    assert client.get("/api/annexes", params={"customer": "nobody"}, headers=auth).json() == []


def test_the_api_also_runs_on_postgresql(tmp_path, postgres):
    app = make_app(tmp_path, postgres.new_database())
    with TestClient(app) as client:
        r = _post(client, token_for(app, "sam"), format="docx")
        assert r.status_code == 201 and set(r.json()["files"]) == {"docx"}


def test_format_pdf_only(client, sales):
    body = _post(client, sales, format="pdf").json()
    assert set(body["files"]) == {"pdf"}


def test_errors_carry_the_cli_messages(client, sales, tmp_path):
    """The API's message for a bad field is the message `annex validate` prints for it in a file."""
    from generator.infra.diagnostics import InputError
    from generator.readers.customers import read_customers
    bad = {**CUSTOMER, "effective_date": "2025-02-30", "lang": "xx", "colour": "blue"}
    r = _post(client, sales, customer=bad)
    assert r.status_code == 422
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"effective_date", "lang", "colour"}
    assert errors["colour"]["problem"] == "unknown key `colour`"
    import yaml
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"customers": [bad]}))
    with pytest.raises(InputError) as cli:
        read_customers(path)
    assert {d.message for d in cli.value.diagnostics} == {e["problem"] for e in errors.values()}
    assert {d.hint for d in cli.value.diagnostics} == {e["fix"] for e in errors.values()}


def test_rule_broken_by_a_deviation_is_refused_with_the_rule(client, sales):
    bad = {**CUSTOMER, "deviations": [{"activity": "assurer-sauvegarde-donnees",
                                       "roles": {"customer": "A", "provider": "A"}, "reason": "x"}]}
    r = _post(client, sales, customer=bad)
    assert r.status_code == 422
    assert any("A" in e["problem"] and e["field"] == "deviations" for e in r.json()["errors"])


def test_draft_matrix_cannot_be_issued_through_the_api(client, sales):
    r = _post(client, sales, matrix="iaas", customer={**CUSTOMER, "matrices": ["iaas"], "deviations": []})
    assert r.status_code == 422
    assert "not approved" in r.json()["errors"][0]["problem"]


def test_malformed_request_is_json_too(client, sales):
    r = client.post("/api/annexes", json={"matrix": "../etc", "customer": {}},
                    headers={"Authorization": f"Bearer {sales}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "matrix"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic c2FtOnB3", "Bearer "])
def test_without_a_valid_token_401(client, header):
    headers = {"Authorization": header} if header else {}
    r = client.post("/api/annexes", json={"matrix": "s3-object-storage", "customer": CUSTOMER}, headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and "token" in r.json()["error"]


def test_a_session_cookie_is_not_an_api_credential(client):
    from .conftest import login
    login(client, "ada")
    assert client.get("/api/annexes").status_code == 401


def test_role_that_may_not_act_gets_403(app, client, sales):
    r = client.get("/api/audit", headers={"Authorization": f"Bearer {sales}"})
    assert r.status_code == 403 and "admin" in r.json()["fix"]
    admin = token_for(app, "ada")
    _post(client, sales)
    events = client.get("/api/audit", headers={"Authorization": f"Bearer {admin}"}).json()
    assert [e["action"] for e in events][-2:] == ["customer-create", "issue"]


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").json()
    assert set(doc["paths"]) == {"/api/annexes", "/api/annexes/{aid}", "/api/annexes/{aid}/files/{fmt}", "/api/audit"}
    post = doc["paths"]["/api/annexes"]["post"]
    assert "201" in post["responses"] and "401" in post["responses"]
