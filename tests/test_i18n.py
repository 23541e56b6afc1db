import datetime as dt

from generator.i18n import labels, languages, long_date


def test_every_catalog_has_the_same_keys():
    keys = {lang: set(labels(lang)) for lang in languages()}
    assert languages() == ["de", "en", "es", "fr", "it"]
    reference = keys["fr"]
    for lang, k in keys.items():
        assert k == reference, (lang, k ^ reference)


def test_dates_are_localised():
    day = dt.date(2025, 3, 1)
    assert long_date(day, "fr") == "1 mars 2025"
    assert long_date(day, "de") == "1. März 2025"
    assert long_date(day, "en") == "March 1, 2025"


def test_page_of_is_localised():
    assert labels("fr").fmt("page_of", page=2, pages=5) == "Page 2 sur 5"
    assert labels("it").fmt("page_of", page=2, pages=5) == "Pagina 2 di 5"
