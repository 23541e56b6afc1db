"""The PDF annex read as its reader reads it: text, tagged table cells, pages, metadata."""
import hashlib
import json
import shutil

import pikepdf
import pytest

from generator.brand import load_brand
from generator.infra.diagnostics import InputError
from generator.model import Customer, plain
from generator.writers import pdf

from ..conftest import LANGS, customer_for, load_matrix, make_annex
from ..expected import model_rows
from ..helpers import matrix_rows
from ..pdftext import page_texts, rotated_texts, squash, table_rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One annex per language, with that language's sample customer."""
    out = {}
    folder = tmp_path_factory.mktemp("pdf")
    for lang in LANGS:
        annex = make_annex(lang, customer_for(lang))
        path = folder / f"{lang}.pdf"
        path.write_bytes(pdf.render(annex))
        out[lang] = (annex, path)
    return out


def expected_rows(annex):
    return [[text, *roles] for _, text, roles in model_rows(annex)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_activity_and_its_roles_in_order(built, lang):
    annex, path = built[lang]
    assert matrix_rows(annex, path) == expected_rows(annex)
    assert len(expected_rows(annex)) == 28


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_has_the_stamp_and_page_n_of_m(built, lang):
    annex, path = built[lang]
    pages = page_texts(path)
    assert len(pages) >= 3
    for n, text in enumerate(pages, 1):
        flat = squash(text)
        assert squash(annex.stamp_text) in flat
        assert annex.labels.fmt("page_of", page=n, pages=len(pages)) in flat
        assert annex.customer.name in flat and annex.customer.contract in flat


@pytest.mark.parametrize("lang", LANGS)
def test_titles_sections_notes_legend_and_signoff_are_printed(built, lang):
    annex, path = built[lang]
    flat = squash(" ".join(page_texts(path)))
    positions = [flat.index(squash(plain(s.title))) for s in annex.sections]
    assert positions == sorted(positions)
    for entry in annex.legend:
        assert squash(plain(entry.description)) in flat
    for p in annex.matrix.intro:
        assert squash(plain(p)) in flat
    for s in annex.signatories:
        assert s.signatory.name in flat
    assert annex.labels.signature in flat and annex.effective_date_text in flat


def test_a_long_table_repeats_its_header_on_every_page(tmp_path):
    matrix = load_matrix("fr")
    first = matrix.sections[0]
    rows = [first.activities[0].model_copy(update={"id": f"a{i}", "text": f"Activité numéro {i} " + "longue " * 12})
            for i in range(70)]
    long = matrix.model_copy(update={"sections": [first.model_copy(update={"activities": rows})]})
    from generator.annex import build_annex
    annex = build_annex(long, None, load_brand())
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf.render(annex))
    header = [annex.labels.activity] + [p.label for p in annex.parties]
    by_page = {}
    for r in table_rows(path):
        by_page.setdefault(r["page"], []).append(r)
    table_pages = [p for p, rs in by_page.items()
                   if any(r["kind"] == "td" and r["cells"][0].startswith("Activité numéro") for r in rs)]
    assert len(table_pages) >= 3
    texts = page_texts(path)
    for page in table_pages:
        assert squash(" ".join(header)) in squash(texts[page - 1]), page
    assert len(matrix_rows(annex, path)) == 70


def test_fonts_are_embedded_and_metadata_is_set(built):
    annex, path = built["fr"]
    with pikepdf.open(path) as doc:
        fonts = {}
        for page in doc.pages:
            for font in page.Resources.get("/Font", {}).values():
                fonts[str(font.BaseFont)] = font
        assert fonts and all("Liberation" in name for name in fonts)
        for font in fonts.values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            assert "/FontFile2" in descendant.FontDescriptor or "/FontFile3" in descendant.FontDescriptor
        info = doc.docinfo
        assert str(info.Title) == annex.heading
        assert str(info.Author) == "Cloud Temple"
        assert annex.customer.name in str(info.Subject)
        assert annex.stamp.short in str(info.Keywords)
        assert str(info.CreationDate).startswith("D:" + annex.stamp.effective_date.strftime("%Y%m%d"))
        assert str(doc.Root.Lang) == "fr-FR"  # the annex locale's tag (tests/test_dates.py)
        with doc.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "A"
        assert "/StructTreeRoot" in doc.Root and doc.Root.MarkInfo.Marked


