"""The web service attacked the way a hostile customer, a curious colleague and a fault
injector would (issue 19): each test mounts the attack for real (a throwaway PKI and real
signatures, a real server on 127.0.0.1, real uploads) and checks the service's answer."""
from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from ..conftest import DATA, load_customer, make_annex
from ..signing import pki
from ..web.conftest import PASSWORD, SAMPLE, USERS, create_customer, csrf_of, login, make_app
from ..web.server import Server

CHECK_SECONDS = 5  # the served checks' time limit: far above a real review DOCX, far below the hostile one


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    root, other = pki.make_root(), pki.make_root("Someone Else's Root", key_no=5)
    provider = pki.issue(root, "Julien Moreau", 1)
    return {"root": pki.write_pem(folder / "root.pem", root),
            "provider": pki.write_p12(folder / "provider.p12", provider, root),
            "provider_cert": pki.write_pem(folder / "provider.pem", provider),
            "customer": pki.write_p12(folder / "customer.p12", pki.issue(root, "Claire Martin", 2), root),
            "stranger": pki.write_p12(folder / "stranger.p12", pki.issue(other, "Mallory", 4), other)}


def sign(pdf: bytes, p12, party: str) -> bytes:
    from generator.signing.sign import SignOptions, load_signer, sign_bytes
    return sign_bytes(pdf, load_signer(p12, pki.PASSPHRASE), SignOptions(field=party))


def issue(client, customer: str, lang: str = "fr") -> tuple[str, bytes]:
    r = client.post(f"/customers/{customer}/issue", data={"csrf": client.csrf, "matrix": "s3-object-storage",
                                                           "lang": lang}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    aid = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    return aid, client.get(f"/annexes/{aid}/pdf").content


def upload_signed(client, aid: str, pdf: bytes):
    return client.post("/legal/signed", data={"csrf": client.csrf, "annex": aid}, files={"file": ("s.pdf", pdf)},
                       follow_redirects=False)


def is_signed(client, aid: str) -> bool:
    return bool(re.search(r'<dd id="signed">yes</dd>', client.get(f"/annexes/{aid}").text))


def failed_checks(html: str) -> list[str]:
    import html as h
    block = re.search(r'<ul class="failed-checks">(.*?)</ul>', html, re.S)
    return [h.unescape(x) for x in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []


@pytest.fixture
def legal_web(tmp_path, ca):
    """The service trusting the test root, with a customer created in the web (not in data/)."""
    app = make_app(tmp_path, trust=(ca["root"],))
    with TestClient(app) as client:
        client.csrf = login(client, "leo")
        create_customer(client, client.csrf, id="web-only", name="Web Only SA")
        create_customer(client, client.csrf, id="other-co", name="Other Co")
        yield client


def test_a_signed_annex_is_recorded_and_a_forged_claim_refused_with_the_check_named(legal_web, ca):
    aid, pdf = issue(legal_web, "web-only")
    provider_only = sign(pdf, ca["provider"], "provider")
    both = sign(provider_only, ca["customer"], "customer")
    r = upload_signed(legal_web, aid, provider_only)  # the customer has not signed yet
    assert r.status_code == 400 and "no signature of the customer" in r.text and not is_signed(legal_web, aid)
    r = upload_signed(legal_web, aid, both)
    assert r.status_code == 303, failed_checks(r.text) or r.text[-2000:]
    assert r.headers["location"].endswith("?done=countersigned") and is_signed(legal_web, aid)
    again, _ = issue(legal_web, "web-only")
    assert again == aid  # one register row per fingerprint
    # a valid signed PDF of annex A uploaded as annex B (another customer's annex) is refused
    other, _ = issue(legal_web, "other-co")
    r = upload_signed(legal_web, other, both)
    failed = failed_checks(r.text)
    assert r.status_code == 400 and not is_signed(legal_web, other)
    assert any(f.startswith("fingerprint") for f in failed), failed
    assert any(f.startswith("signed byte ranges") for f in failed), failed


def test_the_customers_signature_then_the_providers_move_the_status(legal_web, ca):
    aid, pdf = issue(legal_web, "other-co")
    by_customer = sign(pdf, ca["customer"], "customer")
    r = upload_signed(legal_web, aid, by_customer)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=customer_signed"), failed_checks(r.text)
    assert 'id="status">Signed by the customer<' in legal_web.get(f"/annexes/{aid}").text
    r = upload_signed(legal_web, aid, sign(by_customer, ca["provider"], "provider"))
    assert r.headers["location"].endswith("?done=countersigned"), failed_checks(r.text)
    assert 'id="status">Countersigned<' in legal_web.get(f"/annexes/{aid}").text


def test_a_signer_outside_the_trusted_roots_is_refused_as_untrusted(legal_web, ca):
    aid, pdf = issue(legal_web, "web-only")
    forged = sign(sign(pdf, ca["stranger"], "provider"), ca["customer"], "customer")
    r = upload_signed(legal_web, aid, forged)
    failed = failed_checks(r.text)
    assert r.status_code == 400 and not is_signed(legal_web, aid)
    assert [f for f in failed if f.startswith("trust")] and "Mallory" in " ".join(failed), failed
    assert not [f for f in failed if f.startswith(("fingerprint", "signed byte ranges", "current"))], failed



def test_the_providers_own_certificate_is_trusted_without_a_root(tmp_path, ca):
    app = make_app(tmp_path, provider_certs=(ca["provider_cert"],))
    with TestClient(app) as client:
        client.csrf = login(client, "leo")
        create_customer(client, client.csrf, id="web-only", name="Web Only SA")
        aid, pdf = issue(client, "web-only")
        r = upload_signed(client, aid, sign(sign(pdf, ca["provider"], "provider"), ca["customer"], "customer"))
    failed = failed_checks(r.text)
    assert r.status_code == 400 and [f for f in failed if f.startswith("trust")], failed
    assert "Claire Martin" in " ".join(failed) and "Julien Moreau" not in " ".join(failed), failed


# --- CPU-bound checks off the event loop, in a limited process (item 2) -------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("serve"), DATA, USERS, PASSWORD, extra=(
        "--insecure-cookies", "--check-seconds", str(CHECK_SECONDS), "--check-memory", "4096")).start()
    yield srv
    srv.stop()


