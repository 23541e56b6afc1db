"""Hostile input files: each test builds the attack in a temporary folder and checks that annex
refuses it with one located message and the documented exit code, without a traceback, without
waiting, without reading anything outside its place, and that in a batch the bad customer fails
alone while the others are built.

The commands run in a subprocess with a timeout: a reader that blocks on a FIFO or reads
/dev/zero forever then fails the test instead of hanging the suite.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from generator.model import limits

from ..conftest import DATA
from ..helpers import annex as run_annex

TIMEOUT = 120  # seconds; far above a normal run, reached only by a reader that blocks
S3 = "s3-object-storage"
GOOD = "  - {id: good, name: Good SA, lang: fr, matrices: [s3-object-storage]}\n"


def annex(*args: str) -> subprocess.CompletedProcess:
    result = run_annex(*args, timeout=TIMEOUT, preexec_fn=_bounded_memory)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _bounded_memory() -> None:
    """A reader that regressed to reading /dev/zero stops at 4 GiB with MemoryError, instead of
    taking the machine's memory for the whole timeout."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def batch(customers: Path, out: Path, data: Path = DATA) -> tuple[subprocess.CompletedProcess, dict]:
    """A DOCX batch (the fastest format); the manifest's status per (customer, matrix)."""
    result = annex("batch", str(customers), "--format", "docx", "-j", "1", "-o", str(out), "--data", str(data))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8")) if (out / "manifest.json").exists() \
        else {"annexes": []}
    return result, {(e["customer"], e["matrix"]): e for e in manifest["annexes"]}


def customers_file(folder: Path, body: str, name: str = "c.yaml") -> Path:
    path = folder / name
    path.write_text("customers:\n" + GOOD + body, encoding="utf-8")
    return path


def only_good_built(result, entries: dict, out: Path) -> None:
    assert result.returncode == 1, result.stderr
    assert entries[("good", S3)]["status"] == "written"
    assert (out / "good" / f"{S3}_fr_v1.0.0.docx").is_file()
    assert [e for k, e in entries.items() if k[0] != "good" and e["status"] != "failed"] == []


# item 3: only regular files are read; the size limit holds on bytes read; nothing blocks

