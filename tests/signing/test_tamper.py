"""Attacks on a signed annex: each is reported by `annex verify`, exit 1 (2 when unreadable)."""
from __future__ import annotations

import io
import json

from .conftest import run


def verdict(path, ca, *extra):
    result = run("verify", path, "--trust", ca[1]["root"], "--json", *extra)
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith("{") else result.output


def test_the_untouched_signed_annex_passes(signed, ca):
    code, report = verdict(signed[2], ca)
    assert code == 0 and report["ok"], report


def test_one_byte_changed_in_the_signed_range(signed, ca, tmp_path):
    data = bytearray(signed[2].read_bytes())
    at = data.index(b"\n", data.index(b"%PDF")) + 2  # the binary comment after the header: still a PDF
    assert at < len(signed[0].read_bytes())  # inside what both signatures cover
    data[at] ^= 0x01
    bad = tmp_path / "flipped.pdf"
    bad.write_bytes(bytes(data))
    code, report = verdict(bad, ca)
    assert code == 1 and not report["ok"]
    assert all(not s["intact"] for s in report["signatures"])


def test_an_appended_update_that_changes_the_page_content(signed, ca, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    writer = IncrementalPdfFileWriter(io.BytesIO(signed[2].read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    forged = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (Roles changed) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    bad = tmp_path / "appended.pdf"
    bad.write_bytes(out.getvalue())
    code, report = verdict(bad, ca)
    assert code == 1
    for s in report["signatures"]:
        assert s["intact"] and not s["changes_permitted"] and not s["covers_document"]
        assert s["changes_after"] == "other"


def test_a_signature_from_an_untrusted_root(annex_pdf, ca, tmp_path):
    out = tmp_path / "stranger.pdf"
    assert run("sign", annex_pdf, "--p12", ca[1]["stranger"], "-o", out).exit_code == 0
    code, report = verdict(out, ca)
    assert code == 1 and report["signatures"][0]["trusted"] is False
    assert report["signatures"][0]["intact"]  # the bytes are fine: it is the signer we do not trust
    assert "does not chain to a given trust root" in " ".join(report["signatures"][0]["problems"])


def test_a_signature_by_an_expired_certificate(annex_pdf, ca, tmp_path):
    out = tmp_path / "expired.pdf"
    assert run("sign", annex_pdf, "--p12", ca[1]["expired"], "-o", out).exit_code == 0
    code, report = verdict(out, ca)
    assert code == 1
    sig = report["signatures"][0]
    assert sig["certificate_valid_at_signing"] is False and sig["trusted"] is False
    without_trust = run("verify", out)  # expiry is caught even without a trust root
    assert without_trust.exit_code == 1 and "not valid at signing time" in without_trust.stdout


def test_an_unsigned_or_unreadable_file(annex_pdf, ca, tmp_path):
    code, report = verdict(annex_pdf, ca)
    assert code == 1 and report["signatures"] == [] and report["unsigned_fields"] == ["customer", "provider"]
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    result = run("verify", junk)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert run("verify", tmp_path / "missing.pdf").exit_code == 2
