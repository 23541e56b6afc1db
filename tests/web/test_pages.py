"""The sales flow through the pages: a customer form validated like the YAML file, a preview
of page images, a draft that previews but does not issue, issuing, downloading, history."""
from __future__ import annotations

import hashlib
import io
import re

import pypdf

from generator.web.db import AuditEvent

from .conftest import SAMPLE, create_customer, login, problems

CLI_SPEAK = re.compile(r"`|--[a-z]|\^\[|customers\[\d|YYYY|/tmp/|rules:")  # what no page may show


def test_customer_form_shows_each_problem_next_to_its_field_in_words_for_people(client):
    csrf = login(client, "sam")
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "id": "bad id!", "name": "", "lang": "xx",
                                            "effective_date": "2025-02-30", "matrices": "no-such-matrix"})
    assert r.status_code == 400
    found = problems(r.text)
    assert set(found) == {"id", "name", "lang", "effective_date"}
    assert found["name"] == ["Give the customer's legal name, on one line."]
    assert found["effective_date"] == ["Give a date: day, month and year."]
    assert found["id"] == ["Use letters, digits, - and _ only, without spaces (64 at most)."]
    assert not any(CLI_SPEAK.search(m) for ms in found.values() for m in ms), found
    assert 'aria-invalid="true" aria-describedby="err-name"' in r.text
    assert 'value="CT-1"' in r.text  # what was typed is kept


def test_problems_are_in_the_users_language(app, client):
    csrf = login(client, "sam")
    with app.state.sessionmaker.begin() as db:
        from generator.web.db import User
        db.query(User).filter(User.name == "sam").update({"lang": "fr"})
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "name": "", "effective_date": "2025-02-30"})
    found = problems(r.text)
    assert found["name"] == ["Indiquez la raison sociale du client, sur une ligne."]
    assert found["effective_date"] == ["Indiquez une date : jour, mois et année."]


def test_unknown_matrix_is_reported_in_words_for_people(client):
    csrf = login(client, "sam")
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "matrices": "no-such-matrix"})
    assert r.status_code == 400
    assert problems(r.text)["matrices"] == ["This matrix is not known to the service."]


def test_customer_id_cannot_be_taken_twice(client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "name": "Other"})
    assert "used already" in problems(r.text)["id"][0]


def test_customer_id_is_made_from_the_name_when_left_empty(client):
    csrf = login(client, "sam")
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "id": "", "name": "Électricité de Lyon SA"},
                    follow_redirects=False)
    assert r.headers["location"] == "/customers/electricite-de-lyon-sa?saved=1"
    assert "Customer saved." in client.get(r.headers["location"]).text
    r = client.post("/customers/new", data={"csrf": csrf, **SAMPLE, "id": "", "name": "Electricite de Lyon SA"},
                    follow_redirects=False)
    assert r.headers["location"] == "/customers/electricite-de-lyon-sa-2?saved=1"


def test_the_locale_is_a_field_of_the_form(app, client):
    csrf = login(client, "sam")
    create_customer(client, csrf, lang="fr", locale="fr_CH")
    with app.state.sessionmaker() as db:
        from generator.web.db import CustomerRow
        assert db.get(CustomerRow, "acme").data["locale"] == "fr_CH"
    page = client.get("/customers/acme/edit").text
    assert '<option value="fr_CH" selected>' in page and "français (Suisse)" not in page  # named in English
    assert "French (Switzerland)" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = client.post("/customers/acme/edit", data={"csrf": csrf, **SAMPLE, "lang": "fr", "locale": "de_AT",
                                                  "version": version})
    assert r.status_code == 400
    assert problems(r.text)["locale"] == ["Choose a date format of the annex language, or the standard one."]


def test_search_finds_by_name_contract_and_id(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, name="Énergie Côtière SA")
    assert "/customers/acme" in client.get("/customers", params={"q": "energie cotiere"}).text
    assert "/customers/acme" in client.get("/customers", params={"q": "CT-1"}).text
    assert "/customers/acme" not in client.get("/customers", params={"q": "zzz"}).text


def test_edit_keeps_the_id_and_shows_deviations_back(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, **{"dev-count": "1", "dev-0-activity": "s3-object-storage:assurer-sauvegarde-donnees",
                                     "dev-0-customer": "A", "dev-0-provider": "R", "dev-0-reason": "Option."})
    page = client.get("/customers/acme/edit").text
    assert 'value="s3-object-storage:assurer-sauvegarde-donnees" selected' in page and 'name="id"' not in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    r = client.post("/customers/acme/edit", data={"csrf": csrf, **SAMPLE, "id": "other", "name": "ACME Group",
                                                  "version": version}, follow_redirects=False)
    assert r.headers["location"] == "/customers/acme?saved=1"
    assert "ACME Group" in client.get("/customers/acme").text


def _preview(client, csrf, matrix="s3-object-storage", lang="fr"):
    return client.post("/customers/acme/preview", data={"csrf": csrf, "matrix": matrix, "lang": lang})


