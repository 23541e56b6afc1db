"""Where an annex's pages break, read back from PDFs: page count and the page on which each
top-level section (and the deviations and sign-off headings) starts. Used to compare the
signed PDF with the DOCX as LibreOffice lays it out."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path


def headings(annex) -> list[str]:
    """The headings that start parts of the annex, in order: top-level sections, then the
    deviations (if any) and the sign-off."""
    out = [f"{s.number} {s.title}" for s in annex.sections if s.depth == 1]
    if annex.deviations:
        out.append(annex.labels.deviations_title)
    return out + [annex.labels.signoff_title]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [_squash(page) for page in text.split("\f")[:-1]]


def layout(pdf: Path, annex) -> tuple[int, dict[str, int | None]]:
    """(page count, {heading: 1-based page where it first appears, searching in order})."""
    pages = page_texts(pdf)
    found: dict[str, int | None] = {}
    start = 0
    for heading in headings(annex):
        key = _squash(heading)[:30]
        page = next((i for i in range(start, len(pages)) if key in pages[i]), None)
        found[heading] = None if page is None else page + 1
        start = page if page is not None else start
    return len(pages), found


def convert_all(paths: list[Path], outdir: Path, profile: Path) -> subprocess.CompletedProcess:
    """One LibreOffice run converting every DOCX to PDF (one start-up instead of one per file)."""
    from ..helpers import soffice_convert
    return soffice_convert(profile, "pdf", outdir, *paths)
