"""The peers, on the same annex: WeasyPrint called the obvious way, and LibreOffice converting the
DOCX to PDF."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lib import PLAIN, Unavailable, sample_annex, scenario, timed


def plain_html(annex) -> str:
    """The annex's HTML as a user would hand it to WeasyPrint: CSS inlined, no @font-face
    (system fonts), no custom URL fetcher, no PDF/A."""
    from generator.writers.html import render
    html = render(annex)
    css = (annex.brand.find("annex.css")).read_text(encoding="utf-8")
    html = html.replace("<style>", f"<style>{css}</style>\n<style>", 1)
    return re.sub(r"@font-face \{[^}]*\}", "", html)


@scenario(PLAIN, order=80, engine="plain WeasyPrint")
def weasyprint_plain(repeat: int):
    """HTML(string=...).write_pdf(), default options, system fonts."""
    from weasyprint import HTML
    html = plain_html(sample_annex())
    return timed(lambda: HTML(string=html).write_pdf(), repeat)


@scenario("libreoffice", order=90, engine="LibreOffice (DOCX to PDF)")
def libreoffice(repeat: int):
    """`soffice --convert-to pdf` of the annex DOCX, a new LibreOffice process each run (its CPU
    time and memory are a child's: counted as such)."""
    if not shutil.which("soffice"):
        raise Unavailable("LibreOffice (soffice) is not installed")
    from generator.writers.docx import render
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "annex.docx"
    src.write_bytes(render(sample_annex()))
    profile = f"file://{tmp}/profile"

    def convert():
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp), str(src)], check=True, capture_output=True)
    try:
        return timed(convert, max(3, repeat // 4), children=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
