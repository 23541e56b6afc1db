"""Signing as provider then customer: PAdES B-B, incremental, certified by the provider with
form filling still allowed, both signatures valid for pyHanko and for poppler's pdfsig, and the
annex still PDF/A-3 with its embedded data."""
from __future__ import annotations

import json
import shutil
import subprocess

import pikepdf
import pytest

from . import pki
from .conftest import run


def validate(path, root):
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    context = ValidationContext(trust_roots=[x509.Certificate.load(root.cert.public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER))])
    with open(path, "rb") as f:
        reader = PdfFileReader(f)
        return [(s.field_name, s.docmdp_level, validate_pdf_signature(s, context))
                for s in reader.embedded_regular_signatures]


def test_each_signature_is_an_incremental_update(signed):
    unsigned, provider, both = (p.read_bytes() for p in signed)
    assert provider.startswith(unsigned) and both.startswith(provider)


def test_pyhanko_validates_both_and_the_certification_allows_the_second(signed, ca):
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm
    (prov_field, prov_mdp, prov), (cust_field, cust_mdp, cust) = validate(signed[2], ca[0])
    assert (prov_field, cust_field) == ("provider", "customer")
    assert prov_mdp == MDPPerm.FILL_FORMS and cust_mdp is None  # the provider certifies
    for status in (prov, cust):
        assert status.intact and status.valid and status.trusted and status.bottom_line
        assert status.md_algorithm == "sha256"
        assert status.signing_cert.subject.native["organization_name"] == "Annex Test PKI"
    assert prov.modification_level == ModificationLevel.FORM_FILLING and prov.docmdp_ok
    assert cust.modification_level == ModificationLevel.NONE


def test_signatures_are_pades_with_the_chain_embedded(signed, ca):
    from pyhanko.pdf_utils.reader import PdfFileReader
    with open(signed[2], "rb") as f:
        for sig in PdfFileReader(f).embedded_regular_signatures:
            assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
            subjects = {c.subject.native["common_name"] for c in sig.signed_data["certificates"].native and
                        [c.chosen for c in sig.signed_data["certificates"]]}
            assert "Annex Test Root CA" in subjects  # the chain, not only the signer's certificate


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed")
def test_pdfsig_finds_both_signatures_valid(signed):
    out = subprocess.run(["pdfsig", str(signed[2])], capture_output=True, text=True).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert "Signature Field Name: provider" in out and "Signature Field Name: customer" in out
    assert "ETSI.CAdES.detached" in out and "SHA-256" in out


def test_the_signed_annex_is_still_pdfa_with_its_data(signed, annex_pdf):
    with pikepdf.open(signed[2]) as pdf, pikepdf.open(annex_pdf) as before:
        meta, original = pdf.open_metadata(), before.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "A"
        for key in ("dc:title", "dc:creator", "pdf:Keywords", "xmp:CreateDate", "dc:language"):
            assert meta.get(key) == original.get(key), key
        info = pdf.docinfo  # PDF/A: the Info dictionary agrees with the XMP metadata
        assert str(info["/Producer"]) == meta.get("pdf:Producer") and "/ModDate" not in info
        data = pdf.attachments["annex-data.json"].get_file().read_bytes()
        assert data == before.attachments["annex-data.json"].get_file().read_bytes()
        for field in pdf.Root.AcroForm.Fields:  # every appearance font embedded (PDF/A)
            fonts = list(field.AP.N.Resources.Font.values())
            assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor for f in fonts)


def test_the_appearance_names_the_signer_in_the_annex_language(signed):
    with pikepdf.open(signed[2]) as pdf:
        fields = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
        streams = fields["customer"].AP.N.read_bytes()
        rect = [float(v) for v in fields["customer"].Rect]
    with pikepdf.open(signed[0]) as pdf:
        before = [float(v) for v in next(f for f in pdf.Root.AcroForm.Fields if f.T == "customer").Rect]
    assert b"Claire Martin" in streams and b"Sign\\351 num\\351riquement par" in streams
    assert rect == before  # the appearance fills the field where the box is drawn


