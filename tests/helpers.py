"""Helpers several test modules share: the command line in a subprocess, and the matrix rows
read back from each format (compared with tests/expected.py's model_rows)."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.model import plain

from .conftest import ROOT
from .docxtext import body_blocks, cell_text, open_docx
from .pdftext import table_rows


def annex(*args: str, cwd: Any = ROOT, **kw: Any) -> subprocess.CompletedProcess:
    """`annex ARGS` as a user runs it: a new process (`python -m generator`), text output captured;
    `kw` goes to subprocess.run (timeout, env, preexec_fn...)."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, **kw)


def annexes(*calls: Sequence[str], cwd: Any = ROOT, timeout: float | None = None) -> list[subprocess.CompletedProcess]:
    """Independent `annex` command lines run at once, one process each, as `annex` would run them
    one after the other (the cores share the work); their results in the order given."""
    procs = [subprocess.Popen([sys.executable, "-m", "generator", *map(str, args)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=cwd) for args in calls]
    try:
        outputs = [p.communicate(timeout=timeout) for p in procs]
        return [subprocess.CompletedProcess(p.args, p.returncode, out, err)
                for p, (out, err) in zip(procs, outputs, strict=True)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def soffice_convert(profile: Path, to: str, outdir: Path, *sources: Path,
                    timeout: int = 600) -> subprocess.CompletedProcess:
    """LibreOffice, headless, converting `sources` to format `to` in `outdir`, with the session's
    user profile (conftest's soffice_profile) rather than a new one per run."""
    return subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--convert-to", to, "--outdir", str(outdir), *map(str, sources)],
                          capture_output=True, text=True, timeout=timeout)


def docx_sequence(annex, data: bytes) -> list[tuple[str, str, tuple[str, ...]]]:
    """(section title, activity text, roles) of every matrix row of a DOCX annex, as Word shows
    them: headings give the section, tables the rows."""
    document = open_docx(data)
    header = [annex.labels.activity] + [p.label for p in annex.parties]
    titles = {f"{s.number}\u2002{plain(s.title)}": plain(s.title) for s in annex.sections}
    current, out = None, []
    for block in body_blocks(document):
        if block[0] == "heading":
            current = titles.get(block[2])
        elif block[0] == "table" and current is not None:
            rows = block[1].rows
            if [cell_text(c) for c in rows[0].cells] != header:
                continue
            for row in rows[1:]:
                cells = [cell_text(c) for c in row.cells]
                out.append((current, cells[0], tuple(cells[1:])))
    return out


def matrix_rows(annex, path) -> list[list[str]]:
    """The cells of every row of the PDF annex's matrix tables, read through its tagged structure."""
    header = [annex.labels.activity] + [p.label for p in annex.parties]
    rows, tables = [], set()
    for r in table_rows(path):
        if r["kind"] == "th" and r["cells"] == header:
            tables.add(r["table"])
        elif r["kind"] == "td" and r["table"] in tables:
            rows.append(r["cells"])
    return rows


def pdf_sequence(annex, path) -> list[tuple[str, str, tuple[str, ...]]]:
    """docx_sequence for a PDF annex, read through its tagged structure: headings, then rows."""
    header = [annex.labels.activity] + [p.label for p in annex.parties]
    titles = {f"{s.number} {plain(s.title)}": plain(s.title) for s in annex.sections}
    current, tables, out = None, set(), []
    for r in table_rows(path):
        if r["kind"] == "heading":
            current = titles.get(r["cells"][0])
        elif r["kind"] == "th" and r["cells"] == header:
            tables.add(r["table"])
        elif r["kind"] == "td" and r["table"] in tables and current:
            out.append((current, r["cells"][0], tuple(r["cells"][1:])))
    return out
