"""Matrix pages laid out once and reused (writers/pdf_pages.py): the reuse must be invisible.

The composed PDF is compared byte for byte with the whole annex laid out as one document, for
every sample customer, with and without deviations, approved and draft; then what is shared and
what is not, and the page structure that makes sharing possible.
"""
import logging

import pytest
import weasyprint

from generator.annex import build_annex
from generator.brand import load_brand
from generator.readers.customers import read_customers
from generator.readers.matrix_yaml import read_matrix
from generator.writers import pdf, pdf_pages

from ..conftest import CUSTOMERS, DATA, load_customer, load_matrix, make_annex
from ..pdftext import page_texts, squash

SAMPLE_CUSTOMERS = [c.id for c in read_customers(CUSTOMERS)[0]]


@pytest.fixture(autouse=True)
def empty_cache():
    pdf_pages.cache.clear()
    yield
    pdf_pages.cache.clear()


def kept():
    return [entry.pages for entry in pdf_pages.cache.entries.values()]


def write(tmp_path, name, data):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return path


@pytest.fixture
def composed(monkeypatch):
    """How many annexes were composed from kept pages (not laid out whole)."""
    count = []
    original = pdf_pages.compose

    def spy(frame, pages):
        document = original(frame, pages)
        count.append(document is not None)
        return document
    monkeypatch.setattr(pdf_pages, "compose", spy)
    return count


@pytest.mark.parametrize("cid", SAMPLE_CUSTOMERS + [None])
def test_reused_pages_give_the_bytes_of_the_whole_layout(cid, composed):
    customer = load_customer(cid) if cid else None
    annex = make_annex(customer.lang if customer else "fr", customer)
    cold = pdf.render(annex)  # laid out whole; its matrix part is now known
    assert not kept()
    again = pdf.render(annex)  # laid out whole again, its matrix pages kept
    warm = pdf.render(annex)  # composed
    assert composed == [True] and len(kept()) == 1
    assert cold == again == warm == pdf.render(annex, reuse=False)


def test_a_draft_with_many_matrix_pages_too(composed):
    matrix = read_matrix(DATA / "matrices" / "iaas" / "fr.yaml")[0]
    first = build_annex(matrix, load_customer("northwind-logistics"), load_brand(), draft=True)
    pdf.render(first)
    pdf.render(first)
    assert len(kept()[0]) >= 5
    annex = build_annex(matrix, load_customer("mutuelle-atlantique"), load_brand(), draft=True)
    assert pdf.render(annex) == pdf.render(annex, reuse=False)
    assert composed == [True]


def test_customers_share_the_matrix_pages_unless_their_deviations_differ(tmp_path, composed):
    plain = load_customer("mutuelle-atlantique")
    with_deviations = load_customer("banque-horizon")
    assert plain.lang == with_deviations.lang == "fr"
    pdf.render(make_annex("fr", None))
    write(tmp_path, "none", pdf.render(make_annex("fr", None)))
    plain_bytes = pdf.render(make_annex("fr", plain))
    assert composed == [True] and len(kept()) == 1  # it took the pages of the annex without customer
    assert plain_bytes == pdf.render(make_annex("fr", plain), reuse=False)
    plain_pdf = write(tmp_path, "plain", plain_bytes)
    deviating_pdf = write(tmp_path, "dev", pdf.render(make_annex("fr", with_deviations)))
    assert len(kept()) == 1  # seen once: deviations of its own are not worth keeping
    pdf.render(make_annex("fr", with_deviations))
    assert len(kept()) == 2
    # each annex shows its own matrix: marks only where the customer deviates
    assert "Dérogation 1" in squash(" ".join(page_texts(deviating_pdf)[1:3]))
    assert not any("Dérogation" in squash(text) for text in page_texts(plain_pdf))
    # and its own frame around the shared pages: name and fingerprint on every page
    annex = make_annex("fr", plain)
    for text in page_texts(plain_pdf):
        assert plain.name in squash(text) and annex.stamp.short in squash(text)