def test_preview_shows_every_page_of_the_pdf_as_an_image(client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    r = _preview(client, csrf)
    assert r.status_code == 200
    images = re.findall(r'src="(/files/[0-9a-f]{64}\.png)"', r.text)
    pdf_url = re.search(r'href="(/files/[0-9a-f]{64}\.pdf\?[^"]+)"', r.text).group(1).replace("&amp;", "&")
    pdf = client.get(pdf_url)
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(images) == len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages) >= 3
    png = client.get(images[0])
    assert png.content.startswith(b"\x89PNG") and hashlib.sha256(png.content).hexdigest() in images[0]
    assert 'id="issue"' in r.text


def test_draft_matrix_previews_with_watermark_but_cannot_be_issued(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, matrices="iaas")
    r = _preview(client, csrf, "iaas", "fr")
    assert r.status_code == 200 and 'id="draft-note"' in r.text and 'id="issue"' not in r.text
    pdf_url = re.search(r'href="(/files/[0-9a-f]{64}\.pdf\?[^"]+)"', r.text).group(1).replace("&amp;", "&")
    text = pypdf.PdfReader(io.BytesIO(client.get(pdf_url).content)).pages[0].extract_text()
    assert "PROJET" in text
    r = client.post("/customers/acme/issue", data={"csrf": csrf, "matrix": "iaas", "lang": "fr"},
                    follow_redirects=False)
    assert r.status_code == 422 and "not approved" in r.text
    assert "No annex issued yet" in client.get("/customers/acme").text


def test_preview_of_a_missing_language_says_which_exist(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, matrices="iaas")
    r = _preview(client, csrf, "iaas", "de")
    assert r.status_code == 422 and "This matrix is published in French only" in r.text


def test_issue_registers_and_downloads_the_same_bytes_as_annex_build(app, client, tmp_path, brand):
    from generator.catalog import load_checked_matrix
    from generator.commands.build import build
    from generator.model import Customer
    from tests.conftest import S3
    csrf = login(client, "sam")
    create_customer(client, csrf)
    r = client.post("/customers/acme/issue", data={"csrf": csrf, "matrix": "s3-object-storage", "lang": "fr"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    annex = r.headers["location"].split("?")[0]
    pdf, docx = client.get(annex + "/pdf"), client.get(annex + "/docx")
    assert pdf.headers["content-disposition"] == 'attachment; filename="acme_s3-object-storage_fr_v1.0.0.pdf"'
    customer = Customer(id="acme", name="ACME SA", contract="CT-1", annex="2", lang="fr",
                        matrices=["s3-object-storage"], effective_date="2025-03-01",
                        signatories={"customer": {"name": "Claire Martin"}, "provider": {"name": "Julien Moreau"}})
    written = build(load_checked_matrix(S3 / "fr.yaml"), customer, brand, ["pdf", "docx"], tmp_path / "cli")
    assert pdf.content == written[0].path.read_bytes() and docx.content == written[1].path.read_bytes()
    assert written[0].fingerprint in page
    history = client.get("/customers/acme").text
    assert written[0].fingerprint[:12] in history and ">sam<" in history
    with app.state.sessionmaker() as db:
        actions = [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-3:] == ["issue", "download", "download"]


def test_files_are_served_only_to_signed_in_users_and_only_by_digest(app, client):
    csrf = login(client, "sam")
    create_customer(client, csrf)
    images = re.findall(r'src="(/files/[0-9a-f]{64}\.png)"', _preview(client, csrf).text)
    assert client.get("/files/../../etc/passwd.pdf").status_code == 404
    assert client.get("/files/" + "0" * 64 + ".pdf").status_code == 404
    assert client.get(images[0].replace(".png", ".exe")).status_code == 404
    from fastapi.testclient import TestClient
    with TestClient(app) as anonymous:
        assert anonymous.get(images[0], follow_redirects=False).status_code == 303


def test_a_customer_named_like_markup_is_printed_as_text(client):
    csrf = login(client, "sam")
    create_customer(client, csrf, name="<script>alert(1)</script>")
    html = client.get("/customers/acme").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_matrices_are_offered_by_title_and_drafts_only_to_legal(client):
    csrf = login(client, "sam")
    page = client.get("/customers/new").text
    assert 'value="s3-object-storage"> IaaS Responsibility Matrix - S3 Object Storage</label>' in page
    assert 'value="iaas"' not in page  # a draft in every language: not for sales
    client.post("/logout", data={"csrf": csrf})
    login(client, "leo")
    assert 'value="iaas"' in client.get("/customers/new").text


def test_the_user_is_the_providers_signatory_of_a_new_customer(client):
    csrf = login(client, "sam")
    r = client.post("/account/signatory", data={"csrf": csrf, "name": "Julien  Moreau", "title": "Directeur"},
                    follow_redirects=False)
    assert "Saved." in client.get(r.headers["location"]).text
    page = client.get("/customers/new").text
    assert 'name="sig_provider_name" type="text" value="Julien Moreau"' in page
    assert 'name="sig_provider_title" type="text" value="Directeur"' in page
