"""The web service attacked the way a hostile customer, a curious colleague and a fault
injector would (issue 19): each test mounts the attack for real (a throwaway PKI and real
signatures, a real server on 127.0.0.1, real uploads) and checks the service's answer."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ..signing import pki
from ..web.conftest import create_customer, login, make_app


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    root, other = pki.make_root(), pki.make_root("Someone Else's Root", key_no=5)
    return {"root": pki.write_pem(folder / "root.pem", root),
            "provider": pki.write_p12(folder / "provider.p12", pki.issue(root, "Julien Moreau", 1), root),
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

