"""`build --sign` and `batch --sign`: the annex as built, plus `<name>_signed.pdf` signed in the
provider's field; the batch manifest records the signed file's SHA-256, and a re-run keeps a
signed copy that still signs the same bytes."""
from __future__ import annotations

import hashlib
import json

from ..conftest import CUSTOMERS, DATA
from .conftest import run

ONE_CUSTOMER = CUSTOMERS.read_text(encoding="utf-8").split("\n  - id: mutuelle-atlantique")[0] + "\n"


def test_build_sign_writes_a_signed_copy_in_the_provider_field(ca, tmp_path):
    args = ("build", "s3-object-storage", "--customer", f"{CUSTOMERS}#banque-horizon", "--format", "pdf",
            "--data", DATA, "-o", tmp_path, "--sign", ca[1]["provider"])
    first = run(*args)
    assert first.exit_code == 0, first.output
    unsigned = tmp_path / "banque-horizon" / "s3-object-storage_fr_v1.0.0.pdf"
    signed = unsigned.with_name("s3-object-storage_fr_v1.0.0_signed.pdf")
    assert signed.read_bytes().startswith(unsigned.read_bytes())
    report = json.loads(run("verify", signed, "--trust", ca[1]["root"], "--json").stdout)
    assert [s["field"] for s in report["signatures"]] == ["provider"] and report["unsigned_fields"] == ["customer"]
    before = signed.read_bytes()
    again = run(*args)
    assert again.exit_code == 0 and "kept" in again.output and signed.read_bytes() == before


def test_a_bad_passphrase_stops_the_build_before_any_work(ca, tmp_path):
    result = run("build", "s3-object-storage", "--format", "pdf", "--data", DATA, "-o", tmp_path,
                 "--sign", ca[1]["provider"], passphrase=b"wrong")
    assert result.exit_code == 2 and not list(tmp_path.rglob("*.pdf"))


def test_batch_sign_records_the_signed_sha256(ca, tmp_path):
    customers = tmp_path / "customers.yaml"
    customers.write_text(ONE_CUSTOMER, encoding="utf-8")
    out = tmp_path / "out"
    args = ("batch", customers, "-j", "1", "--format", "pdf", "--data", DATA, "-o", out, "--sign", ca[1]["provider"])
    assert run(*args).exit_code == 0
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"][0]
    signed = out / entry["path"].replace(".pdf", "_signed.pdf")
    assert entry["signed_sha256"] == hashlib.sha256(signed.read_bytes()).hexdigest()
    assert signed.read_bytes().startswith((out / entry["path"]).read_bytes())
    assert "signed_sha256" in (out / "manifest.csv").read_text(encoding="utf-8").splitlines()[0]
    assert run(*args).exit_code == 0  # a re-run: unchanged annex, same signed copy
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"][0]
    assert again["status"] == "unchanged" and again["signed_sha256"] == entry["signed_sha256"]
