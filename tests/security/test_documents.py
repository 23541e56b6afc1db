"""Hostile documents handed to `sign`, `verify`, `diff` and `review-import`: each test builds the
attack from a real annex in a temporary folder (tests/security/hostile_pdf.py for the PDF
updates) and runs the command as a user does, in a subprocess whose address space is capped:
the outcome must be a located refusal with the documented exit code, no traceback, and work
that stays bounded (a regression shows as MemoryError, a kill or the hang guard, not a slow test).
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import zipfile
from pathlib import Path

import pytest

from generator.model import limits

from ..conftest import DATA, load_customer, make_annex
from ..helpers import annex as run_annex
from ..signing import pki
from . import hostile_pdf

HANG_GUARD = 120  # seconds: reached only by a reader that blocks on a FIFO
MEMORY = 1 << 30  # address space of each command: annex needs ~300 MiB; a million-paragraph tree far more
S3 = "s3-object-storage"


def annex(*args, memory: int = MEMORY) -> subprocess.CompletedProcess:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    env = {**os.environ, "ANNEX_P12_PASSPHRASE": pki.PASSPHRASE.decode()}
    result = run_annex(*map(str, args), timeout=HANG_GUARD, preexec_fn=cap, env=env)
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A throwaway PKI, an annex (PDF and review DOCX) and the annex signed by the provider."""
    from generator.signing.sign import SignOptions, sign_bytes
    from generator.writers import docx, pdf
    folder = tmp_path_factory.mktemp("documents")
    root = pki.make_root()
    signer_p12 = pki.write_p12(folder / "provider.p12", pki.issue(root, "Julien Moreau", 1), root)
    customer = load_customer("banque-horizon")
    unsigned = pdf.render(make_annex("fr", customer))
    (folder / "annex.pdf").write_bytes(unsigned)
    (folder / "review.docx").write_bytes(docx.render(make_annex("fr", customer, review=True)))
    from generator.signing.sign import load_signer
    signed = sign_bytes(unsigned, load_signer(signer_p12, pki.PASSPHRASE), SignOptions())
    (folder / "signed.pdf").write_bytes(signed)
    return {"folder": folder, "root": pki.write_pem(folder / "root.pem", root), "p12": signer_p12,
            "annex": folder / "annex.pdf", "signed": folder / "signed.pdf", "review": folder / "review.docx"}


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# review-import: the work is bounded whatever the DOCX compresses to

