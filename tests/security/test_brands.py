"""Brands are written by designers outside the team: a template or brand.yaml must not read or
write outside the brand folder, run code, inject XML, or print text nobody can read. Each test
attacks one guarantee with a hostile brand or customer built in a temporary folder."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pdfplumber
import pytest
from markupsafe import Markup

from generator.brand import load_brand
from generator.infra.diagnostics import InputError
from generator.writers import docx as docx_writer
from generator.writers import html as html_writer
from generator.writers import pdf as pdf_writer
from generator.writers.template_view import SCALARS, View

from ..conftest import ROOT, load_customer, make_annex
from ..helpers import annex
from ..pdftext import page_texts

DEFAULT = ROOT / "templates" / "default"


def annex_cli(*args, cwd=ROOT):
    return annex(*args, cwd=cwd, timeout=120)


def brand_with(tmp_path: Path, *, template_body: str = "", brand_yaml: str | None = None) -> Path:
    """A brand folder: the default template with `template_body` after <body>, and brand.yaml."""
    folder = tmp_path / "brand"
    folder.mkdir()
    template = (DEFAULT / "annex.html.j2").read_text(encoding="utf-8")
    (folder / "annex.html.j2").write_text(template.replace("<body>", "<body>" + template_body), encoding="utf-8")
    if brand_yaml is not None:
        (folder / "brand.yaml").write_text(brand_yaml, encoding="utf-8")
    load_brand.cache_clear()
    return folder


def default_brand_yaml(**replace: str) -> str:
    text = (DEFAULT / "brand.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


# -- 1. the template context holds plain data only -------------------------------------------

def walk(value, path="annex"):
    """Every value reachable from a template context entry, with its path."""
    yield path, value
    if isinstance(value, Mapping):
        for key in value:
            yield from walk(value[key], f"{path}.{key}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")


def test_the_whole_template_context_is_plain_read_only_data(monkeypatch):
    seen = {}

    def spy(self, *args, **context):
        seen.update(context)
        return ""
    from jinja2 import Template
    monkeypatch.setattr(Template, "render", spy)
    annex = make_annex("fr", load_customer("banque-horizon"), draft=True)
    html_writer.render(annex)
    assert {"annex", "labels", "palette", "font_files", "fallback_fonts"} <= set(seen)
    count = 0
    for name, value in seen.items():
        for path, item in walk(value, name):
            count += 1
            assert isinstance(item, (*SCALARS, View, tuple)), f"{path} is a {type(item).__name__}"
            assert not isinstance(item, (Path, list, dict)) or isinstance(item, View), path
    assert count > 500  # the walk really went through the matrix
    view = seen["annex"]
    assert "folder" not in view["brand"] and view["brand"]["name"] == "Cloud Temple"
    with pytest.raises(AttributeError):
        view.matrix = None


def test_a_template_cannot_write_files_through_the_annex(tmp_path):
    target = tmp_path / "pwned.pth"
    folder = brand_with(tmp_path, template_body="{{ annex.brand.folder.joinpath('../pwned.pth').write_text('x') }}"
                                                "{{ annex.matrix.__class__ }}{{ annex.brand.data.__init__ }}")
    result = annex_cli("build", "s3-object-storage", "--format", "pdf", "--templates", str(folder),
                       "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert "has no attribute 'folder'" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("snippet", ["{{ annex.matrix.__class__.__mro__ }}", "{{ labels.__class__ }}",
                                     "{{ annex.matrix.model_copy.__globals__ }}"])
def test_a_template_cannot_reach_python_internals(tmp_path, snippet):
    folder = brand_with(tmp_path, template_body=snippet)
    annex = make_annex("fr", templates=folder)
    with pytest.raises(InputError) as exc:
        pdf_writer.render(annex)
    message = exc.value.diagnostics[0].message
    assert "has no attribute" in message or "unsafe" in message or "refused by the sandbox" in message, message


# -- 2. the template loader and the resource fetcher follow no link out ----------------------

def test_include_of_a_symlink_out_of_the_brand_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-SHADOW", encoding="utf-8")
    folder = brand_with(tmp_path, template_body="{% include 'leak.html' %}")
    os.symlink(secret, folder / "leak.html")
    annex = make_annex("fr", templates=folder)
    with pytest.raises(InputError) as exc:
        pdf_writer.render(annex)
    assert "leaves the template folder" in exc.value.diagnostics[0].message
    assert "TOP-SECRET" not in str(exc.value)


def test_a_logo_linked_out_of_the_brand_is_refused_before_any_annex(tmp_path):
    outside = tmp_path / "outside.svg"
    outside.write_bytes((DEFAULT / "logo.svg").read_bytes())
    folder = brand_with(tmp_path, brand_yaml=default_brand_yaml(**{"logo: logo.svg": "logo: linked.svg"}))
    os.symlink(outside, folder / "linked.svg")
    with pytest.raises(InputError) as exc:
        load_brand(folder)
    assert "leaves the template folder" in str(exc.value) and "brand.yaml:5:7" in str(exc.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "../../../etc/hostname"])
def test_resources_outside_the_brand_are_refused(tmp_path, url):
    folder = brand_with(tmp_path, template_body=f'<img src="{url}">')
    annex = make_annex("fr", templates=folder)
    with pytest.raises(InputError) as exc:
        pdf_writer.render(annex)
    assert "may not load" in str(exc.value) or "leaves the template folder" in str(exc.value)


def test_the_brand_version_ignores_links_out_of_the_folder(tmp_path):
    folder = brand_with(tmp_path)
    before = load_brand(folder).version
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"x" * 10)
    os.symlink(secret, folder / "extra.bin")
    load_brand.cache_clear()
    assert load_brand(folder).version == before  # the linked file was not read


# -- 10. brand.yaml is validated whole, with located errors ----------------------------------

@pytest.mark.parametrize("old, new, line, words", [
    ('primary: "#0B2E4F"', 'primary: \'#0B2E4F"/><w:evil/>\'', 0, "colors.primary"),
    ('text: "#1A1A1A"', "text: 12", 0, "colors.text"),
    ("family: Liberation Sans", "family: 'Liberation\"; } body { color: red'", 0, "fonts.family"),
    ("name: Cloud Temple", "name: [not, text]", 0, "name"),
    ("  muted:", "  mutted:", 0, "did you mean `muted`"),
    ("regular: fonts/LiberationSans-Regular.ttf", "regular: fonts/missing.ttf", 0, "fonts.files.regular"),
    ("logo: logo.svg", "logo: /etc/passwd", 0, "logo"),
])
def test_a_bad_brand_is_refused_up_front_with_a_located_message(tmp_path, old, new, line, words):
    folder = brand_with(tmp_path, brand_yaml=default_brand_yaml(**{old: new}))
    result = annex_cli("build", "s3-object-storage", "--templates", str(folder), "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and words in result.stderr
    assert f"{folder / 'brand.yaml'}:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_docx_attributes_are_escaped_even_for_values_that_reach_the_writer():
    from generator.writers import docx_xml
    assert docx_xml.attr("w:author", 'Evil" w:date="x') == ' w:author="Evil&quot; w:date=&quot;x"'
    with pytest.raises(ValueError):
        docx_xml.hex_color('FF0000"/>')
    rows = [docx_xml.XRow([docx_xml.XCell([docx_xml.XPara([docx_xml.XRun("x", change="ins")])])])]
    element, _ = docx_xml.build_table(rows, [100], style='S"<', author='<&">', date="2025-01-01T00:00:00Z")
    from docx.oxml.ns import qn
    assert element.find(qn("w:tblPr")).find(qn("w:tblStyle")).get(qn("w:val")) == 'S"<'
    assert element.find(".//" + qn("w:ins")).get(qn("w:author")) == '<&">'


def _reference_variant(tmp_path: Path, data: bytes) -> Path:
    folder = brand_with(tmp_path)
    (folder / "annex.docx").write_bytes(data)
    docx_writer.reference_bytes.cache_clear()
    return folder


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("make, words", [
    (lambda ref: b"this is not a zip", "not a DOCX file"),
    (lambda ref: _zip({"[Content_Types].xml": b"\0" * (80 * 1024 * 1024)}), "over the limits"),
    (lambda ref: _zip({"word/document.xml": b"<x/>"}), "cannot be opened as a DOCX"),
    (lambda ref: ref.replace(b"AnnexRoleI", b"AnnexRoleX").replace(b"Annex Role I", b"Annex Role X"),
     "Annex Role I"),
])
def test_a_bad_reference_docx_is_refused_before_any_annex(tmp_path, make, words):
    reference = (DEFAULT / "annex.docx").read_bytes()
    if b"Annex Role I" not in reference:  # the styles part is compressed: edit it inside the zip
        src = zipfile.ZipFile(io.BytesIO(reference))
        entries = {n: src.read(n) for n in src.namelist()}
        data = make(entries["word/styles.xml"]) if "Role" in words else None
        if data is not None:
            entries["word/styles.xml"] = data
            reference = _zip(entries)
        else:
            reference = make(reference)
    else:
        reference = make(reference)
    folder = _reference_variant(tmp_path, reference)
    result = annex_cli("build", "s3-object-storage", "--format", "docx", "--templates", str(folder),
                       "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# -- 12. every character is printable, and printed with the brand's fonts --------------------

def customer_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "customers.yaml"
    path.write_text("customers:\n  - id: intl\n    name: " + repr(name).replace("'", '"') +
                    "\n    lang: fr\n    matrices: [s3-object-storage]\n    effective_date: 2025-03-01\n",
                    encoding="utf-8")
    return path


def test_legal_names_in_other_scripts_print_in_embedded_noto_fonts(tmp_path):
    name = "株式会社テスト · شركة الاختبار · חברת בדיקה · Ωmega"
    result = annex_cli("build", "s3-object-storage", "--customer", str(customer_file(tmp_path, name)),
                       "--format", "pdf", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    pdf = next(tmp_path.rglob("*.pdf"))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout \
        if os.path.exists("/usr/bin/pdffonts") else ""
    if fonts:
        assert "Noto-Sans-CJK-JP" in fonts and "Noto-Sans-Arabic" in fonts
        assert all(" yes yes " in line for line in fonts.splitlines()[2:]), fonts  # embedded and subset
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert "株式会社テスト" in text and "Ωmega" in text


@pytest.mark.parametrize("name, char", [("Evil 😀 Corp", "U+1F600"), ("Stop \U0001F6D1", "U+1F6D1")])
def test_characters_no_brand_font_covers_are_refused_naming_field_and_character(tmp_path, name, char):
    result = annex_cli("build", "s3-object-storage", "--customer", str(customer_file(tmp_path, name)),
                       "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert "customer intl" in result.stderr and "name:" in result.stderr and char in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_missing_fallback_font_is_refused_with_the_package_to_install(tmp_path):
    folder = brand_with(tmp_path, brand_yaml=default_brand_yaml(**{
        "truetype/noto/NotoSansHebrew-Regular.ttf": "truetype/noto/NotoSansKlingon-Regular.ttf"}))
    with pytest.raises(InputError) as exc:
        load_brand(folder)
    assert "not installed" in str(exc.value) and "apt-get install fonts-noto-core" in str(exc.value)


# -- 13. long unbroken strings wrap inside the page ------------------------------------------

def test_an_unbroken_string_wraps_inside_the_page(tmp_path):
    word = "X" * 1500
    customer = load_customer("banque-horizon").model_copy(update={"name": word, "contract": "C" * 120})
    data = pdf_writer.render(make_annex("fr", customer))
    path = tmp_path / "long.pdf"
    path.write_bytes(data)
    with pdfplumber.open(path) as doc:
        for page in doc.pages:
            assert all(0 <= c["x0"] and c["x1"] <= page.width for c in page.chars), page.page_number
    assert word in "".join(t.replace("\n", "") for t in page_texts(path))


# -- 14. a brand resource that fails to load stops the build ---------------------------------

@pytest.mark.weasyprint_warns  # the broken logo is logged by WeasyPrint: that log is what stops the build
def test_a_logo_that_cannot_be_loaded_stops_the_build(tmp_path):
    folder = brand_with(tmp_path)
    (folder / "logo.svg").write_text("<svg this is not xml", encoding="utf-8")
    annex = make_annex("fr", templates=folder)
    with pytest.raises(InputError) as exc:
        pdf_writer.render(annex)
    assert "could not be used" in str(exc.value) and "logo.svg" in str(exc.value)


def test_scalars_are_what_the_view_allows():
    # the list the context test checks against: no container or handle type may slip in
    assert set(SCALARS) == {str, int, float, bool, type(None), dt.date, Markup}
