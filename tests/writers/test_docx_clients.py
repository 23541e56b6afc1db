"""The DOCX opened by real clients: LibreOffice converts it to PDF, pandoc reads its tables.
Skipped only where the program is missing; `make test` installs both."""
import json
import subprocess

import pytest

from generator.model import plain
from generator.writers import docx as docx_writer

from ..conftest import customer_for, has, load_customer, make_annex
from ..pdftext import squash

needs_soffice = pytest.mark.skipif(not has("soffice"), reason="LibreOffice (soffice) is not installed")
needs_pandoc = pytest.mark.skipif(not has("pandoc"), reason="pandoc is not installed")


def convert_with_libreoffice(tmp_path, data: bytes) -> tuple[subprocess.CompletedProcess, str]:
    src = tmp_path / "annex.docx"
    src.write_bytes(data)
    result = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                            capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "annex.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout if pdf.exists() else ""
    return result, text


@needs_soffice
@pytest.mark.parametrize("lang, customer, review", [("fr", "banque-horizon", True), ("de", None, False)])
def test_libreoffice_converts_it_and_every_activity_is_there(tmp_path, lang, customer, review):
    annex = make_annex(lang, load_customer(customer) if customer else customer_for(lang), review=review)
    result, text = convert_with_libreoffice(tmp_path, docx_writer.render(annex))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "annex.pdf").stat().st_size > 10_000
    # words of every activity, in order, in the rendered pages (wrapping aside)
    flat = squash(text)
    position = 0
    for _, row in annex.rows():
        words = plain(row.text).split()
        head = " ".join(words[:4])
        found = flat.find(head, position)
        assert found >= 0, f"{head!r} missing after position {position}"
        position = found
    assert annex.stamp.short in flat and annex.labels.signature in flat


@needs_pandoc
@pytest.mark.parametrize("lang", ["fr", "en", "it"])
def test_pandoc_reads_every_table_row(lang):
    annex = make_annex(lang, customer_for(lang))
    result = subprocess.run(["pandoc", "-f", "docx", "-t", "json"], input=docx_writer.render(annex),
                            capture_output=True, check=True)
    doc = json.loads(result.stdout)

    def inline_text(inlines):
        out = []
        for i in inlines:
            if i["t"] == "Str":
                out.append(i["c"])
            elif i["t"] in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif i["t"] in ("Strong", "Emph", "Underline", "SmallCaps", "Strikeout"):
                out.append(inline_text(i["c"]))
            elif i["t"] == "Span":
                out.append(inline_text(i["c"][1]))
        return "".join(out)

    def cell_text(cell):
        blocks = cell[4]
        return " ".join(" ".join(inline_text(b["c"]).split()) for b in blocks if b["t"] in ("Plain", "Para"))

    rows = []
    for block in doc["blocks"]:
        if block["t"] != "Table":
            continue
        head, bodies = block["c"][3], block["c"][4]
        header_rows = [[cell_text(c) for c in r[1]] for r in head[1]]
        body_rows = [[cell_text(c) for c in r[1]] for body in bodies for r in body[3]]
        all_rows = header_rows + body_rows
        if all_rows and all_rows[0][0] == annex.labels.activity:
            rows.extend(r[0] for r in all_rows[1:])
    mark = annex.labels.deviation_mark
    expected = [" ".join((plain(r.text) + (f" [{mark} {r.deviation}]" if r.deviation else "")).split())
                for _, r in annex.rows()]
    assert rows == expected