def signed_in(server: Server, name: str) -> httpx.Client:
    """A client of the real server, signed in through the form; `.csrf` holds the session's token."""
    client = httpx.Client(base_url=server.url, timeout=60)
    page = client.get("/login")
    r = client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": PASSWORD, "next": "/account"})
    assert r.status_code == 303, r.text[:300]
    client.csrf = csrf_of(client.get("/account").text)  # type: ignore[attr-defined]
    return client


def hostile_review_docx(paragraphs: int = 1_000_000) -> bytes:
    """A real review DOCX with a million empty paragraphs added: ~210 KiB on the wire."""
    from generator.writers import renderer
    data = renderer("review")(make_annex("fr", load_customer("banque-horizon")))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "word/document.xml":
                body = body.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * paragraphs, 1)
            z.writestr(item, body)
    return out.getvalue()


def children(pid: int) -> set[int]:
    """The live child processes of `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_a_hostile_docx_is_refused_while_the_service_answers(server):
    client = signed_in(server, "leo")
    r = client.post("/customers/new", data={"csrf": client.csrf, **SAMPLE, "id": "banque-horizon"})
    assert r.status_code == 303, r.text[:500]
    assert server.proc is not None
    before = children(server.proc.pid)
    answer: dict = {}

    def upload() -> None:
        answer["r"] = client.post("/legal/review", data={"csrf": client.csrf, "customer": "banque-horizon"},
                                  files={"file": ("reviewed.docx", hostile_review_docx())}, timeout=120)
    sender = threading.Thread(target=upload)
    sender.start()
    answered = 0
    while sender.is_alive() and answered < 500:  # the service answers while the upload is checked
        r = httpx.get(server.url + "/healthz", timeout=CHECK_SECONDS * 2)
        assert r.status_code == 200
        answered += 1
    sender.join(120)
    r = answer["r"]
    assert 400 <= r.status_code < 500, r.text[-1500:]
    assert re.search(r"too large or too complex|limit|more than [\d,]+ paragraphs", r.text), r.text[-1500:]
    assert answered >= 1 and children(server.proc.pid) == before  # the check's process is gone


def spin(_job) -> None:
    while True:
        pass


def test_a_check_over_its_time_is_killed_and_refused_saying_so():
    import os

    from generator.web.isolation import Limits, TooComplex, run_limited
    before = children(os.getpid())
    with pytest.raises(TooComplex, match=r"took over 2 s"):
        run_limited(spin, None, Limits(seconds=2))
    assert children(os.getpid()) == before  # the spinning worker was killed and reaped


def hog(_job) -> int:
    return len(bytearray(2 << 30))  # 2 GiB at once, as a decompressor or a parser could ask


def test_a_check_over_its_memory_is_stopped_and_refused_saying_so():
    from generator.web.isolation import MIB, Limits, TooComplex, run_limited
    with pytest.raises(TooComplex, match=r"needed over 128 MiB"):
        run_limited(hog, None, Limits(seconds=60, memory=128 * MIB))
    assert run_limited(len, b"fits", Limits(seconds=60, memory=128 * MIB)) == 4


# --- bodies capped at the edge, before anything reads them (item 3) ------------------------------

def raw_request(server: Server, head: str, body: bytes = b"") -> tuple[int, str]:
    """Send a request head (and `body`, perhaps far less than it declares) on a raw socket;
    the status and the text of the answer the server gives without waiting for the rest."""
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < 64:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    text = answer.decode("latin-1")
    return int(text.split(" ", 2)[1]), text


def test_a_large_body_is_refused_before_it_is_read(server):
    mib = 1024 * 1024
    # 60 MiB declared to the API without a token: 401 at once (the body is never sent)
    status, text = raw_request(server, f"POST /api/annexes HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                       f"Content-Length: {60 * mib}\n", b'{"matrix": ')
    assert status == 401 and "www-authenticate: bearer" in text.lower()
    # 30 MiB multipart to /login: 413 at once, with the security headers
    status, text = raw_request(server, f"POST /login HTTP/1.1\nHost: x\nContent-Type: multipart/form-data; "
                                       f"boundary=b\nContent-Length: {30 * mib}\n", b"--b\r\n")
    assert status == 413 and "content-security-policy" in text.lower()
    # 30 MiB upload by legal (signed in): 413 at once
    client = signed_in(server, "leo")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    status, _ = raw_request(server, f"POST /legal/signed HTTP/1.1\nHost: x\nCookie: {cookie}\nContent-Type: "
                                    f"multipart/form-data; boundary=b\nContent-Length: {30 * mib}\n", b"--b\r\n")
    assert status == 413
    # a signed-out multipart upload is not spooled: refused before its body
    status, _ = raw_request(server, f"POST /legal/signed HTTP/1.1\nHost: x\nContent-Type: multipart/form-data; "
                                    f"boundary=b\nContent-Length: {2 * mib}\n", b"--b\r\n")
    assert status == 303


def test_a_chunked_body_is_counted_and_cut_at_the_limit(server):
    token = subprocess_token(server, "sam")

    def chunks():
        yield b'{"matrix": "s3-object-storage", "customer": {"name": "'
        for _ in range(64):  # 4 MiB, over the API's 1 MiB, with no Content-Length
            yield b"x" * 65536
        yield b'"}}'
    r = httpx.post(server.url + "/api/annexes", content=chunks(), timeout=60,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"].startswith("the request is over 1,024 KiB")
    assert r.headers["content-security-policy"]


def subprocess_token(server: Server, name: str) -> str:
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "generator", "token", "create", name, "--db", server.db],
                         check=True, capture_output=True, text=True, timeout=120)
    return out.stdout.strip()


# --- the sign-in limit under concurrency, per account and address (item 4) -----------------------

def test_concurrent_wrong_passwords_are_counted_and_lock_only_that_account(server):
    from concurrent.futures import ThreadPoolExecutor
    attempts = []
    for _ in range(12):  # each its own sign-in page: its own CSRF cookie and token
        client = httpx.Client(base_url=server.url, timeout=60)
        attempts.append((client, csrf_of(client.get("/login").text)))

    def wrong(attempt) -> int:
        client, csrf = attempt
        return client.post("/login", data={"csrf": csrf, "name": "ada", "password": "wrong password!"}).status_code
    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(wrong, attempts))
    assert codes.count(401) == 5 and codes.count(429) == 7, codes  # 5 checked, the rest refused unchecked
    signed_in(server, "sam")  # a colleague behind the same address still signs in
    client = httpx.Client(base_url=server.url, timeout=60)
    r = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "name": "ada", "password": PASSWORD})
    assert r.status_code == 429  # ada from this address stays locked for the window


# --- ids, a locked database, a full disk (item 9) ------------------------------------------------

def assert_headers(r) -> None:
    assert r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY", dict(r.headers)


def test_ids_beyond_64_bit_name_nothing(tmp_path):
    from ..web.conftest import token_for
    app = make_app(tmp_path)
    with TestClient(app) as client:
        api = {"Authorization": f"Bearer {token_for(app, 'sam')}"}
        for path in ("/api/annexes/9999999999999999999999", "/api/annexes/9999999999999999999999/files/pdf",
                     "/api/audit?since=99999999999999999999"):
            r = client.get(path, headers=api if "audit" not in path else {
                "Authorization": f"Bearer {token_for(app, 'ada')}"})
            assert r.status_code == 422 and r.json()["errors"], (path, r.text)
            assert_headers(r)
        client.csrf = login(client, "leo")
        for path in ("/annexes/9999999999999999999999", "/annexes/-1/pdf"):
            r = client.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert_headers(r)
        r = upload_signed(client, "9999999999999999999999", b"%PDF-1.7\n%%EOF\n")
        assert r.status_code == 404
        assert_headers(r)


def test_a_locked_database_answers_busy_retry(tmp_path):
    import sqlite3

    from ..web.conftest import token_for
    app = make_app(tmp_path, db_wait=0.5)
    with TestClient(app) as client:
        token = token_for(app, "sam")
        page = client.get("/login")
        holder = sqlite3.connect(tmp_path / "annex.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        try:
            r = client.post("/login", data={"csrf": csrf_of(page.text), "name": "sam", "password": PASSWORD})
            assert r.status_code == 503 and r.headers["retry-after"] and "busy" in r.text.lower()
            assert_headers(r)
            r = client.post("/api/annexes", headers={"Authorization": f"Bearer {token}"},
                            json={"matrix": "s3-object-storage", "customer": {"id": "x", "name": "X"}})
            assert r.status_code == 503 and r.headers["retry-after"] and "busy" in r.json()["error"]
            assert_headers(r)
        finally:
            holder.execute("ROLLBACK")
            holder.close()


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (mounted as root; skipped where mounting is not allowed)."""
    import subprocess
    folder = tmp_path / "tiny"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_during_an_upload_is_said_and_leaves_nothing(tmp_path, tiny_disk, monkeypatch):
    import os
    import tempfile
    app = make_app(tmp_path)
    with TestClient(app) as client:
        client.csrf = login(client, "leo")
        aid, _ = issue_for(client)
        monkeypatch.setattr(tempfile, "tempdir", str(tiny_disk))  # where uploads are spooled
        r = upload_signed(client, aid, b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n")
        monkeypatch.undo()
    assert r.status_code == 507 and "disk is full" in r.text, r.text[-800:]
    assert_headers(r)
    disk = os.statvfs(tiny_disk)
    assert disk.f_bfree == disk.f_blocks, "the spooled upload is still on the disk"
    held = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd") if _readable_link(fd)]
    assert not [h for h in held if h.startswith(str(tiny_disk))], held


def _readable_link(fd: str) -> bool:
    import os
    try:
        os.readlink(f"/proc/self/fd/{fd}")
        return True
    except OSError:
        return False


def issue_for(client) -> tuple[str, bytes]:
    create_customer(client, client.csrf, id="disk-co", name="Disk Co")
    return issue(client, "disk-co")


# --- customer ids differing only by case (item 10) -----------------------------------------------

def test_the_api_refuses_an_id_that_differs_only_by_case(tmp_path):
    from generator.readers.customers import read_customer_entries

    from ..web.conftest import token_for
    app = make_app(tmp_path)
    with TestClient(app) as client:
        api = {"Authorization": f"Bearer {token_for(app, 'ada')}"}
        body = {"matrix": "s3-object-storage", "format": "docx",
                "customer": {"id": "Case-Collide", "name": "Case SA", "lang": "fr", "matrices": ["s3-object-storage"]}}
        assert client.post("/api/annexes", headers=api, json=body).status_code == 201
        body["customer"] = {**body["customer"], "id": "case-collide"}
        r = client.post("/api/annexes", headers=api, json=body)
        assert r.status_code == 422, r.text
        assert "differs from `Case-Collide` only by case" in r.json()["errors"][0]["message"]
        export = tmp_path / "customers.yaml"
        export.write_bytes(_admin_export(client))
    entries, _ = read_customer_entries(export)
    assert [e.customer.id for e in entries if e.customer] == ["Case-Collide"] and not [e for e in entries if e.problems]


def _admin_export(client) -> bytes:
    login(client, "ada")
    r = client.get("/admin/customers/export.yaml")
    assert r.status_code == 200
    return r.content


# --- two admins editing one customer (item 11) ---------------------------------------------------

def test_a_later_form_on_an_older_version_is_refused_showing_both_values(tmp_path):
    app = make_app(tmp_path)
    with TestClient(app) as first, TestClient(app) as second:
        first.csrf, second.csrf = login(first, "ada"), login(second, "ada")
        create_customer(first, first.csrf)
        opened = [c.get("/customers/acme/edit").text for c in (first, second)]
        versions = [re.search(r'name="version" value="(\d+)"', page).group(1) for page in opened]
        assert versions[0] == versions[1]
        r = first.post("/customers/acme/edit", data={"csrf": first.csrf, **SAMPLE, "name": "ACME Group",
                                                       "version": versions[0]}, follow_redirects=False)
        assert r.status_code == 303
        r = second.post("/customers/acme/edit", data={"csrf": second.csrf, **SAMPLE, "contract": "CT-9",
                                                        "lang": "en", "sig_customer_name": "Paul Durand",
                                                        "version": versions[1]}, follow_redirects=False)
        assert r.status_code == 409
        rows = re.findall(r"<tr><th scope=\"row\"[^>]*>([^<]+)</th><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>",
                          r.text)
        # each field as the form labels it, each value as the form shows it: never `sig_customer_name` or `fr`
        assert ("Legal name", "ACME Group", "ACME SA") in rows and ("Contract reference", "CT-1", "CT-9") in rows, rows
        assert [f for f, _, _ in rows][:3] == ["Legal name", "Contract reference", "Annex language"]  # in form order
        assert ("Annex language", "French", "English") in rows, rows
        assert any(f.startswith("Signatory: ") and f.endswith(" – Name") and (saved, yours) == ("Claire Martin",
                   "Paul Durand") for f, saved, yours in rows), rows
        assert "ACME Group" in first.get("/customers/acme").text  # the earlier save stands
        again = re.search(r'name="version" value="(\d+)"', r.text).group(1)  # the 409 form offers the new version
        r = second.post("/customers/acme/edit", data={"csrf": second.csrf, **SAMPLE, "contract": "CT-9",
                                                        "version": again}, follow_redirects=False)
        assert r.status_code == 303 and "CT-9" in second.get("/customers/acme").text


# --- a forged proposal sent back by the review page (item 7, the web's part) ---------------------

@pytest.mark.parametrize("forged, said", [
    ("[" * 100_000 + "]" * 100_000, "proposal"),  # nesting that would overflow a recursive parser
    ('[{"activity": "x", "roles": {"customer": ["A"]}, "reason": "r", "matrix": "s3-object-storage"}]',
     "proposal[0].roles.customer"),
    ('[{"activity": "x", "roles": {}, "reason": "r"}]', "names its matrix"),
    ("not json at all", "proposal: Invalid JSON"),
])
def test_a_forged_proposal_is_refused_with_a_located_message(tmp_path, forged, said):
    app = make_app(tmp_path)
    with TestClient(app) as client:
        client.csrf = login(client, "leo")
        create_customer(client, client.csrf)
        r = client.post("/legal/review/apply", data={"csrf": client.csrf, "customer": "acme", "proposal": forged,
                                                     "accept": "0"})
    assert r.status_code == 400 and said in r.text, r.text[-800:]
    assert_headers(r)


# --- one person's pile of uploads never queues everyone else's checks ---------------------------

def test_a_user_with_checks_going_is_refused_more_and_others_are_not(tmp_path):
    from contextlib import ExitStack
    app = make_app(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # not an annex: its check refuses it, quickly
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    reviewed = buf.getvalue()
    with TestClient(app) as leo, TestClient(app) as ada:
        leo.csrf, ada.csrf = login(leo, "leo"), login(ada, "ada")
        create_customer(ada, ada.csrf)

        def upload(client):
            return client.post("/legal/review", data={"csrf": client.csrf, "customer": "acme"},
                               files={"file": ("reviewed.docx", reviewed)})
        with ExitStack() as going:  # leo's two uploads still being checked: the most one user may have
            for _ in range(app.state.settings.checks_per_user):
                going.enter_context(app.state.legal.per_user.hold("leo"))
            r = upload(leo)
            assert r.status_code == 429 and r.headers["retry-after"] == "10"
            assert "wait until they are done" in r.text
            assert upload(ada).status_code == 400  # another person's upload is checked meanwhile
        assert upload(leo).status_code == 400  # once leo's checks end, leo's next upload is checked
        assert not app.state.legal.per_user.held  # nothing stays counted after a check


# --- job tokens of the progress line (issue 21) ----------------------------------------------------

def test_a_job_token_injected_into_the_progress_line_or_a_form_reaches_nothing(tmp_path):
    import uuid

    from generator.web.progress import job_id
    app = make_app(tmp_path)
    hostile = ["..%2F..%2Fadmin%2Fusers", "%2e%2e", "x" * 60_000, "%00" + str(uuid.uuid4())[3:],
               str(uuid.uuid4()) + "%0d%0aSet-Cookie:%20x=1", "*", "annex:job:*", str(uuid.uuid4()).upper()]
    with TestClient(app) as sam, TestClient(app) as leo:
        csrf = login(sam, "sam")
        create_customer(sam, csrf)
        token = str(uuid.uuid4())
        r = sam.post("/customers/acme/preview", data={"csrf": csrf, "matrix": "s3-object-storage", "lang": "fr",
                                                      "job": token})
        assert r.status_code == 200 and sam.get(f"/progress/{token}").json()["state"] == "done"
        for bad in hostile:
            r = sam.get(f"/progress/{bad}")
            assert r.status_code in (400, 404) and "set-cookie" not in r.headers and "state" not in r.text, bad
            assert_headers(r)
            form = {"csrf": csrf, "matrix": "s3-object-storage", "lang": "fr", "job": bad.replace("%0d%0a", "\r\n")}
            assert sam.post("/customers/acme/preview", data=form).status_code == 400, bad
        login(leo, "leo")  # a colleague who learnt sam's token: it names no job of theirs
        assert leo.get(f"/progress/{token}").json() == {"state": "unknown", "ahead": None, "text": "Working…"}
    # what reaches the queue's Redis is a digest, never the browser's text
    assert all(c in "0123456789abcdef" for c in job_id(1, token).removeprefix("annex-web-"))
