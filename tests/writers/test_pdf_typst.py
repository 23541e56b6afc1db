"""The Typst engine (brand.yaml `engine: typst`) prints the annex WeasyPrint prints: same pages,
same lines in the same places, same attachment, same signature boxes; with the guarantees of
the reference engine (PDF/A-3a, tagged tables, deterministic bytes, signable), customer text
never read as Typst markup, and a template that cannot reach packages or files outside its brand."""
from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest

from generator.annex import build_annex
from generator.brand import load_brand
from generator.infra.diagnostics import InputError
from generator.readers.matrix_yaml import read_matrix
from generator.writers import pdf

from ..conftest import ROOT, load_customer, load_matrix
from ..pdftext import page_texts, squash, table_rows
from .typst_parity import attachment, differences, fields

SAMPLES = ["banque-horizon", "mutuelle-atlantique", "northwind-logistics", "stadtwerke-rheinau",
           "hospital-levante", "tessuti-lombardi"]


@pytest.fixture(scope="module")
def brands():
    reference = load_brand()
    return reference, reference.with_engine("typst")


def both(brands, matrix, customer, **options) -> tuple[bytes, ...]:
    return tuple(pdf.render(build_annex(matrix, customer, brand, **options)) for brand in brands)


@pytest.mark.parametrize("cid", SAMPLES)
def test_each_sample_annex_prints_as_with_weasyprint(brands, cid):
    customer = load_customer(cid)
    reference, typst = both(brands, load_matrix(customer.lang), customer)
    assert differences(reference, typst) == []
    assert attachment(typst) == attachment(reference)
    ours, theirs = fields(typst), fields(reference)
    assert set(ours) == set(theirs) == {"customer", "provider"}
    for name, (page, rect) in theirs.items():
        assert ours[name][0] == page and all(abs(a - b) <= 0.5 for a, b in zip(ours[name][1], rect, strict=True))


def test_the_iaas_draft_with_notes_callouts_and_watermark_prints_as_with_weasyprint(brands, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    matrix = read_matrix(ROOT / "data" / "matrices" / "iaas" / "fr.yaml")[0]
    reference, typst = both(brands, matrix, None, draft=True)
    assert differences(reference, typst) == []
    assert attachment(typst) == attachment(reference)


def test_the_comparison_can_fail(brands):
    """A line moved by more than 2 pt, or other text, is reported."""
    customer = load_customer("banque-horizon")
    (reference,) = both(brands[:1], load_matrix("fr"), customer)
    other = pdf.render(build_annex(load_matrix("fr"), customer.model_copy(update={"name": "Autre SA"}), brands[1]))
    assert differences(reference, other)


@pytest.fixture(scope="module")
def typst_annex(brands):
    return pdf.render(build_annex(load_matrix("fr"), load_customer("banque-horizon"), brands[1]))


def test_same_inputs_same_bytes(brands, typst_annex):
    again = pdf.render(build_annex(load_matrix("fr"), load_customer("banque-horizon"), brands[1]))
    assert again == typst_annex


def test_pdfa_3a_tagged_with_table_headers_and_metadata(typst_annex, tmp_path):
    with pikepdf.open(io.BytesIO(typst_annex)) as doc:
        meta = doc.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "A")
        assert "/StructTreeRoot" in doc.Root and str(doc.Root.Lang).startswith("fr")
        assert str(doc.docinfo["/CreationDate"]).startswith("D:20250301")
        assert [str(f.AFRelationship) for f in doc.Root.AF] == ["/Data"]
    path = tmp_path / "annex.pdf"
    path.write_bytes(typst_annex)
    rows = table_rows(path)
    heads = [r["cells"] for r in rows if r["kind"] == "th"]
    assert ["Activité", "Client", "Cloud Temple"] in heads and ["Code", "Rôle", "Description"] in heads
    texts = page_texts(path)
    assert all("Page" in t and f"sur {len(texts)}" in t for t in texts)