def _with_body(docx: bytes, extra: bytes) -> bytes:
    """The review DOCX with `extra` inserted at the start of its body (compresses to almost nothing)."""
    src, out = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for entry in src.infolist():
            data = src.read(entry)
            if entry.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + extra, 1)
            z.writestr(entry.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("extra, message", [
    (b"<w:p/>" * 8_000_000, f"more than {limits.MAX_DOCX_PARAGRAPHS:,} paragraphs"),  # 48 MB of XML in ~280 KiB
    (b"<w:p/>" * 1_000_000, f"more than {limits.MAX_DOCX_PARAGRAPHS:,} paragraphs"),  # the 213 KiB of the report
    (b"<w:tbl>" + b"<w:tr/>" * 200_000 + b"</w:tbl>", f"more than {limits.MAX_DOCX_ROWS:,} table rows"),
    (b"<w:p>" + b"<w:ins/>" * 200_000 + b"</w:p>", f"more than {limits.MAX_DOCX_REVISIONS:,} tracked changes"),
    (b"<w:p>" + b"<w:r/>" * 3_000_000 + b"</w:p>", f"more than {limits.MAX_DOCX_ELEMENTS:,} XML elements"),
])
def test_review_import_bounds_its_work_whatever_the_compressed_size(files, tmp_path, extra, message):
    hostile = write(tmp_path, "reviewed.docx", _with_body(files["review"].read_bytes(), extra))
    assert hostile.stat().st_size < 400 * 1024  # under every byte limit: only the counts can stop it
    result = annex("review-import", hostile, "--data", DATA, memory=MEMORY // 2)
    assert result.returncode == 2
    assert f"{hostile}: error: word/document.xml: {message}" in result.stderr


# verify: revisions are bounded, and the check is linear up to the bound

def test_verify_refuses_a_flood_of_empty_updates_and_checks_up_to_the_limit(files, tmp_path):
    signed = files["signed"].read_bytes()
    flood = write(tmp_path, "flood.pdf", hostile_pdf.empty_updates(signed, 1_500))
    for command in (["verify", flood, "--trust", files["root"]], ["diff", flood, S3, "--data", DATA]):
        result = annex(*command)
        assert result.returncode == 2
        assert f"{flood}: error: has more than {limits.MAX_PDF_REVISIONS} revisions" in result.stderr
    # the same empty updates up to the limit (the signed file has 2 revisions) are permitted
    near = write(tmp_path, "near.pdf", hostile_pdf.empty_updates(signed, limits.MAX_PDF_REVISIONS - 2))
    result = annex("verify", near, "--trust", files["root"], "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"], result.stdout


# diff and verify read the data the annex was signed with, or refuse

def test_a_swapped_annex_data_is_refused_by_diff_and_failed_by_verify(files, tmp_path):
    from generator.infra.fingerprint import canonical_json
    payload = json.loads(read_data(files["signed"]))
    # the forger's data: the current matrix's roles (so that diff would say "0 changes")... on another row
    activity = payload["matrix"]["sections"][0]["activities"][0]
    activity["roles"] = {party: "I" for party in activity["roles"]}
    swapped = write(tmp_path, "swapped.pdf", hostile_pdf.swap_attachment(files["signed"].read_bytes(),
                                                                          canonical_json(payload)))
    diff = annex("diff", swapped, S3, "--data", DATA)
    assert diff.returncode == 1 and diff.stdout == ""
    assert f"{swapped}: error: `annex-data.json` was replaced in revision 3 of 3" in diff.stderr
    verify = annex("verify", swapped, "--trust", files["root"], "--json")
    report = json.loads(verify.stdout)
    assert verify.returncode == 1 and not report["ok"]
    assert any("`annex-data.json` was replaced in revision 3" in p for p in report["annex"]["problems"])
    # and the untouched signed annex still compares as itself
    same = annex("diff", files["signed"], S3, "--data", DATA)
    assert same.returncode == 0 and "0 changes" in same.stdout, same.stderr


# hostile JSON and PDF structure: a located message, exit 2

def _with_data(pdf: bytes, data: bytes) -> bytes:
    """The annex rewritten whole (one revision) with `data` as its annex-data.json."""
    import pikepdf
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        spec = doc.Root.Names.EmbeddedFiles.Names[1]
        spec.EF.F.write(data)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


@pytest.mark.parametrize("case, message", [
    ("deep-json", f"`annex-data.json` nests arrays and objects more than {limits.MAX_JSON_NESTING} levels deep"),
    ("not-utf8", "`annex-data.json` is not UTF-8 (byte 0xff at offset 1)"),
    ("list", "`annex-data.json` is an array, not an object"),
    ("matrix-string", "annex-data.json: matrix: `matrix` is a string, expected an object"),
    ("version-number", "annex-data.json: matrix.version: `matrix.version` is a number, expected a string"),
    ("deep-trailer", "holds PDF objects nested too deeply to read"),  # met when the file is opened
    ("deep-catalog", "holds PDF objects nested too deeply to read"),  # met when the catalog is walked
])
def test_hostile_structure_is_a_located_refusal(files, tmp_path, case, message):
    annex_pdf = files["annex"].read_bytes()
    good = json.loads(read_data(files["annex"]))
    data = {"deep-json": b'{"matrix": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "not-utf8": b"{\xff}",
            "list": b"[]",
            "matrix-string": json.dumps({**good, "matrix": "s3"}).encode(),
            "version-number": json.dumps({**good, "matrix": {**good["matrix"], "version": 1}}).encode()}
    structure = {"deep-trailer": hostile_pdf.nested_trailer, "deep-catalog": hostile_pdf.nested_catalog}
    hostile = tmp_path / f"{case}.pdf"
    commands = [["verify", hostile, "--data", DATA], ["diff", hostile, S3, "--data", DATA]]
    if case in structure:
        write(tmp_path, hostile.name, structure[case](files["signed"].read_bytes(), 100_000))
        commands.append(["sign", hostile, "--p12", files["p12"], "--field", "customer", "-o", tmp_path / "out.pdf"])
    else:
        write(tmp_path, hostile.name, _with_data(annex_pdf, data[case]))
    for command in commands:
        result = annex(*command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert f"{hostile}: error: " in result.stderr and message in result.stderr


def read_data(path: Path) -> bytes:
    """The annex data as a PDF reader sees it (pikepdf: the latest revision's attachment)."""
    import pikepdf
    with pikepdf.open(path) as doc:
        return doc.attachments["annex-data.json"].get_file().read_bytes()


# every input of sign, verify, diff and review-import is a regular file of bounded size

ROLES = ["passphrase-file", "p12", "build --sign", "trust", "verify", "diff", "review-import"]


# diff reads a side as a PDF by its name (.pdf): a FIFO can be named so, a device cannot
@pytest.mark.parametrize("role, kind", [(r, k) for r in ROLES for k in ("fifo", "device")
                                        if (r, k) != ("diff", "device")])
def test_only_regular_files_are_read(files, tmp_path, role, kind):
    if kind == "fifo":
        target = tmp_path / ("input.pdf" if role in ("verify", "diff") else "input")
        os.mkfifo(target)  # opened for reading, it would wait for a writer: forever
        said = "is a FIFO (named pipe)"
    else:
        target = Path("/dev/zero")  # read whole, it never ends
        said = "is a character device"
    args = {"passphrase-file": ["sign", files["annex"], "--p12", files["p12"], "--passphrase-file", target,
                                "-o", tmp_path / "out.pdf"],
            "p12": ["sign", files["annex"], "--p12", target, "-o", tmp_path / "out.pdf"],
            "build --sign": ["build", S3, "--format", "pdf", "--sign", target, "-o", tmp_path / "out"],
            "trust": ["verify", files["signed"], "--trust", target],
            "verify": ["verify", target],
            "diff": ["diff", target, S3, "--data", DATA],
            "review-import": ["review-import", target, "--data", DATA]}[role]
    result = annex(*args)
    assert result.returncode == 2, result.stderr
    assert f"{target}: error: {said}" in result.stderr
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "out").exists()
