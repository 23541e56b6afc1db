"""`annex batch --since VERSION`: the change notice beside each regenerated annex, against the
annex the customer signed, listed in the manifest; a re-run leaves it unchanged."""
from __future__ import annotations

import json
import shutil

import yaml

from tests.conftest import CUSTOMERS, DATA
from tests.helpers import annex

EXAMPLE = DATA / "examples" / "s3-object-storage-fr-v1.1.0.yaml"


def test_batch_since_writes_the_notice_beside_the_annex(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA / "matrices", data / "matrices")
    everyone = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]
    customers = tmp_path / "customers.yaml"
    customers.write_text(yaml.safe_dump({"customers": [c for c in everyone if c["id"] == "banque-horizon"]},
                                        allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(customers), "-j", "1", "--format", "pdf", "-o", str(out), "--data", str(data)]
    assert annex(*args).returncode == 0
    signed = out / "banque-horizon" / "s3-object-storage_fr_v1.0.0.pdf"
    assert signed.is_file()
    shutil.copy(EXAMPLE, data / "matrices" / "s3-object-storage" / "fr.yaml")  # the provider publishes 1.1.0

    r = annex(*args, "--since", "1.0.0")
    assert r.returncode == 0, r.stderr
    notice = out / "banque-horizon" / "s3-object-storage_fr_v1.0.0-to-v1.1.0.pdf"
    assert notice.is_file() and (out / "banque-horizon" / "s3-object-storage_fr_v1.1.0.pdf").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    entry = next(e for e in manifest if e["format"] == "notice-pdf")
    assert entry["path"] == "banque-horizon/s3-object-storage_fr_v1.0.0-to-v1.1.0.pdf"
    assert entry["status"] == "written" and entry["version"] == "1.1.0" and entry["size"] == notice.stat().st_size
    assert any(e["format"] == "pdf" and e["version"] == "1.1.0" for e in manifest)

    again = annex(*args, "--since", "1.0.0")
    assert again.returncode == 0, again.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    assert {e["format"]: e["status"] for e in manifest} == {"pdf": "unchanged", "notice-pdf": "unchanged"}


def test_batch_since_without_the_old_version_fails_that_notice_only(tmp_path):
    customers = tmp_path / "customers.yaml"
    everyone = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]
    customers.write_text(yaml.safe_dump({"customers": [c for c in everyone if c["id"] == "mutuelle-atlantique"]},
                                        allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    r = annex("batch", str(customers), "-j", "1", "--format", "docx", "-o", str(out), "--since", "0.9.0")
    assert r.returncode == 1 and "no annex of version 0.9.0" in r.stderr and "Traceback" not in r.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    assert {e["format"]: e["status"] for e in manifest} == {"docx": "written", "notice-docx": "failed"}