def test_hostile_customer_text_prints_literally(brands, tmp_path):
    hostile = '#read("/etc/passwd") *gras* $x^2$ ] #import "@preview/cetz:0.3.0" \\ #eval("1+1")'
    customer = load_customer("banque-horizon").model_copy(update={"name": hostile, "contract": "]} #[x]"})
    path = tmp_path / "hostile.pdf"
    path.write_bytes(pdf.render(build_annex(load_matrix("fr"), customer, brands[1])))
    first = squash(page_texts(path)[0])
    assert squash(hostile) in first and "]} #[x]" in first
    assert "root:" not in "".join(page_texts(path))


def _typst_brand(tmp_path, template: str):
    folder = tmp_path / "brand"
    folder.mkdir()
    folder.joinpath("brand.yaml").write_text(
        (ROOT / "templates" / "default" / "brand.yaml").read_text(encoding="utf-8").replace(
            "engine: weasyprint", "engine: typst"),
        encoding="utf-8")
    folder.joinpath("annex.typ").write_text(template, encoding="utf-8")
    return load_brand(folder)


@pytest.mark.parametrize("template", ['#import "@preview/cetz:0.3.0": canvas\nx',
                                      '#let p = "@pre" + "view/cetz:0.3.0"\n#import p: canvas',
                                      '#eval("import \\"@preview/cetz:0.3.0\\"")'])
def test_a_template_importing_a_package_is_refused_without_network(tmp_path, template):
    brand = _typst_brand(tmp_path, template)
    with pytest.raises(InputError) as caught:
        pdf.render(build_annex(load_matrix("fr"), load_customer("banque-horizon"), brand))
    message = str(caught.value)
    assert "annex.typ" in message and "no packages" in message


def test_a_template_reads_nothing_outside_its_brand(tmp_path):
    brand = _typst_brand(tmp_path, '#read("/etc/hostname")\n#read("../../../../etc/hostname")')
    with pytest.raises(InputError) as caught:
        pdf.render(build_annex(load_matrix("fr"), load_customer("banque-horizon"), brand))
    assert "Typst template error" in str(caught.value) and "not found" in str(caught.value)


def test_characters_no_font_covers_are_refused_for_typst_too(brands):
    customer = load_customer("banque-horizon").model_copy(update={"name": "Banque 😀"})
    with pytest.raises(InputError) as caught:
        build_annex(load_matrix("fr"), customer, brands[1])
    assert "U+1F600" in str(caught.value)


def test_fallback_fonts_print_arabic_and_japanese_names(brands, tmp_path):
    customer = load_customer("banque-horizon").model_copy(update={"name": "شركة الأفق 株式会社"})
    path = tmp_path / "fallback.pdf"
    path.write_bytes(pdf.render(build_annex(load_matrix("fr"), customer, brands[1])))
    with pikepdf.open(path) as doc:
        fonts = {str(f.get("/BaseFont")) for page in doc.pages for f in page.Resources.Font.values()}
    assert any("NotoSansArabic" in f for f in fonts) and any("NotoSansCJK" in f for f in fonts)


def test_the_typst_annex_is_signed_and_verified(typst_annex, tmp_path):
    from ..signing import pki
    from ..signing.conftest import run
    root = pki.make_root()
    p12 = pki.write_p12(tmp_path / "provider.p12", pki.issue(root, "Julien Moreau", 1), root)
    trust = pki.write_pem(tmp_path / "root.pem", root)
    unsigned, signed = tmp_path / "annex.pdf", tmp_path / "signed.pdf"
    unsigned.write_bytes(typst_annex)
    result = run("sign", unsigned, "--p12", p12, "-o", signed)
    assert result.exit_code == 0, result.output
    assert signed.read_bytes().startswith(typst_annex)
    result = run("verify", signed, "--trust", trust, "--data", ROOT / "data")
    assert result.exit_code == 0, result.output
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(signed)], capture_output=True, text=True).stdout
        assert "Signature Field Name: provider" in out and "Signature is Valid." in out, out


