"""The DOCX opened by real clients: LibreOffice converts it to PDF, pandoc reads its tables.
Skipped only where the program is missing; `make test` installs both."""
import json
import subprocess

import pytest

from generator.model import plain
from generator.writers import docx as docx_writer

from ..conftest import customer_for, has, load_customer, make_annex
from ..helpers import soffice_convert
from ..pdftext import squash
from .pagination import convert_all, layout

needs_soffice = pytest.mark.skipif(not has("soffice"), reason="LibreOffice (soffice) is not installed")
needs_pandoc = pytest.mark.skipif(not has("pandoc"), reason="pandoc is not installed")


def convert_with_libreoffice(tmp_path, data: bytes, profile) -> tuple[subprocess.CompletedProcess, str]:
    src = tmp_path / "annex.docx"
    src.write_bytes(data)
    result = soffice_convert(profile, "pdf", tmp_path, src, timeout=180)
    pdf = tmp_path / "annex.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout if pdf.exists() else ""
    return result, text


@needs_soffice
@pytest.mark.parametrize("lang, customer, review", [("fr", "banque-horizon", True), ("de", None, False)])
def test_libreoffice_converts_it_and_every_activity_is_there(tmp_path, soffice_profile, lang, customer, review):
    annex = make_annex(lang, load_customer(customer) if customer else customer_for(lang), review=review)
    result, text = convert_with_libreoffice(tmp_path, docx_writer.render(annex), soffice_profile)
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


# ---- pagination: the DOCX as LibreOffice lays it out breaks pages where the signed PDF does ----

def _pagination_annexes():
    """Every S3 sample customer (five languages) and the IaaS matrix, a draft without customer."""
    from generator.annex import build_annex
    from generator.brand import load_brand
    from generator.readers.customers import read_customers
    from generator.readers.matrix_yaml import read_matrix

    from ..conftest import CUSTOMERS, DATA, load_matrix
    customers, _ = read_customers(CUSTOMERS)
    out = {c.id: make_annex(c.lang, c) for c in customers}
    # and a customer with 14 deviations: the deviations table runs onto a second page
    base = next(c for c in customers if c.id == "banque-horizon")
    reason = "Option « Sauvegarde managée » souscrite, avec une justification plus longue que d'habitude."
    deviations = [base.deviations[0].model_copy(update={"activity": activity.id, "reason": reason,
                                                        "roles": {"customer": "A", "provider": "R"}})
                  for _, section in load_matrix("fr").walk() for activity in section.activities][:14]
    out["many-deviations"] = make_annex("fr", base.model_copy(update={"deviations": deviations}))
    with pytest.MonkeyPatch.context() as mp:  # the draft has no date of its own, as `make sample` builds it
        mp.setenv("SOURCE_DATE_EPOCH", "1735689600")
        out["iaas"] = build_annex(read_matrix(DATA / "matrices" / "iaas" / "fr.yaml")[0], None, load_brand(),
                                  draft=True)
    return out


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory, soffice_profile):
    """{name: (annex, PDF path, DOCX-converted-by-LibreOffice path)}; one LibreOffice run for all."""
    from generator.writers import pdf as pdf_writer
    folder = tmp_path_factory.mktemp("pagination")
    annexes = _pagination_annexes()
    for name, annex in annexes.items():
        (folder / f"{name}.signed.pdf").write_bytes(pdf_writer.render(annex))
        (folder / f"{name}.docx").write_bytes(docx_writer.render(annex))
    result = convert_all([folder / f"{name}.docx" for name in annexes], folder, soffice_profile)
    assert result.returncode == 0, result.stderr
    return {name: (annex, folder / f"{name}.signed.pdf", folder / f"{name}.pdf") for name, annex in annexes.items()}


@needs_soffice
@pytest.mark.parametrize("name", ["banque-horizon", "mutuelle-atlantique", "northwind-logistics",
                                  "stadtwerke-rheinau", "hospital-levante", "tessuti-lombardi", "iaas",
                                  "many-deviations"])
def test_libreoffice_breaks_pages_where_the_pdf_does(laid_out, name):
    annex, signed, converted = laid_out[name]
    pdf_pages, pdf_starts = layout(signed, annex)
    docx_pages, docx_starts = layout(converted, annex)
    assert None not in pdf_starts.values() and None not in docx_starts.values(), (pdf_starts, docx_starts)
    assert docx_pages == pdf_pages
    assert docx_starts == pdf_starts  # every top-level section, the deviations and the sign-off


@needs_soffice
def test_libreoffice_draws_the_docx_in_the_embedded_brand_font(laid_out):
    """Only Liberation Sans, from the DOCX itself, when the machine lacks it (CI does): without
    the embedded font LibreOffice would substitute DejaVu Sans."""
    _, _, converted = laid_out["northwind-logistics"]
    listing = subprocess.run(["pdffonts", str(converted)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:]}
    assert {"LiberationSans", "LiberationSans-Bold"} <= names <= {
        "LiberationSans", "LiberationSans-Bold", "LiberationSans-Italic", "LiberationSans-BoldItalic"}, names
