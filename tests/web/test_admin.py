"""Administration: users and roles, customers in and out as the YAML/CSV files `annex batch`
reads, the audit log."""
from __future__ import annotations

from generator.readers.customers import read_customers

from .conftest import CUSTOMERS_FILE, PASSWORD, create_customer, login


def test_admin_adds_a_user_who_can_then_sign_in(app, client):
    csrf = login(client, "ada")
    r = client.post("/admin/users", data={"csrf": csrf, "name": "nina", "password": "another long pass",
                                          "role": "legal",
                                          "lang": "de"}, follow_redirects=False)
    assert r.status_code == 303 and 'id="saved">Saved.<' in client.get(r.headers["location"]).text
    from fastapi.testclient import TestClient
    with TestClient(app) as other:
        login(other, "nina", "another long pass")
        assert other.get("/legal").status_code == 200 and "<h1>Recht</h1>" in other.get("/legal").text


def test_weak_password_and_bad_name_are_refused(client):
    csrf = login(client, "ada")
    r = client.post("/admin/users", data={"csrf": csrf, "name": "nina", "password": "short", "role": "sales"})
    assert r.status_code == 400 and "10 or more" in r.text
    r = client.post("/admin/users", data={"csrf": csrf, "name": "a b", "password": PASSWORD, "role": "sales"})
    assert r.status_code == 400


def test_admin_changes_a_role_and_cannot_demote_themself(app, client):
    from generator.web.db import User
    csrf = login(client, "ada")
    with app.state.sessionmaker() as db:
        sam = db.query(User).filter_by(name="sam").one().id
        ada = db.query(User).filter_by(name="ada").one().id
    r = client.post(f"/admin/users/{sam}", data={"csrf": csrf, "role": "legal", "active": "on"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/admin/users/{ada}", data={"csrf": csrf, "role": "sales", "active": "on"})
    assert r.status_code == 400
    with app.state.sessionmaker() as db:
        assert db.get(User, sam).role == "legal" and db.get(User, ada).role == "admin"


def test_import_the_sample_file_then_export_gives_the_same_customers(client, tmp_path):
    csrf = login(client, "ada")
    data = CUSTOMERS_FILE.read_bytes()
    r = client.post("/admin/customers/import", data={"csrf": csrf}, files={"file": ("example.yaml", data)})
    assert r.status_code == 200, r.text
    original, _ = read_customers(CUSTOMERS_FILE)
    assert f"{len(original)} customer(s) imported" in r.text
    exported = tmp_path / "out.yaml"
    exported.write_bytes(client.get("/admin/customers/export.yaml").content)
    back, _ = read_customers(exported)
    assert sorted(back, key=lambda c: c.id) == sorted(original, key=lambda c: c.id)


def test_csv_export_reads_back_without_deviations(client, tmp_path):
    csrf = login(client, "ada")
    client.post("/admin/customers/import", data={"csrf": csrf},
                files={"file": ("example.yaml", CUSTOMERS_FILE.read_bytes())})
    path = tmp_path / "out.csv"
    path.write_bytes(client.get("/admin/customers/export.csv").content)
    back = {c.id: c for c in read_customers(path)[0]}
    original = {c.id: c for c in read_customers(CUSTOMERS_FILE)[0]}
    assert back == {k: c.model_copy(update={"deviations": []}) for k, c in original.items()}


def test_import_keeps_good_customers_and_reports_bad_ones_with_their_line(client):
    csrf = login(client, "ada")
    text = ("customers:\n"
            "  - {id: good, name: Good SA, lang: fr, matrices: [s3-object-storage]}\n"
            "  - {id: bad, name: Bad SA, lang: fr, matrices: [nope]}\n"
            "  - {id: 'x y', name: Worse}\n")
    r = client.post("/admin/customers/import", data={"csrf": csrf}, files={"file": ("mine.yaml", text.encode())})
    assert r.status_code == 400
    assert "1 customer(s) imported" in r.text
    assert "mine.yaml:3:" in r.text and "unknown matrix `nope`" in r.text and "mine.yaml:4:" in r.text
    assert "/customers/good" in client.get("/customers").text and "/customers/bad" not in client.get("/customers").text


def test_import_refuses_an_oversized_file(tmp_path):
    from fastapi.testclient import TestClient

    from .conftest import make_app
    app = make_app(tmp_path, max_upload=1000)
    with TestClient(app) as client:
        csrf = login(client, "ada")
        r = client.post("/admin/customers/import", data={"csrf": csrf}, files={"file": ("big.yaml", b"#" * 1001)})
        assert r.status_code == 413


def test_audit_page_lists_who_did_what(client):
    csrf = login(client, "ada")
    create_customer(client, csrf)
    html = client.get("/admin/audit").text
    assert "customer-create" in html and "login" in html and "user-add" in html


def test_admin_resets_a_password_and_the_old_sessions_end(app):
    from fastapi.testclient import TestClient

    from generator.web.db import User
    with TestClient(app) as admin, TestClient(app) as sam:
        csrf = login(admin, "ada")
        login(sam, "sam")
        with app.state.sessionmaker() as db:
            uid = db.query(User).filter_by(name="sam").one().id
        r = admin.post(f"/admin/users/{uid}", data={"csrf": csrf, "role": "sales", "active": "on",
                                                   "password": "a brand new password"}, follow_redirects=False)
        assert r.status_code == 303
        assert sam.get("/customers", follow_redirects=False).status_code == 303
        login(sam, "sam", "a brand new password")


def test_user_changes_their_own_password_given_the_current_one(client):
    csrf = login(client, "sam")
    r = client.post("/account/password", data={"csrf": csrf, "current": "wrong one!!", "new": "a brand new password"})
    assert r.status_code == 400
    r = client.post("/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "a brand new password"},
                    follow_redirects=False)
    assert r.status_code == 303 and client.get("/customers", follow_redirects=False).status_code == 303
    login(client, "sam", "a brand new password")


def test_the_audit_log_filters_pages_and_exports_neutralised_csv(app, client):
    import csv
    import io

    from generator.web.db import audit
    csrf = login(client, "ada")
    with app.state.sessionmaker.begin() as db:
        for n in range(130):
            audit(db, "sam", "preview", f"customer-{n}")
        audit(db, "=HYPERLINK(\"http://evil\")", "login-failed", "session")
    page = client.get("/admin/audit", params={"action": "preview"}).text
    assert page.count("<tr><td") == 100 and "Page 1 of 2" in page and "customer-129" in page
    assert "customer-0<" in client.get("/admin/audit", params={"action": "preview", "page": 2}).text
    assert "customer-12<" in client.get("/admin/audit", params={"subject": "customer-12"}).text
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit.csv", params={"action": "login-failed"}).text)))
    assert rows[0] == ["id", "at", "actor", "action", "subject", "detail"]
    assert [r[2] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")"]  # a formula is shown as text
    assert len(list(csv.reader(io.StringIO(client.get("/admin/audit.csv").text)))) > 130
    assert client.get("/admin/audit", params={"since": "soon"}).status_code == 400
    assert csrf
