"""Lists as the published pages have them (the Kubernetes-style fixtures in French and English:
a section that holds only a list, nested bullets, a numbered list under an item, a numbered list
under a table, emphasis and links in items), printed at their place in the PDF and the DOCX, read
back item by item as their readers do (the PDF's tagged L/LI structure; the DOCX's numbering
through python-docx, and its pages through LibreOffice)."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from generator.annex import build_annex
from generator.brand import load_brand
from generator.commands.importer import matrix_from_page
from generator.model import Revision, plain
from generator.writers import docx as docx_writer
from generator.writers import pdf as pdf_writer

from ..conftest import has
from ..docxtext import list_items as docx_items
from ..docxtext import open_docx
from ..pdftext import list_items as pdf_items
from ..pdftext import squash

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def kubernetes(lang: str):
    matrix, _ = matrix_from_page(FIXTURES / f"raci_kubernetes.{lang}.md", lang=None, reference=None, existing=None,
                                 matrix_id="kubernetes")
    return matrix.model_copy(update={"history": [Revision(version="0.1.0", date=dt.date(2025, 5, 1))]})


@pytest.fixture(scope="module", params=["fr", "en"])
def built(request, tmp_path_factory):
    annex = build_annex(kubernetes(request.param), None, load_brand(), draft=True)
    folder = tmp_path_factory.mktemp(f"lists-{request.param}")
    pdf, docx = folder / "annex.pdf", folder / "annex.docx"
    pdf.write_bytes(pdf_writer.render(annex))
    docx.write_bytes(docx_writer.render(annex))
    return annex, pdf, docx


def expected_items(annex) -> list[tuple[int, str, str]]:
    """(level, label, text) of every list item of the annex model, in reading order."""
    out: list[tuple[int, str, str]] = []

    def items(view, level: int) -> None:
        for n, item in enumerate(view.items, start=view.start):
            label = f"{n}." if view.ordered else ("•" if level == 0 else "–")
            out.append((level, label, squash(plain(item.text))))
            items(item, level + 1)
    blocks = [*annex.intro, *annex.legend_intro]
    for s in annex.sections:
        blocks += [*s.intro, *(b for t in s.tables for b in t.after)]
    for b in blocks:
        if b.kind == "list":
            items(b, 0)
    return out


def test_the_fixture_has_every_kind_of_list(built):
    annex, _, _ = built
    summary = annex.sections[-1]
    assert summary.tables == () and [b.kind for b in summary.intro] == ["list"]  # a section of a list alone
    levels = expected_items(annex)
    assert len(levels) == 12
    assert {(level, label[-1]) for level, label, _ in levels} == {(0, "•"), (1, "–"), (1, "."), (0, ".")}
    billed = "facturées en mode projet." if annex.lang == "fr" else "billed as a project."
    assert levels[-1][2].endswith(billed) and "[" not in levels[-1][2]  # the link prints as its text


def test_pdf_tags_every_item_at_its_level_with_its_marker(built):
    annex, pdf, _ = built
    read = [(i["level"], i["label"], i["text"]) for i in pdf_items(pdf)]
    assert read == expected_items(annex)


def test_pdf_prints_emphasis_in_items():
    from io import BytesIO

    import pdfplumber
    annex = build_annex(kubernetes("fr"), None, load_brand(), draft=True)
    with pdfplumber.open(BytesIO(pdf_writer.render(annex))) as document:
        words = [w for page in document.pages for w in page.extract_words(extra_attrs=["fontname"])]
    fonts = {w["text"]: w["fontname"] for w in words}
    assert "Bold" in fonts["opère"] and "Italic" in fonts["workers"] and "Bold" in fonts["facturées"]
    assert "Bold" not in fonts["socle"] and "Italic" not in fonts["socle"]


def test_docx_numbers_every_item_as_the_pdf_does(built):
    annex, pdf, docx = built
    document = open_docx(docx.read_bytes())
    read = [(i["level"], i["label"], squash(i["text"])) for i in docx_items(document)]
    assert read == expected_items(annex) == [(i["level"], i["label"], i["text"]) for i in pdf_items(pdf)]


def test_docx_list_numbering_xml(built):
    """A w:num per list (and per nested list) over the reference's abstractNum of its kind, each
    restarting at its start; items in the list styles (under a table: the notes' list style)."""
    annex, _, docx = built
    document = open_docx(docx.read_bytes())
    items = docx_items(document)
    numbering = document.part.numbering_part.element
    bullets, numbers = (docx_writer.xml.style_abstract_num(document, document.styles[name].style_id)
                        for name in docx_writer.LIST_STYLES.values())
    assert {bullets, numbers} == {1, 2}
    runs: dict[int, list[dict]] = {}
    for i in items:
        runs.setdefault(i["num"], []).append(i)
    # the intro's list, the notes' numbered list, the summary's list and its two nested lists
    assert [len(r) for r in runs.values()] == [2, 3, 3, 2, 2]
    for num_id, run in runs.items():
        (num,) = numbering.xpath(f"./w:num[@w:numId='{num_id}']")
        abstract = int(num.find(qn("w:abstractNumId")).get(qn("w:val")))
        numbered = run[0]["label"][0].isdigit()
        assert abstract == (numbers if numbered else bullets)
        assert len({i["level"] for i in run}) == 1  # a nested list is a w:num of its own, at level 1
        assert num.xpath("./w:lvlOverride/w:startOverride/@w:val") == ["1"]
        assert [i["label"] for i in run] == ([f"{n}." for n in range(1, len(run) + 1)] if numbered
                                            else [run[0]["label"]] * len(run))
    styles = [i["style"] for i in items]
    assert styles[:2] == ["Annex List Bullet"] * 2 and styles[2:5] == ["Annex List Note"] * 3
    assert set(styles[5:]) == {"Annex List Bullet"}


def test_docx_items_keep_their_emphasis(built):
    annex, _, docx = built
    if annex.lang != "fr":
        pytest.skip("one language is enough")
    document = open_docx(docx.read_bytes())
    item = next(p for p in document.paragraphs if p.text.startswith("Cloud Temple opère"))
    assert [(r.text, bool(r.bold)) for r in item.runs if r.bold] == [("opère", True)]
    nested = next(p for p in document.paragraphs if p.text.startswith("les nœuds"))
    assert [r.text for r in nested.runs if r.italic] == ["workers"]


def test_a_numbered_list_from_3_and_lists_in_a_row_restart():
    from generator.model import Matrix
    matrix = Matrix.model_validate({
        "id": "m", "lang": "fr", "title": "T", "version": "1.0.0",
        "history": [{"version": "1.0.0", "date": "2025-05-01"}],
        "parties": [{"id": "customer", "label": "Client"}, {"id": "provider", "label": "Cloud Temple"}],
        "sections": [{"title": "S", "intro": [
            {"items": ["trois", "quatre"], "ordered": True, "start": 3},
            {"items": ["un", "deux"], "ordered": True},
            {"kind": "note", "body": [{"items": ["a", {"text": "b", "items": ["c"], "ordered": True, "start": 5}],
                                       "ordered": True}]}]}]})
    annex = build_annex(matrix, None, load_brand(), draft=True)
    document = open_docx(docx_writer.render(annex))
    read = [(i["label"], i["text"], i["style"]) for i in docx_items(document)]
    assert read == [("3.", "trois", "Annex List Number"), ("4.", "quatre", "Annex List Number"),
                    ("1.", "un", "Annex List Number"), ("2.", "deux", "Annex List Number"),
                    ("1.", "a", "Annex Callout Note"), ("2.", "b", "Annex Callout Note"),
                    ("5.", "c", "Annex Callout Note")]
    # in a callout every item's first line starts at the box's indent (where the border is drawn,
    # so it stays straight), its text after the marker, nested text further
    boxed = [p.paragraph_format for p in document.paragraphs if p.style.name == "Annex Callout Note"]
    box = document.styles["Annex Callout Note"].paragraph_format.left_indent.twips
    assert [f.left_indent.twips + f.first_line_indent.twips for f in boxed] == [box] * 3
    assert [f.left_indent.twips for f in boxed] == [box + 312, box + 312, box + 624]


@pytest.mark.skipif(not has("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_draws_the_numbers_and_bullets(built, tmp_path):
    annex, _, docx = built
    if annex.lang != "fr":
        pytest.skip("one language is enough for LibreOffice")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx)], capture_output=True, check=True, timeout=180)
    text = squash(subprocess.run(["pdftotext", str(tmp_path / "annex.pdf"), "-"], capture_output=True, text=True,
                                 check=True).stdout)
    for _, label, item in expected_items(annex):
        assert f"{label} {item[:25]}" in text, (label, item)


def test_the_kubernetes_pages_import_and_build_in_both_languages(tmp_path):
    """The issue's case, as a new user runs it: import the page, build the draft annex (the section
    of a list alone used to be dropped, then refused as empty)."""
    import os

    from ..helpers import annex as run
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1746057600"}
    for lang in ("fr", "en"):
        target = tmp_path / f"{lang}.yaml"
        reference = ["--reference", tmp_path / "fr.yaml"] if lang != "fr" else []
        imported = run("import", FIXTURES / f"raci_kubernetes.{lang}.md", "-o", target, *reference)
        assert imported.returncode == 0 and "3 lists" in imported.stderr and "0 warning(s)" in imported.stderr
        built = run("build", target, "--draft", "-o", tmp_path / "out", env=env)
        assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"kubernetes_{lang}_v0.1.0.{ext}" for lang in ("en", "fr") for ext in ("docx", "pdf")]
