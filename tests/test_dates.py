"""Dates and the document language follow the annex language, or the customer's locale: an
English annex reads `1 May 2025` (British English, the DOCX and PDF language tag en-GB), and a
customer may ask for en_US, fr_CH, de_AT..."""
from __future__ import annotations

import datetime as dt

import pikepdf
import pytest
from docx.oxml.ns import qn
from pydantic import ValidationError

from generator.model import Customer
from generator.writers import docx as docx_writer
from generator.writers import pdf as pdf_writer

from .conftest import LANGS, make_annex
from .docxtext import open_docx

DAY = dt.date(2025, 5, 1)


def customer(lang: str, locale: str | None = None) -> Customer:
    return Customer(id="c", name="Client SA", lang=lang, locale=locale, effective_date=DAY,
                    matrices=["s3-object-storage"])


DATE_FORMATS = [
    ("fr", "1 mai 2025", "fr-FR"), ("en", "1 May 2025", "en-GB"), ("de", "1. Mai 2025", "de-DE"),
    ("es", "1 de mayo de 2025", "es-ES"), ("it", "1 maggio 2025", "it-IT")]


@pytest.mark.parametrize("lang, text, tag", DATE_FORMATS)
def test_every_language_has_its_date_format_and_tag(lang, text, tag):
    annex = make_annex(lang, customer(lang))
    assert annex.effective_date_text == text and annex.language_tag == tag
    assert (annex.labels.effective_date, text) in annex.facts  # what the title block prints
    assert text in annex.stamp_text  # and every page's stamp


def test_every_language_of_the_model_has_a_date_format_above():
    from generator.model import LANGUAGES
    assert sorted(LANGUAGES) == sorted(LANGS) == sorted(lang for lang, *_ in DATE_FORMATS)


@pytest.mark.parametrize("lang, locale, text, tag", [
    ("en", "en_US", "May 1, 2025", "en-US"), ("fr", "fr_CH", "1 mai 2025", "fr-CH"),
    ("de", "de_AT", "1. Mai 2025", "de-AT")])
def test_a_customer_locale_decides_dates_and_the_document_language(lang, locale, text, tag, tmp_path):
    annex = make_annex(lang, customer(lang, locale))
    assert annex.effective_date_text == text
    document = open_docx(docx_writer.render(annex))
    langs = {el.get(qn("w:val")) for el in document.styles.element.iter(qn("w:lang"))}
    assert langs == {tag} and document.core_properties.language == tag
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_writer.render(annex))
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == tag


@pytest.mark.parametrize("lang, locale, words", [
    ("en", "xx_YY", "is not a locale"), ("en", "fr_CH", "not of the customer's language"),
    ("en", "en", "with a country"), ("en", "ja_JP", "with a country")])
def test_a_bad_locale_is_refused(lang, locale, words):
    with pytest.raises(ValidationError, match=words):
        customer(lang, locale)