def test_annex_diff_reads_a_typst_annex_back(typst_annex, tmp_path):
    from generator.versions.sources import read_annex_pdf
    path = tmp_path / "annex.pdf"
    path.write_bytes(typst_annex)
    side = read_annex_pdf(path)
    assert side.customer is not None and side.customer.id == "banque-horizon" and side.matrix.id == "s3-object-storage"


def test_an_unknown_engine_is_refused_with_its_line(tmp_path):
    folder = tmp_path / "brand"
    folder.mkdir()
    text = (ROOT / "templates" / "default" / "brand.yaml").read_text(encoding="utf-8")
    folder.joinpath("brand.yaml").write_text(text.replace("engine: weasyprint", "engine: latex"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_brand(folder)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("engine:"))
    assert f"brand.yaml:{line}:" in str(caught.value) and "typst" in str(caught.value)


def test_annex_build_on_a_typst_brand_gives_the_same_bytes_in_every_process(tmp_path):
    from ..helpers import annex
    folder = tmp_path / "brand"
    folder.mkdir()
    folder.joinpath("brand.yaml").write_text((ROOT / "templates" / "default" / "brand.yaml").read_text(
        encoding="utf-8").replace("engine: weasyprint", "engine: typst"), encoding="utf-8")
    built = []
    for run in ("one", "two"):
        customer = f"{ROOT}/data/customers/example.yaml#stadtwerke-rheinau"
        result = annex("build", "s3-object-storage", "--customer", customer, "--templates", folder,
                       "--format", "pdf", "-o", tmp_path / run)
        assert result.returncode == 0, result.stderr
        built.append((tmp_path / run / "stadtwerke-rheinau" / "s3-object-storage_de_v1.0.0.pdf").read_bytes())
    assert built[0] == built[1] and b"annex-typst" not in built[0]
    with pikepdf.open(io.BytesIO(built[0])) as doc:
        assert "Typst" in str(doc.docinfo.get("/Creator", ""))


def test_lists_callouts_quotes_and_notes_print_as_with_weasyprint(brands, monkeypatch):
    """The blocks fixture (tests/fixtures/raci_fidelity.fr.md): every callout kind, quotes, notes,
    bulleted, numbered and nested lists, at their places."""
    from .test_blocks import fixture_matrix
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    reference, typst = both(brands, fixture_matrix(), None, draft=True)
    assert differences(reference, typst) == []


def _structure_rows(doc) -> list[tuple[list, bool]]:
    """Every table row of the structure tree: (its cells, whether it is in a THead)."""
    out: list[tuple[list, bool]] = []
    stack = [(doc.Root.StructTreeRoot, False)]
    while stack:
        element, in_head = stack.pop()
        found = element.get("/K")
        kids = [k for k in (list(found) if isinstance(found, pikepdf.Array) else [found])
                if isinstance(k, pikepdf.Dictionary)]
        if element.get("/S") == "/TR":
            out.append(([k for k in kids if k.get("/S") in ("/TD", "/TH")], in_head))
            continue
        stack.extend((k, in_head or element.get("/S") == "/THead") for k in reversed(kids))
    return out


def test_the_activity_fact_and_party_head_their_rows_for_a_screen_reader(brands, typst_annex, tmp_path):
    """Typst tags body cells TD; the finishing pass makes the first cell of the matrix, facts and
    summary rows a row header, as WeasyPrint's <th scope="row">: TH, /Scope /Row, an /ID the
    IDTree knows and the row's other cells name in their /Headers."""
    annex = build_annex(load_matrix("fr"), load_customer("banque-horizon"), brands[1])
    path = tmp_path / "annex.pdf"
    path.write_bytes(typst_annex)
    rows = table_rows(path)
    headed = [r for r in rows if r["kind"] == "td" and r["kinds"][0] == "TH"]
    assert all(kind == "TD" for r in headed for kind in r["kinds"][1:])
    matrix_tables = {r["table"] for r in rows if r["kind"] == "th" and r["cells"][0] == "Activité"}
    matrix_rows = [r for r in rows if r["kind"] == "td" and r["table"] in matrix_tables]
    assert len(matrix_rows) == sum(len(t.rows) for s in annex.sections for t in s.tables) > 0
    assert all(r in headed for r in matrix_rows)
    first_cells = {r["cells"][0] for r in headed}
    assert {label for label, _ in annex.facts} <= first_cells and {p.label for p in annex.parties} <= first_cells
    assert not [r for r in rows if r["kind"] == "td" and r["cells"][0] in first_cells and r not in headed]
    with pikepdf.open(io.BytesIO(typst_annex)) as doc:
        names = list(doc.Root.StructTreeRoot.IDTree.Names)
        ids = {str(names[i]): names[i + 1].objgen for i in range(0, len(names), 2)}
        assert [str(names[i]) for i in range(0, len(names), 2)] == sorted(ids)  # a name tree: keys in order
        body = [cells for cells, in_head in _structure_rows(doc) if not in_head and cells and cells[0].S == "/TH"]
        assert len(body) == len(headed)
        for head, *others in body:
            (table,) = [a for a in head.A if a.get("/O") == "/Table"]
            assert table.Scope == "/Row" and ids[str(head.ID)] == head.objgen
            for cell in others:
                assert str(head.ID) in [str(h) for a in cell.A if a.get("/O") == "/Table" for h in a.Headers]


def test_the_finished_annex_is_one_update_after_typst_s_bytes_and_poppler_reads_it_cleanly(typst_annex, tmp_path):
    """The fields and tags are appended (the bytes Typst wrote come first, unchanged), and the
    /MarkInfo Poppler misreads (`/Suspects false`) is gone: pdfinfo prints no syntax error."""
    with pikepdf.open(io.BytesIO(typst_annex)) as doc:
        assert "/Suspects" not in doc.Root.MarkInfo and doc.Root.MarkInfo.Marked
        assert "/Prev" in doc.trailer
    assert typst_annex.count(b"%%EOF") == 2
    if shutil.which("pdfinfo"):
        path = tmp_path / "annex.pdf"
        path.write_bytes(typst_annex)
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        assert out.returncode == 0 and out.stderr == "", out.stderr
        assert "Tagged:          yes" in out.stdout and "Form:            AcroForm" in out.stdout


def test_a_table_laid_out_in_two_parts_to_keep_its_notes_is_one_table_in_the_tags(brands, tmp_path, monkeypatch):
    """The last row of a table with notes under it is laid out apart (to go with the notes);
    the finishing pass joins it to its table: a screen reader finds each matrix table whole,
    under its column headers, as WeasyPrint tags it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    matrix = read_matrix(ROOT / "data" / "matrices" / "iaas" / "fr.yaml")[0]
    annex = build_annex(matrix, None, brands[1], draft=True)
    assert [t for s in annex.sections for t in s.tables if t.after and len(t.rows) > 1]  # tables laid out in two
    path = tmp_path / "annex.pdf"
    path.write_bytes(pdf.render(annex))
    rows = table_rows(path)
    headed = [r["table"] for r in rows if r["kind"] == "th" and r["cells"][0] == "Activité"]
    body = [[r for r in rows if r["kind"] == "td" and r["table"] == t] for t in headed]
    assert [len(b) for b in body] == [len(t.rows) for s in annex.sections for t in s.tables if t.rows]
    matrix_rows = {r["cells"][0] for b in body for r in b}
    assert not [r for r in rows if r["kind"] == "td" and r["table"] not in headed and r["cells"][0] in matrix_rows]
    with pikepdf.open(path) as doc:
        columns = {str(c.ID) for cells, in_head in _structure_rows(doc) if in_head for c in cells if "/ID" in c}
        for cells, in_head in _structure_rows(doc):
            if not in_head and len(cells) == 1 + len(annex.parties) and cells[0].S == "/TH":
                for cell in cells:
                    named = [str(h) for a in cell.A if a.get("/O") == "/Table" for h in a.get("/Headers", [])]
                    assert any(h in columns for h in named), named  # its column's header, in every row