def test_attachment_is_the_canonical_model(built):
    annex, path = built["de"]
    with pikepdf.open(path) as doc:
        data = doc.attachments[pdf.ATTACHMENT_NAME].get_file().read_bytes()
    assert data == annex.embedded_json()
    assert hashlib.sha256(data).hexdigest() == annex.stamp.fingerprint
    payload = json.loads(data)
    assert payload["matrix"] == load_matrix("de").model_dump(mode="json")
    assert payload["customer"]["id"] == annex.customer.id
    assert [d["activity"] for d in payload["deviations"]] == [d.activity for d in annex.customer.deviations]


def test_two_builds_are_byte_identical():
    first = pdf.render(make_annex("es", customer_for("es")))
    second = pdf.render(make_annex("es", customer_for("es")))
    assert first == second


def test_hostile_customer_fields_print_literally(tmp_path):
    hostile = Customer(id="evil", name='<script>alert(1)</script> A & B "C"', contract="</style><b>x</b>",
                       lang="fr", matrices=["s3-object-storage"])
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf.render(make_annex("fr", hostile)))
    flat = squash(" ".join(page_texts(path)))
    assert '<script>alert(1)</script> A & B "C"' in flat
    assert "</style><b>x</b>" in flat


def brand_with(tmp_path, snippet: str):
    folder = tmp_path / "brand"
    folder.mkdir()
    template = (load_brand().fallback / "annex.html.j2").read_text(encoding="utf-8")
    (folder / "annex.html.j2").write_text(template.replace("<body>", "<body>" + snippet), encoding="utf-8")
    return load_brand(folder)


@pytest.mark.parametrize("snippet", [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://example.com/x.css">',
    '<img src="../../../../../../etc/hostname">',
    '<style>@import url("https://example.com/a.css");</style>',
])
def test_templates_cannot_reach_outside_files_or_the_network(tmp_path, snippet):
    from generator.annex import build_annex
    annex = build_annex(load_matrix("fr"), None, brand_with(tmp_path, snippet))
    with pytest.raises(InputError) as exc:
        pdf.render(annex)
    assert "refused" in exc.value.diagnostics[0].message


def test_templates_cannot_reach_python_internals(tmp_path):
    from generator.annex import build_annex
    brand = brand_with(tmp_path, "{{ annex.__class__.__mro__[1].__subclasses__() }}")
    annex = build_annex(load_matrix("fr"), None, brand)
    with pytest.raises(InputError) as exc:
        pdf.render(annex)
    assert exc.value.diagnostics[0].message == ("template refused by the sandbox: access to attribute '__class__' "
                                                "of 'View' object is unsafe.")


def test_a_brand_folder_falls_back_to_the_default_files(tmp_path):
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(load_brand().fallback / "brand.yaml", folder / "brand.yaml")
    brand_yaml = folder / "brand.yaml"
    brand_yaml.write_text(brand_yaml.read_text().replace("name: Cloud Temple", "name: Other Cloud"))
    from generator.annex import build_annex
    annex = build_annex(load_matrix("fr"), None, load_brand(folder))
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf.render(annex))
    assert "Other Cloud" in squash(page_texts(path)[0])


def test_draft_watermark_and_refusal_without_draft(tmp_path):
    from generator.annex import build_annex
    draft = load_matrix("en").model_copy(update={"status": "draft", "approval": None})
    with pytest.raises(InputError) as exc:
        build_annex(draft, None, load_brand())
    assert "--draft" in exc.value.diagnostics[0].hint
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf.render(build_annex(draft, None, load_brand(), draft=True)))
    pages = rotated_texts(path)
    assert len(pages) >= 3 and all("DRAFT" in text for text in pages)
    approved = tmp_path / "a.pdf"
    approved.write_bytes(pdf.render(make_annex("en")))
    assert not any("DRAFT" in text for text in rotated_texts(approved))


def test_deviations_are_marked_and_listed(built):
    annex, path = built["fr"]
    assert annex.customer.id == "banque-horizon" and len(annex.deviations) == 2
    flat = squash(" ".join(page_texts(path)))
    assert annex.labels.deviations_title in flat
    listed = [r["cells"] for r in table_rows(path) if r["kind"] == "td" and len(r["cells"]) == 5]
    assert [(c[0], c[-1]) for c in listed] == [(str(d.number), d.reason) for d in annex.deviations]
    assert listed[0][2:4] == ["Client R A Cloud Temple –", "Client A Cloud Temple R"]
    deviating = [r for r in matrix_rows(annex, path) if "[Dérogation" in r[0]]
    assert [r[1:] for r in deviating] == [["A", "R"], ["A I", "R"]]