def test_verify_reports_both_signatures_and_the_data(signed, ca):
    result = run("verify", signed[2], "--trust", ca[1]["root"], "--data", "data", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["unsigned_fields"] == []
    assert [(s["field"], s["certifying"], s["trusted"], s["changes_after"]) for s in report["signatures"]] == [
        ("provider", True, True, "form filling"), ("customer", False, True, "none")]
    assert report["annex"]["current"] is True and report["annex"]["attachment_matches_pages"]
    again = run("verify", signed[2], "--trust", ca[1]["root"], "--data", "data", "--json")
    assert again.stdout == result.stdout  # stable for machines


def test_verify_says_when_the_data_has_moved_on(signed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree("data", data)
    fr = data / "matrices" / "s3-object-storage" / "fr.yaml"
    text = fr.read_text(encoding="utf-8")
    last = "- {version: 1.0.0, date: 2024-01-15, summary: Publication}\n"
    assert last in text
    fr.write_text(text.replace("version: 1.0.0", "version: 1.1.0", 1).replace(
        last, last + "- {version: 1.1.0, date: 2024-06-01, summary: Révision}\n", 1), encoding="utf-8")
    result = run("verify", signed[2], "--data", data, "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["annex"]["current"] is False, result.output
    assert report["annex"]["newer_version"] == "1.1.0"


def test_sign_writes_beside_the_input_and_never_overwrites(ca, annex_pdf, tmp_path):
    src = tmp_path / "annex.pdf"
    shutil.copy(annex_pdf, src)
    first = run("sign", src, "--p12", ca[1]["provider"])
    assert first.exit_code == 0, first.output
    target = tmp_path / "annex_signed.pdf"
    kept = target.read_bytes()
    again = run("sign", src, "--p12", ca[1]["provider"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert target.read_bytes() == kept and src.read_bytes() == annex_pdf.read_bytes()


def test_passphrase_comes_from_env_or_file_never_the_command_line(ca, annex_pdf, tmp_path):
    p12 = ca[1]["provider"]
    no_option = run("sign", annex_pdf, "--p12", p12, "--passphrase", "x", "-o", tmp_path / "a.pdf")
    assert no_option.exit_code == 2
    wrong = run("sign", annex_pdf, "--p12", p12, "-o", tmp_path / "b.pdf", passphrase=b"not it")
    assert wrong.exit_code == 2 and "not it" not in wrong.output and "Traceback" not in wrong.output
    secret = tmp_path / "secret"
    secret.write_bytes(pki.PASSPHRASE + b"\n")
    ok = run("sign", annex_pdf, "--p12", p12, "--passphrase-file", secret, "-o", tmp_path / "c.pdf", passphrase=None)
    assert ok.exit_code == 0, ok.output


def test_a_filled_field_cannot_be_signed_again(signed, ca, tmp_path):
    result = run("sign", signed[1], "--p12", ca[1]["customer"], "--field", "provider", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1 and "empty fields: customer" in result.output


def test_verify_builds_again_with_the_brand_the_annex_was_made_with(tmp_path):
    """The brand's version is part of the fingerprint: an annex of another brand is current
    only against that brand (`--templates`), not against the default one."""
    brand = tmp_path / "brand"
    shutil.copytree("templates/default", brand)
    (brand / "annex.css").write_text((brand / "annex.css").read_text(encoding="utf-8") + "\n/* ours */\n",
                                     encoding="utf-8")
    out = tmp_path / "out"
    built = run("build", "s3-object-storage", "--customer", "data/customers/example.yaml#banque-horizon",
                "--templates", brand, "--format", "pdf", "-o", out)
    assert built.exit_code == 0, built.output
    pdf = next(out.rglob("*.pdf"))
    ours = json.loads(run("verify", pdf, "--data", "data", "--templates", brand, "--json").stdout)
    default = json.loads(run("verify", pdf, "--data", "data", "--json").stdout)
    assert ours["annex"]["current"] is True, ours
    assert default["annex"]["current"] is False and "inputs changed" in " ".join(default["annex"]["problems"])
