"""Shared fixtures: the real data and corpus, and small builders for annexes."""
from __future__ import annotations

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
