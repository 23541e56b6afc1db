"""One truth for every rule: `validate`, `build` and `batch` run the same checker, so the same
inputs get the same verdict from each (a translation that contradicts the reference, deviations
that break the rules or collide, a matrix that relaxes a rule)."""
from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, S3
from .helpers import annexes


def annex(*args):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def matrix_folder(tmp_path: Path, *, de_roles: str | None = None, relax: bool = False) -> Path:
    folder = tmp_path / "data" / "matrices" / "s3-object-storage"
    folder.mkdir(parents=True)
    for lang in ("fr", "de"):
        text = (S3 / f"{lang}.yaml").read_text(encoding="utf-8")
        if lang == "de" and de_roles:
            text = text.replace("roles: {customer: RA, provider: CI}", de_roles, 1)
        if relax:
            assert "\nrules:" not in text
            text = text.replace("\nstatus: approved\n", "\nstatus: approved\nrules: {one_accountable: warning}\n", 1)
        (folder / f"{lang}.yaml").write_text(text, encoding="utf-8")
    return folder


def customers(tmp_path: Path, deviations: list[dict], lang: str = "fr") -> Path:
    path = tmp_path / "customers.yaml"
    path.write_text(yaml.safe_dump({"customers": [{
        "id": "acme", "name": "Acme SA", "lang": lang, "matrices": ["s3-object-storage"],
        "effective_date": "2025-03-01", "deviations": [copy.deepcopy(d) for d in deviations]}]}, allow_unicode=True),
                    encoding="utf-8")
    return path


GOOD = {"activity": "assurer-sauvegarde-donnees", "roles": {"customer": "A", "provider": "R"}, "reason": "Option."}
TWO_A = {"activity": "assurer-sauvegarde-donnees", "roles": {"customer": "A", "provider": "RA"}, "reason": "Option."}
UNKNOWN = {"activity": "nope", "roles": {"customer": "A", "provider": "R"}, "reason": "Option."}

CASES = {
    "clean": dict(deviations=[GOOD]),
    "translation contradicts the reference": dict(deviations=[], de_roles="roles: {customer: RA, provider: C}",
                                                  lang="de"),
    "two deviations on one activity": dict(deviations=[GOOD, GOOD]),
    "deviation on an unknown activity": dict(deviations=[UNKNOWN]),
    "deviation with two A": dict(deviations=[TWO_A]),
    "deviation with two A, the matrix relaxes one_accountable": dict(deviations=[TWO_A], relax=True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_build_and_batch_give_the_same_verdict(tmp_path, case):
    spec = CASES[case]
    folder = matrix_folder(tmp_path, de_roles=spec.get("de_roles"), relax=spec.get("relax", False))
    cust = customers(tmp_path, spec["deviations"], spec.get("lang", "fr"))
    data = tmp_path / "data"
    validated, built, batch = annexes(
        ["validate", str(folder), str(cust), "--data", str(data)],
        ["build", "s3-object-storage", "--customer", f"{cust}#acme", "--data", str(data), "--format", "docx",
         "-o", str(tmp_path / "out")],
        ["batch", str(cust), "--data", str(data), "--format", "docx", "-j", "1", "-o", str(tmp_path / "b")],
        timeout=300)
    verdicts = {"validate": validated.returncode, "build": built.returncode, "batch": batch.returncode}
    expected = 0 if case.startswith("clean") or "relaxes" in case else 1
    assert verdicts == {"validate": expected, "build": expected, "batch": expected}, (
        verdicts, validated.stderr, built.stderr, batch.stderr)
    for result in (validated, built, batch):
        assert "Traceback" not in result.stderr
    if case == "translation contradicts the reference":
        assert "de.yaml" in built.stderr and "translation-roles" in built.stderr


def test_building_the_reference_language_is_not_blocked_by_a_bad_translation(tmp_path):
    folder = matrix_folder(tmp_path, de_roles="roles: {customer: RA, provider: C}")
    built = annex("build", str(folder / "fr.yaml"), "--format", "docx", "-o", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    shutil.rmtree(tmp_path / "out")