def test_the_switch_turns_reuse_off(monkeypatch, composed):
    monkeypatch.setenv("ANNEX_PAGE_REUSE", "0")
    annex = make_annex("fr")
    first = [pdf.render(annex) for _ in range(3)]
    assert not kept() and composed == []  # nothing kept, nothing composed: every annex laid out whole
    assert first == [pdf.render(annex, reuse=False)] * 3
    monkeypatch.setenv("ANNEX_PAGE_REUSE", "1")
    pdf.render(annex)
    pdf.render(annex)
    assert len(kept()) == 1


def test_an_unverified_weasyprint_lays_out_whole_and_says_so_once(monkeypatch, composed, caplog):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    pdf_pages.verified.cache_clear()
    try:
        annex = make_annex("fr")
        with caplog.at_level(logging.DEBUG, logger=pdf_pages.__name__):
            rendered = [pdf.render(annex) for _ in range(3)]
    finally:
        pdf_pages.verified.cache_clear()
    assert not kept() and composed == []
    assert rendered == [pdf.render(annex, reuse=False)] * 3
    said = [r for r in caplog.records if r.name == pdf_pages.__name__]
    assert len(said) == 1 and said[0].levelno == logging.DEBUG and "WeasyPrint 71.0" in said[0].getMessage()


def test_the_generation_changes_when_pages_are_kept_or_dropped():
    annex = make_annex("fr")
    start = pdf_pages.generation()
    pdf.render(annex)
    assert pdf_pages.generation() == start  # seen once: nothing kept
    pdf.render(annex)
    kept_now = pdf_pages.generation()
    assert kept_now != start
    pdf.render(annex)  # composed: nothing kept or dropped
    assert pdf_pages.generation() == kept_now
    pdf_pages.cache.clear()
    assert pdf_pages.generation() != kept_now


def test_kept_pages_keep_their_font_configuration():
    annex = make_annex("fr")
    pdf.render(annex)
    pdf.render(annex)
    (entry,) = pdf_pages.cache.entries.values()
    assert entry.font_config is pdf.font_config(annex.brand)


def test_the_cache_is_bounded_by_pages(monkeypatch):
    monkeypatch.setattr(pdf_pages.PageCache, "MAX_PAGES", 5)
    for lang in ("fr", "en", "de"):
        pdf.render(make_annex(lang))
        pdf.render(make_annex(lang))
    assert [len(pages) for pages in kept()] == [2, 2]  # the S3 matrix takes two pages


def test_the_matrix_and_what_follows_it_start_on_new_pages(tmp_path):
    annex = make_annex("fr", load_customer("banque-horizon"))
    pages = [squash(text) for text in page_texts(write(tmp_path, "a", pdf.render(annex)))]
    first, last = annex.sections[0], annex.sections[-1]
    assert annex.labels.summary_title in pages[0] and first.title not in pages[0]
    assert f"{first.number} {first.title}" in pages[1]
    deviations = next(i for i, text in enumerate(pages) if annex.labels.deviations_title in text)
    assert last.title in pages[deviations - 1] and last.title not in pages[deviations]


@pytest.mark.weasyprint_warns  # annex.css's colour variables are set by the template it leaves out
def test_a_template_that_ignores_parts_is_laid_out_whole(tmp_path):
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "annex.html.j2").write_text(
        '<html lang="{{ annex.lang }}"><head><title>{{ annex.heading }}</title></head>'
        "<body><h1>{{ annex.matrix.title }}</h1>{% for s in annex.sections %}<h2>{{ s.title }}</h2>{% endfor %}"
        "</body></html>", encoding="utf-8")
    annex = build_annex(load_matrix("fr"), None, load_brand(folder))
    text = squash(" ".join(page_texts(write(tmp_path, "t", pdf.render(annex)))))
    assert text.count(annex.matrix.title) == 1
    assert text.count(annex.sections[0].title) == 1
