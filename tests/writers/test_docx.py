"""The DOCX annex opened with python-docx: content equal to the model (and so to the PDF),
and the XML Word relies on: styles, repeated header rows, fields, language, properties,
review protection and tracked changes."""
import io
import zipfile

import pytest
from docx.oxml.ns import qn

from generator.brand import load_brand
from generator.infra.diagnostics import InputError
from generator.model import Customer, plain
from generator.writers import docx as docx_writer

from ..conftest import LANGS, customer_for, load_customer, load_matrix, make_annex
from ..docxtext import body_blocks, cell_text, open_docx
from ..expected import model_rows
from ..helpers import docx_sequence


@pytest.fixture(scope="module")
def built():
    return {lang: (annex := make_annex(lang, customer_for(lang)), docx_writer.render(annex)) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_sections_activities_and_roles_equal_the_model(built, lang):
    annex, data = built[lang]
    assert docx_sequence(annex, data) == model_rows(annex)
    assert len(model_rows(annex)) == 28


@pytest.mark.parametrize("lang", LANGS)
def test_headings_use_heading_styles_and_keep_with_next(built, lang):
    annex, data = built[lang]
    document = open_docx(data)
    headings = [b for b in body_blocks(document) if b[0] == "heading"]
    section_headings = [(level, text) for _, level, text in headings if "\u2002" in text]
    assert section_headings == [(min(s.depth, 3), f"{s.number}\u2002{plain(s.title)}") for s in annex.sections]
    for p in document.paragraphs:
        if p.style.name.startswith("Heading"):
            style = p.style
            assert style.paragraph_format.keep_with_next


@pytest.mark.parametrize("lang", ["fr", "en"])  # fr's sample customer has deviations, en's has none
def test_the_matrix_and_what_follows_it_start_on_new_pages_as_in_the_pdf(built, lang):
    annex, data = built[lang]
    breaks = [p.text for p in open_docx(data).paragraphs if p.paragraph_format.page_break_before]
    first = annex.sections[0]
    after = annex.labels.deviations_title if annex.deviations else annex.labels.signoff_title
    assert breaks == [f"{first.number}\u2002{plain(first.title)}", after]


def test_tables_use_the_table_style_header_rows_repeat_and_rows_do_not_split(built):
    annex, data = built["fr"]
    document = open_docx(data)
    matrix_tables = [t for t in document.tables if cell_text(t.rows[0].cells[0]) == annex.labels.activity]
    assert len(matrix_tables) == len([s for s in annex.sections if s.rows])
    for table in matrix_tables:
        assert table.style.name == "Annex Matrix"
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        # no direct shading on ordinary cells: the table style does it
        plain_rows = [r for r in table.rows[1:] if "[" not in cell_text(r.cells[0])]
        assert all(c._tc.tcPr is None or c._tc.tcPr.find(qn("w:shd")) is None for r in plain_rows for c in r.cells)


def test_footer_has_stamp_and_real_page_fields_and_header_names_the_customer(built):
    annex, data = built["de"]
    document = open_docx(data)
    footer = document.sections[0].footer
    instructions = [el.text.strip() for el in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    text = "".join(el.text or "" for el in footer._element.iter(qn("w:t")))
    assert annex.stamp_text in text and "Seite" in text and " von " in text
    header = "".join(el.text or "" for el in document.sections[0].header._element.iter(qn("w:t")))
    assert annex.customer.name in header and annex.customer.contract in header


@pytest.mark.parametrize("lang, tag", [("fr", "fr-FR"), ("de", "de-DE"), ("it", "it-IT")])
def test_document_language(built, lang, tag):
    document = open_docx(built[lang][1])
    default = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert default.get(qn("w:val")) == tag
    langs = {el.get(qn("w:val")) for el in document.styles.element.iter(qn("w:lang"))}
    assert langs == {tag}


def test_core_and_custom_properties(built):
    annex, data = built["es"]
    core = open_docx(data).core_properties
    assert core.title == annex.heading and core.author == "Cloud Temple"
    assert core.version == annex.stamp.version and annex.stamp.short in core.keywords
    assert core.created.date() == annex.stamp.effective_date == core.modified.date()
    custom = zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml").decode()
    for value in (annex.matrix.id, annex.stamp.version, annex.lang, annex.stamp.fingerprint):
        assert f"<vt:lpwstr>{value}</vt:lpwstr>" in custom


def test_inline_emphasis_is_kept():
    from generator.annex import build_annex
    matrix = load_matrix("fr")
    first = matrix.sections[0]
    act = first.activities[0].model_copy(update={"text": "Assurer les **datacenters physiques** et *ceci*"})
    m = matrix.model_copy(update={"sections": [first.model_copy(update={"activities": [act]})]})
    document = open_docx(docx_writer.render(build_annex(m, None, load_brand())))
    runs = [r for t in document.tables for c in t.rows[-1].cells[:1] for p in c.paragraphs for r in p.runs
            if "datacenters" in r.text or "ceci" in r.text]
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in runs][-2:] == [("datacenters physiques", True, False),
                                                                              ("ceci", False, True)]


def test_two_builds_are_byte_identical():
    assert docx_writer.render(make_annex("it", customer_for("it"))) == docx_writer.render(
        make_annex("it", customer_for("it")))


def test_zip_entries_have_fixed_dates(built):
    z = zipfile.ZipFile(io.BytesIO(built["en"][1]))
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert z.namelist()[0] == "[Content_Types].xml"


def test_hostile_customer_fields_print_literally():
    hostile = Customer(id="evil", name='<script>alert(1)</script> A & B "C"', contract="]]></w:t>",
                       lang="fr", matrices=["s3-object-storage"])
    data = docx_writer.render(make_annex("fr", hostile))
    document = open_docx(data)
    header = "".join(el.text or "" for el in document.sections[0].header._element.iter(qn("w:t")))
    assert '<script>alert(1)</script> A & B "C"' in header and "]]></w:t>" in header


def test_draft_banner_on_every_page(tmp_path):
    from generator.annex import build_annex
    draft = load_matrix("fr").model_copy(update={"status": "draft", "approval": None})
    document = open_docx(docx_writer.render(build_annex(draft, None, load_brand(), draft=True)))
    header = "".join(el.text or "" for el in document.sections[0].header._element.iter(qn("w:t")))
    assert "PROJET" in header
    approved = open_docx(docx_writer.render(make_annex("fr")))
    assert "PROJET" not in "".join(el.text or "" for el in approved.sections[0].header._element.iter(qn("w:t")))


def test_review_mode_protects_and_tracks_deviations():
    annex = make_annex("fr", load_customer("banque-horizon"), review=True)
    document = open_docx(docx_writer.render(annex))
    settings = document.settings.element
    protection = settings.find(qn("w:documentProtection"))
    assert protection.get(qn("w:edit")) == "trackedChanges" and protection.get(qn("w:enforcement")) == "1"
    assert settings.find(qn("w:trackRevisions")) is not None
    body = document.element.body
    deletions, insertions = list(body.iter(qn("w:del"))), list(body.iter(qn("w:ins")))
    assert len(deletions) == len(insertions) == 4  # per deviating row, one of each per party cell
    for change in deletions + insertions:
        assert change.get(qn("w:author")) == "Cloud Temple"
        assert change.get(qn("w:date")) == "2025-03-01T00:00:00Z"
    ids = [c.get(qn("w:id")) for c in deletions + insertions]
    assert len(set(ids)) == len(ids)
    # accepted, the document says the agreed roles; rejected, the standard ones
    rows = {cell_text(r.cells[0]): r for t in document.tables for r in t.rows}
    row = rows["Assurer la sauvegarde des données [Dérogation 1]"]
    assert [cell_text(c) for c in row.cells[1:]] == ["A", "R"]
    assert [cell_text(c, deleted=True) for c in row.cells[1:]] == ["R A", "–"]


def test_without_review_deviations_are_plain_and_listed(built):
    annex, data = built["fr"]
    document = open_docx(data)
    assert document.settings.element.find(qn("w:documentProtection")) is None
    assert not list(document.element.body.iter(qn("w:ins")))
    listing = [t for t in document.tables if cell_text(t.rows[0].cells[0]) == "#"][0]
    assert [cell_text(r.cells[-1]) for r in listing.rows[1:]] == [d.reason for d in annex.deviations]


def test_a_reference_document_without_the_styles_is_refused(tmp_path):
    import docx
    folder = tmp_path / "brand"
    folder.mkdir()
    docx.Document().save(folder / "annex.docx")
    from generator.annex import build_annex
    with pytest.raises(InputError) as exc:
        docx_writer.render(build_annex(load_matrix("fr"), None, load_brand(folder)))
    assert "Annex Matrix" in exc.value.diagnostics[0].message


def test_reference_document_is_reproducible(tmp_path):
    import shutil
    import subprocess
    import sys

    from ..conftest import ROOT
    folder = tmp_path / "brand"
    shutil.copytree(ROOT / "templates" / "default", folder)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_reference_docx.py"), str(folder)], check=True,
                   capture_output=True)
    assert (folder / "annex.docx").read_bytes() == (ROOT / "templates" / "default" / "annex.docx").read_bytes()


