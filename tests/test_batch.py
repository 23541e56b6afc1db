"""`annex batch`: every customer's annexes, a manifest that matches the files, incremental
re-runs, one bad customer failing alone, and no partial file after a kill."""
import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.infra.atomic import TEMP_PREFIX

from .conftest import CUSTOMERS, DATA, ROOT
from .helpers import annex


def files_under(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith("manifest")}


@pytest.fixture(scope="module")
def yaml_batch(tmp_path_factory) -> Path:
    """The sample customers' batch, both formats, two workers: the tests read it, or copy it
    before running again into it."""
    out = tmp_path_factory.mktemp("batch") / "out"
    first = annex("batch", str(CUSTOMERS), "-j", "2", "-o", str(out))
    assert first.returncode == 0, first.stderr
    return out


def test_yaml_and_csv_give_the_same_annexes(tmp_path, yaml_batch):
    b = tmp_path / "b"
    rb = annex("batch", str(CUSTOMERS.with_suffix(".csv")), "--format", "docx", "-j", "2", "-o", str(b))
    assert rb.returncode == 0, rb.stderr
    fa = {name: digest for name, digest in files_under(yaml_batch).items() if name.endswith(".docx")}
    fb = files_under(b)
    assert len(fa) == len(yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"])
    assert fa == fb


def test_manifest_matches_the_files_and_second_run_writes_nothing(tmp_path, yaml_batch):
    out = tmp_path / "out"
    shutil.copytree(yaml_batch, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["annexes"]
    assert manifest["summary"]["written"] == len(entries) == 12 and manifest["summary"]["failed"] == 0
    for e in entries:
        path = out / e["path"]
        data = path.read_bytes()
        assert e["size"] == len(data) and e["sha256"] == hashlib.sha256(data).hexdigest()
        assert len(e["fingerprint"]) == 64 and e["status"] == "written"
        assert path.name == f"{e['matrix']}_{e['lang']}_v{e['version']}.{e['format']}"
        assert path.parent.name == e["customer"]
    csv_lines = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == len(entries) + 1 and csv_lines[0].startswith("customer,matrix,lang")
    stats = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*.*") if "manifest" not in p.name}

    second = annex("batch", str(CUSTOMERS), "-j", "2", "-o", str(out))
    assert second.returncode == 0, second.stderr
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["status"] for e in again["annexes"]} == {"unchanged"}
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in stats} == stats

    forced = annex("batch", str(CUSTOMERS), "--format", "docx", "--force", "-j", "2", "-o", str(out))
    assert forced.returncode == 0
    assert {e["status"] for e in json.loads((out / "manifest.json").read_text())["annexes"]} == {"written"}


def make_data(tmp_path: Path) -> Path:
    """A data folder with the S3 matrix and a second matrix (a copy under another id)."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "matrices", data / "matrices")
    other = data / "matrices" / "s3-copy"
    other.mkdir()
    for f in (DATA / "matrices" / "s3-object-storage").glob("*.yaml"):
        (other / f.name).write_text(f.read_text(encoding="utf-8").replace("id: s3-object-storage", "id: s3-copy", 1),
                                    encoding="utf-8")
    return data


def test_one_bad_customer_fails_alone_and_changing_a_matrix_regenerates_only_its_annexes(tmp_path):
    data = make_data(tmp_path)
    customers = tmp_path / "c.yaml"
    customers.write_text(
        "customers:\n"
        "  - {id: one, name: One, lang: fr, matrices: [s3-object-storage]}\n"
        "  - {id: two, name: Two, lang: en, matrices: [s3-copy]}\n"
        "  - {id: ../evil, name: Evil, lang: fr, matrices: [s3-copy]}\n"
        "  - {id: three, name: Three, lang: de, matrices: [s3-object-storage, s3-copy],\n"
        "     deviations: [{matrix: s3-copy, activity: nope, roles: {customer: RA}, reason: x}]}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    run = annex("batch", str(customers), "--format", "docx", "--data", str(data), "-o", str(out))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "../evil" in run.stderr and "nope" in run.stderr
    entries = json.loads((out / "manifest.json").read_text())["annexes"]
    status = {(e["customer"], e["matrix"]): e["status"] for e in entries}
    assert status == {("one", "s3-object-storage"): "written", ("two", "s3-copy"): "written",
                      ("../evil", "s3-copy"): "failed", ("three", "s3-object-storage"): "written",
                      ("three", "s3-copy"): "failed"}
    assert not (tmp_path / "evil").exists() and sorted(p.name for p in out.iterdir()) == [
        "manifest.csv", "manifest.json", "one", "three", "two"]

    copy = data / "matrices" / "s3-copy"
    for f in copy.glob("*.yaml"):
        f.write_text(f.read_text(encoding="utf-8").replace("Cloud Temple", "Cloud Temple SAS"), encoding="utf-8")
    rerun = annex("batch", str(customers), "--format", "docx", "--data", str(data), "-o", str(out))
    assert rerun.returncode == 1
    manifest = json.loads((out / "manifest.json").read_text())
    status = {(e["customer"], e["matrix"]): e["status"] for e in manifest["annexes"]}
    assert status[("one", "s3-object-storage")] == "unchanged"
    assert status[("three", "s3-object-storage")] == "unchanged"
    assert status[("two", "s3-copy")] == "written"


def complete(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None and "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_batch_leaves_only_complete_annexes(tmp_path, sig):
    many = tmp_path / "many.yaml"
    base = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]
    # twice the sample: the kill (after 3 PDFs of 12 annexes) lands mid-batch, asserted below
    customers = [dict(copy.deepcopy(c), id=f"{c['id']}-{n}") for n in range(2) for c in base]
    many.write_text(yaml.safe_dump({"customers": customers}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "generator", "batch", str(many), "-j", "2", "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.rglob("*.pdf"))) < 3:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    os.killpg(proc.pid, sig) if sig == signal.SIGKILL else proc.send_signal(sig)
    proc.wait(60)
    time.sleep(0.5)  # let orphaned workers of a SIGKILLed parent finish their one write
    assert proc.returncode != 0
    # a worker killed mid-write leaves its temporary file (swept by the next run, checked below);
    # every file under an annex's own name is complete
    written = [p for p in out.rglob("*") if p.suffix in (".pdf", ".docx") and not p.name.startswith(TEMP_PREFIX)]
    assert written and all(complete(p) for p in written)
    assert not (out / "manifest.json").exists()
    if sig == signal.SIGTERM:
        assert not list(out.rglob(f"{TEMP_PREFIX}*"))
    # the next batch into the folder (one customer is enough: it sweeps the whole folder) succeeds
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({"customers": customers[:1]}, allow_unicode=True), encoding="utf-8")
    rerun = annex("batch", str(one), "--format", "docx", "-o", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert not list(out.rglob(f"{TEMP_PREFIX}*"))
