"""Shared fixtures: the real data and corpus, and small builders for annexes."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
S3 = DATA / "matrices" / "s3-object-storage"
CUSTOMERS = DATA / "customers" / "example.yaml"
CORPUS = DATA / "sources"  # the published pages; copies of ../shared/corpus (see test_sources.py)
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
LANGS = ("fr", "en", "de", "es", "it")


def has(program: str) -> bool:
    return shutil.which(program) is not None


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def weasyprint_logs_no_warning(request):
    """Every test that lays out a PDF in this process fails if WeasyPrint logged a warning or an
    error (an unknown CSS property, a font or image it could not load): it goes on without them,
    so the PDF would be silently wrong. A test that provokes one on purpose is marked
    `weasyprint_warns`."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    if request.node.get_closest_marker("weasyprint_warns") is None:
        assert not handler.records, [f"{r.levelname}: {r.getMessage()}" for r in handler.records]


@pytest.fixture(scope="session")
def soffice_profile(tmp_path_factory) -> Path:
    """One LibreOffice user profile for the session (one per xdist worker, so never two
    LibreOffice processes on it at once): LibreOffice spends seconds creating a profile at the
    first start-up, and the tests only convert through it."""
    return tmp_path_factory.mktemp("soffice-profile")


@pytest.fixture(scope="session")
def brand():
    from generator.brand import load_brand
    return load_brand()


def load_matrix(lang: str = "fr"):
    from generator.readers.matrix_yaml import read_matrix
    return read_matrix(S3 / f"{lang}.yaml")[0]


def load_customer(cid: str):
    from generator.readers.customers import read_customers
    customers, _ = read_customers(CUSTOMERS)
    return next(c for c in customers if c.id == cid)


def customer_for(lang: str):
    """The first sample customer whose language is `lang`."""
    from generator.readers.customers import read_customers
    customers, _ = read_customers(CUSTOMERS)
    return next(c for c in customers if c.lang == lang)


def make_annex(lang: str = "fr", customer=None, **options):
    from generator.annex import build_annex
    from generator.brand import load_brand
    return build_annex(load_matrix(lang), customer, load_brand(options.pop("templates", None)), **options)