def embedded_faces(data: bytes, family: str) -> dict[str, bytes]:
    """{w:embedXxx tag: font bytes} of `family`, the obfuscation (ECMA-376 Part 1 §17.8.1) undone
    with each part's w:fontKey: the first 32 bytes XORed with the key's bytes, last to first."""
    import uuid

    from lxml import etree
    package = zipfile.ZipFile(io.BytesIO(data))
    table = etree.fromstring(package.read("word/fontTable.xml"))
    targets = {r.get("Id"): r.get("Target") for r in etree.fromstring(package.read("word/_rels/fontTable.xml.rels"))}
    font = next(f for f in table.findall(qn("w:font")) if f.get(qn("w:name")) == family)
    out = {}
    for el in font:
        if "embed" in el.tag:
            odttf = package.read("word/" + targets[el.get(qn("r:id"))])
            mask = uuid.UUID(el.get(qn("w:fontKey")).strip("{}")).bytes[::-1]
            out[el.tag.split("}")[1]] = bytes(b ^ mask[i % 16] for i, b in enumerate(odttf[:32])) + odttf[32:]
    return out


def test_the_brand_font_is_embedded_and_named_by_every_style(built):
    """Each face of the brand's font is in the DOCX, obfuscated as Word expects, with the glyphs
    and advance widths of the brand's files for every character the annex prints and the Latin a
    reviewer types; the styles name that family and the settings keep the fonts in the file."""
    from fontTools.ttLib import TTFont
    from lxml import etree
    brand = load_brand()
    family = brand.config.fonts.family
    files = brand.config.fonts.files.model_dump()
    annex, data = built["de"]
    faces = embedded_faces(data, family)
    assert set(faces) == {"embedRegular", "embedBold", "embedItalic", "embedBoldItalic"}
    printed = {ord(ch) for text in open_docx(data).element.body.itertext() for ch in text}
    for tag, face in (("embedRegular", "regular"), ("embedBold", "bold"), ("embedItalic", "italic"),
                      ("embedBoldItalic", "bolditalic")):
        font, original = TTFont(io.BytesIO(faces[tag])), TTFont(brand.find(files[face]))
        assert font["name"].getDebugName(1) == family
        assert font["head"].modified == original["head"].modified  # no clock in the bytes
        cmap, full = font.getBestCmap(), original.getBestCmap()
        wanted = {p for p in printed | set(docx_writer.EDITING_REPERTOIRE) if p in full}
        assert wanted <= set(cmap), sorted(wanted - set(cmap))[:10]
        assert all(font["hmtx"][cmap[p]][0] == original["hmtx"][full[p]][0] for p in wanted)
    package = zipfile.ZipFile(io.BytesIO(data))
    assert b"application/vnd.openxmlformats-officedocument.obfuscatedFont" in package.read("[Content_Types].xml")
    assert etree.fromstring(package.read("word/settings.xml")).find(qn("w:embedTrueTypeFonts")) is not None
    named = {f.get(qn("w:ascii")) for f in etree.fromstring(package.read("word/styles.xml")).iter(qn("w:rFonts"))}
    assert named == {family}


def test_characters_beyond_latin_are_embedded_too():
    """A Greek legal name prints in the brand's font in the DOCX as in the PDF."""
    from fontTools.ttLib import TTFont
    customer = customer_for("en").model_copy(update={"name": "Ωμέγα Δίκτυα Α.Ε."})
    data = docx_writer.render(make_annex("en", customer))
    cmap = TTFont(io.BytesIO(embedded_faces(data, load_brand().config.fonts.family)["embedBold"])).getBestCmap()
    assert {ord(ch) for ch in "ΩμέγαΔίκτυαΑΕ"} <= set(cmap)
