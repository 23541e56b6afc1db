"""PAdES B-T and B-LT against a local RFC 3161 time-stamping authority on 127.0.0.1 (pyHanko's
in-process test TSA behind a small HTTP server), signed through `annex sign --timestamp URL`."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pikepdf
import pytest

from . import pki
from .conftest import run


@pytest.fixture(scope="module")
def tsa_url(ca):
    from asn1crypto import keys, tsp, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import DummyTimeStamper
    root = ca[0]
    tsa = pki.issue(root, "Annex Test TSA", 6, tsa=True)
    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=x509.Certificate.load(tsa.cert.public_bytes(der)),
        tsa_key=keys.PrivateKeyInfo.load(tsa.key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption())),
        certs_to_embed=[x509.Certificate.load(root.cert.public_bytes(der))])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_b_t_signature_is_time_stamped_and_verified(annex_pdf, ca, tsa_url, tmp_path):
    out = tmp_path / "bt.pdf"
    result = run("sign", annex_pdf, "--p12", ca[1]["provider"], "--timestamp", tsa_url, "-o", out)
    assert result.exit_code == 0 and "PAdES B-T" in result.output, result.output
    checked = run("verify", out, "--trust", ca[1]["root"], "--json")
    report = json.loads(checked.stdout)
    assert checked.exit_code == 0, checked.stdout
    assert report["signatures"][0]["timestamped"] is True


def test_b_lt_stores_validation_data_in_the_dss(annex_pdf, ca, tsa_url, tmp_path):
    out = tmp_path / "blt.pdf"
    result = run("sign", annex_pdf, "--p12", ca[1]["provider"], "--timestamp", tsa_url, "--ltv", "-o", out)
    assert result.exit_code == 0 and "PAdES B-LT" in result.output, result.output
    with pikepdf.open(out) as pdf:
        assert len(pdf.Root.DSS.Certs) >= 2  # the signer's chain, for validation years later
    assert run("verify", out, "--trust", ca[1]["root"]).exit_code == 0


def test_ltv_without_a_time_stamp_is_a_usage_error(annex_pdf, ca, tmp_path):
    result = run("sign", annex_pdf, "--p12", ca[1]["provider"], "--ltv", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 2 and "--timestamp" in result.output


def test_an_unreachable_time_stamping_authority_fails_cleanly(annex_pdf, ca, tmp_path):
    result = run("sign", annex_pdf, "--p12", ca[1]["provider"], "--timestamp", "http://127.0.0.1:9/",
                 "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1 and "signing failed" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()