@pytest.mark.parametrize("command", ["validate", "build", "batch"])
def test_a_fifo_is_refused_at_once_by_every_command(tmp_path, command):
    fifo = tmp_path / "customers.yaml"
    os.mkfifo(fifo)
    args = {"validate": ["validate", str(fifo)],
            "build": ["build", S3, "--customer", f"{fifo}#good", "-o", str(tmp_path / "out")],
            "batch": ["batch", str(fifo), "-o", str(tmp_path / "out")]}[command]
    result = annex(*args)  # a reader that opened the FIFO would wait here for a writer, forever
    assert result.returncode == 2
    assert f"{fifo}: error: is a FIFO (named pipe)" in result.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_being_read(tmp_path, target):
    result = annex("validate", target)
    assert result.returncode == 2 and f"{target}: error: is a character device" in result.stderr
    link = tmp_path / "matrix.yaml"
    link.symlink_to(target)
    result = annex("build", str(link), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "is a character device" in result.stderr


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "m.yaml"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        result = annex("validate", str(path))
    finally:
        server.close()
    assert result.returncode == 2 and "is a socket" in result.stderr


def test_side_files_and_matrices_that_are_not_regular_fail_their_customer_alone(tmp_path):
    """A FIFO as a CSV's deviations side file and as a matrix under the data folder: refused at
    once, the customer using it fails, the others are built."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "matrices" / S3, data / "matrices" / S3)
    (data / "matrices" / "piped").mkdir()
    os.mkfifo(data / "matrices" / "piped" / "fr.yaml")
    os.mkfifo(tmp_path / "dev.yaml")
    csv = tmp_path / "c.csv"
    csv.write_text("id,name,lang,matrices,deviations\ngood,Good SA,fr,s3-object-storage,\n"
                   "side,Side SA,fr,s3-object-storage,dev.yaml\npiped,Piped SA,fr,piped,\n", encoding="utf-8")
    result, entries = batch(csv, tmp_path / "out", data)
    only_good_built(result, entries, tmp_path / "out")
    assert "dev.yaml: error: is a FIFO" in entries[("side", S3)]["error"]
    assert "piped/fr.yaml: error: is a FIFO" in entries[("piped", "piped")]["error"]


# item 4: customer data names matrices by id only; side files stay in the CSV's folder

def test_matrices_in_customer_files_are_ids_never_paths(tmp_path):
    """Every entry would have been read as a file before; the FIFO one would have hung."""
    secret = tmp_path / "secret.yaml"
    secret.write_text((DATA / "matrices" / S3 / "fr.yaml").read_text(encoding="utf-8")
                      .replace("id: s3-object-storage", "id: stolen-secret", 1), encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    refs = [str(secret), "../secret.yaml", str(tmp_path / "pipe.yaml"), "/dev/zero", "data/../secret"]
    body = "".join(f"  - {{id: c{i}, name: C{i}, lang: fr, matrices: ['{ref}']}}\n" for i, ref in enumerate(refs))
    path = customers_file(tmp_path, body)
    result, entries = batch(path, tmp_path / "out")
    only_good_built(result, entries, tmp_path / "out")
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert "stolen-secret" not in manifest
    for i in range(len(refs)):
        assert "never a path" in entries[(f"c{i}", refs[i])]["error"]
    report = annex("validate", str(path))
    assert report.returncode == 1 and report.stderr.count("never a path") == len(refs)


def test_a_matrix_id_that_leads_out_of_the_data_folder_through_a_symlink_is_refused(tmp_path):
    data, outside = tmp_path / "data", tmp_path / "outside"
    shutil.copytree(DATA / "matrices" / S3, data / "matrices" / S3)
    shutil.copytree(DATA / "matrices" / S3, outside / "stolen")
    (data / "matrices" / "by-folder").symlink_to(outside / "stolen", target_is_directory=True)
    (data / "matrices" / "by-file").mkdir()
    (data / "matrices" / "by-file" / "fr.yaml").symlink_to(outside / "stolen" / "fr.yaml")
    # a link that stays inside the matrices folder is fine (a folder is still named by its id)
    release = data / "matrices" / "releases" / f"{S3}-1.0.0"
    (data / "matrices" / S3).rename(release.parent.mkdir() or release)
    (data / "matrices" / S3).symlink_to(release, target_is_directory=True)
    path = customers_file(tmp_path, "  - {id: a, name: A, lang: fr, matrices: [by-folder]}\n"
                                    "  - {id: b, name: B, lang: fr, matrices: [by-file]}\n"
                                    f"  - {{id: c, name: C, lang: fr, matrices: [{S3}]}}\n")
    result, entries = batch(path, tmp_path / "out", data)
    assert result.returncode == 1
    assert entries[("good", S3)]["status"] == entries[("c", S3)]["status"] == "written"
    for cid, mid in (("a", "by-folder"), ("b", "by-file")):
        assert entries[(cid, mid)]["status"] == "failed"
        assert "through a symbolic link" in entries[(cid, mid)]["error"]
    # the command line's own argument may still be a path, or an id with the same checks
    assert annex("build", str(outside / "stolen" / "fr.yaml"), "--format", "docx",
                 "-o", str(tmp_path / "cli")).returncode == 0
    refused = annex("build", "by-file", "--data", str(data), "-o", str(tmp_path / "cli"))
    assert refused.returncode == 2 and "through a symbolic link" in refused.stderr


def test_a_deviations_side_file_must_stay_in_the_csv_folder(tmp_path):
    folder = tmp_path / "sales"
    folder.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("deviations:\n  - {activity: stolen-activity, roles: {customer: A}, reason: x}\n",
                       encoding="utf-8")
    (folder / "link.yaml").symlink_to(outside)
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    refs = {"dotdot": "../outside.yaml", "absolute": str(outside), "symlink": "link.yaml",
            "dir-link": "sub/up/outside.yaml", "device": "/dev/zero"}
    csv = folder / "c.csv"
    csv.write_text("id,name,lang,matrices,deviations\ngood,Good SA,fr,s3-object-storage,\n"
                   + "".join(f"{cid},X,fr,s3-object-storage,{ref}\n" for cid, ref in refs.items()), encoding="utf-8")
    result, entries = batch(csv, tmp_path / "out")
    only_good_built(result, entries, tmp_path / "out")
    assert "stolen-activity" not in (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    for cid in refs:
        message = entries[(cid, S3)]["error"]
        assert f"c.csv:{list(refs).index(cid) + 3}:5: error [deviations-file]" in message
        assert "leaves the CSV's folder" in message or "not a relative path" in message


# item 11: what used to be a traceback is one located message

def test_an_impossible_date_fails_its_customer_alone(tmp_path):
    path = customers_file(tmp_path, "  - id: bad\n    name: Bad SA\n    lang: fr\n    matrices: [s3-object-storage]\n"
                                    "    effective_date: 2025-02-30\n")
    result, entries = batch(path, tmp_path / "out")
    only_good_built(result, entries, tmp_path / "out")
    assert f"{path}:7:21: error [invalid-value]: customers[1].effective_date" in entries[("bad", S3)]["error"]
    report = annex("validate", str(path))
    assert report.returncode == 1 and "customers[1].effective_date" in report.stderr


@pytest.mark.parametrize("escape, shown", [(r"\e[2J", "U+001B (ESC)"), (r"\0", "U+0000 (NUL)"),
                                            (r"\f", "U+000C (FORM FEED)"), (r"\x9b", "U+009B (CSI)"),
                                            (r"\x7f", "U+007F (DEL)"), (r"\n", "U+000A (LINE FEED)")])
def test_control_characters_in_a_text_field_are_refused_with_field_and_position(tmp_path, escape, shown):
    path = customers_file(tmp_path, f'  - {{id: bad, name: "Bad{escape} SA", lang: fr, matrices: [{S3}]}}\n')
    result = annex("validate", str(path))
    assert result.returncode == 1
    assert "c.yaml:3:21: error [invalid-value]: customers[1].name: " in result.stderr
    assert f"{shown} at character 4" in result.stderr


def test_control_characters_written_raw_are_refused_with_their_line(tmp_path):
    (tmp_path / "c.yaml").write_bytes(b"customers:\n  - {id: bad, name: Bad\x1b SA}\n")
    csv = tmp_path / "c.csv"
    csv.write_bytes(b"id,name,lang,matrices\ngood,Good SA,fr,s3-object-storage\n"
                    b"bad,Bad\x1b[31m SA,fr,s3-object-storage\n")
    result = annex("validate", str(tmp_path / "c.yaml"), str(csv))
    assert result.returncode == 2
    assert "c.yaml:2:24: error: control character U+001B (ESC)" in result.stderr
    assert "c.csv:3:2: error [invalid-value]: customers[1].name: control character U+001B (ESC) at character 4" \
        in result.stderr


@pytest.mark.parametrize("text", ["[" * 1000, "- " * 1000 + "x", "{a: " * 1000,
                                  "\n".join(" " * i + "a:" for i in range(1000)) + " x"])
def test_deep_nesting_is_a_located_message(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    for args in (["validate", str(path)], ["batch", str(path), "-o", str(tmp_path / "out")]):
        result = annex(*args)
        assert result.returncode == 2
        assert "c.yaml:1:" in result.stderr or "c.yaml:33:" in result.stderr
        assert f"nested more than {limits.MAX_NESTING} levels" in result.stderr


def test_a_csv_cell_over_the_csv_limit_is_a_located_message(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("id,name\ngood,Good\nbig,\"" + "x" * (limits.MAX_CSV_CELL + 10) + "\"\n", encoding="utf-8")
    result = annex("validate", str(csv))
    assert result.returncode == 2 and "c.csv:3: error: cannot be read as CSV: a cell is over 128 KiB" in result.stderr


# item 12: bidirectional controls

@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u061c"])
def test_bidirectional_controls_are_refused_in_yaml_and_csv(tmp_path, char):
    path = customers_file(tmp_path, f'  - {{id: evil, name: "Evil {char}PROC", lang: fr, matrices: [{S3}]}}\n')
    csv = tmp_path / "c.csv"
    csv.write_text(f"id,name,lang,matrices,customer_place\ngood,Good,fr,{S3},Paris\nevil,Evil,fr,{S3},Pa{char}ris\n",
                   encoding="utf-8")
    result = annex("validate", str(path), str(csv))
    assert result.returncode == 1
    code = f"U+{ord(char):04X}"
    assert f"c.yaml:3:22: error [invalid-value]: customers[1].name: bidirectional control character {code}" \
        in result.stderr and "at character 6" in result.stderr
    assert f"c.csv:3:5: error [invalid-value]: customers[1].signatories.customer.place: bidirectional control " \
           f"character {code}" in result.stderr


# item 13: documented limits, checked at read time

def test_limits_are_checked_at_read_time_with_the_limit_named(tmp_path):
    fr = (DATA / "matrices" / S3 / "fr.yaml").read_text(encoding="utf-8")
    long_text = fr.replace("text: ", "text: " + "x" * limits.MAX_TEXT, 1)
    deep = fr.replace("sections:\n", "sections:\n" + "".join(
        "  " * (2 * d) + "- title: T\n" + "  " * (2 * d + 1) + "sections:\n" for d in range(limits.MAX_SECTION_DEPTH)
    ) + "  " * (2 * limits.MAX_SECTION_DEPTH) + "- title: Too deep\n", 1)
    rows = "".join(f"  - {{id: a{i}, text: A, roles: {{customer: RA, provider: I}}}}\n"
                   for i in range(limits.MAX_ACTIVITIES + 1))
    many = fr.replace("sections:\n", f"sections:\n- title: Many\n  activities:\n{rows}", 1)
    cases = {"long.yaml": (long_text, f"over the limit of {limits.MAX_TEXT:,}"),
             "deep.yaml": (deep, f"section nested {limits.MAX_SECTION_DEPTH + 1} levels deep, over the limit"),
             "many.yaml": (many, f"more than {limits.MAX_ACTIVITIES:,} activities")}
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        result = annex("validate", str(tmp_path / name))
        assert result.returncode == 1 and f"{name}:" in result.stderr and message in result.stderr, name
        assert "README.md (Data, Limits)" in result.stderr
    name = "x" * (limits.MAX_NAME + 1)
    path = customers_file(tmp_path, f"  - {{id: long, name: {name}, lang: fr, matrices: [{S3}]}}\n")
    result = annex("validate", str(path))
    assert result.returncode == 1 and f"customers[1].name: is {limits.MAX_NAME + 1} characters long, over the " \
                                      f"limit of {limits.MAX_NAME}" in result.stderr
    assert name not in result.stderr  # the message does not echo the value back


def test_every_shipped_matrix_and_customer_file_is_within_the_limits():
    result = annex("validate", str(DATA))
    assert result.returncode == 0, result.stderr


# item 14: what used to be accepted quietly

def test_ids_that_differ_only_by_case_collide(tmp_path):
    path = customers_file(tmp_path, f"  - {{id: GOOD, name: Other SA, lang: fr, matrices: [{S3}]}}\n")
    result, entries = batch(path, tmp_path / "out")
    assert result.returncode == 1 and entries[("good", S3)]["status"] == "written"
    assert entries[("GOOD", S3)]["status"] == "failed"
    assert "differs from `good` only by case" in entries[("GOOD", S3)]["error"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir()) == ["good"]


@pytest.mark.parametrize("cid", ["con", "CON", "Aux", "nul", "prn", "com1", "LPT9"])
def test_reserved_device_names_are_refused_as_ids(tmp_path, cid):
    path = customers_file(tmp_path, f"  - {{id: {cid}, name: X, lang: fr, matrices: [{S3}, nul.x]}}\n")
    result = annex("validate", str(path))
    assert result.returncode == 1
    assert f"c.yaml:3:10: error [invalid-value]: customers[1].id: `{cid}` is a name Windows reserves" in result.stderr
    assert "customers[1].matrices[1]: `nul.x` is a name Windows reserves" in result.stderr


def test_a_repeated_csv_column_is_an_error(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("id,name,lang,name\ngood,Good SA,fr,Other SA\n", encoding="utf-8")
    result = annex("validate", str(csv))
    assert result.returncode == 1
    assert "c.csv:1:4: error [duplicate-column]: column `name` appears twice" in result.stderr


def test_the_same_matrix_twice_for_a_customer_is_an_error(tmp_path):
    path = customers_file(tmp_path, f"  - {{id: twice, name: X, lang: fr, matrices: [{S3}, {S3}]}}\n")
    result = annex("validate", str(path))
    assert result.returncode == 1
    assert f"c.yaml:3:66: error [duplicate-matrix]: customers[1].matrices[1]: customer `twice`: matrix `{S3}` is " \
           "listed twice" in result.stderr
    built = annex("build", S3, "--customer", f"{path}#good", "--format", "docx", "-o", str(tmp_path / "out"))
    assert built.returncode == 1 and "listed twice" in built.stderr  # the file is refused as a whole by build
