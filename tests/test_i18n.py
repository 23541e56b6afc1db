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


def test_one_catalog_mechanism_reads_the_annex_the_notice_and_the_web(tmp_path):
    from generator.i18n.catalog import Catalog
    from generator.versions.render import notice_labels
    from generator.web.i18n import words
    assert all(isinstance(c, Catalog) for c in (labels("fr"), notice_labels("fr"), words("fr")))


def test_a_missing_string_is_an_error_not_the_key():
    import pytest

    from generator.i18n.catalog import MissingString
    from generator.web.i18n import words
    with pytest.raises(MissingString, match="no string `no-such-key`"):
        words("de")("no-such-key")
    with pytest.raises(MissingString):
        labels("fr").no_such_key  # noqa: B018 (the attribute read is the test)


def test_a_catalog_key_yaml_reads_as_a_boolean_is_refused(tmp_path):
    import pytest

    from generator.i18n.catalog import CatalogError, read_catalog
    (tmp_path / "en.yaml").write_text('yes: "yes"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="quote it"):
        read_catalog(tmp_path / "en.yaml", "en")


def test_the_notice_catalog_has_the_same_keys_in_every_language():
    from generator.i18n.catalog import key_paths
    from generator.versions.render import notice_catalog
    keys = {lang: key_paths(c) for lang, c in notice_catalog().items()}
    assert sorted(keys) == languages()
    assert all(k == keys["fr"] for k in keys.values())
