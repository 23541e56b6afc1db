"""Generation for the service: warm worker processes give the CLI's bytes, files are stored by
their SHA-256, previews are one PNG per PDF page."""
from __future__ import annotations

import hashlib
import io

import pypdf

from generator.infra.store import Store
from generator.web.generate import Generator, page_images
from tests.conftest import DATA


def test_worker_process_gives_the_bytes_of_the_calling_process(tmp_path):
    customer = {"id": "acme", "name": "ACME", "lang": "en", "matrices": ["s3-object-storage"]}
    inline = Generator(0, data_dir=DATA, store_dir=tmp_path / "a", templates=None)
    pooled = Generator(1, data_dir=DATA, store_dir=tmp_path / "b", templates=None)
    try:
        one = inline.run(inline.request("s3-object-storage", "en", customer, ("pdf", "docx"), issue=True))
        two = pooled.run(pooled.request("s3-object-storage", "en", customer, ("pdf", "docx"), issue=True))
        again = pooled.run(pooled.request("s3-object-storage", "en", customer, ("pdf",), issue=True))
    finally:
        pooled.close()
    assert not one.errors and one.files == two.files and again.files["pdf"] == one.files["pdf"]
    for entry in one.files.values():
        data = (tmp_path / "b" / entry["sha256"][:2] / entry["sha256"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    assert pooled.pool is None


def test_bad_input_comes_back_as_diagnostics(tmp_path):
    gen = Generator(0, data_dir=DATA, store_dir=tmp_path, templates=None)
    result = gen.run(gen.request("no-such-matrix", "fr", None, ("pdf",)))
    assert result.errors and "known ids" in result.errors[0].hint
    result = gen.run(gen.request("s3-object-storage", "fr", {"id": "a", "name": "A", "deviations": [
        {"activity": "nope", "roles": {"customer": "A"}, "reason": "x"}]}, ("pdf",)))
    assert "unknown activity `nope`" in result.errors[0].message


def test_page_images_one_png_per_page(tmp_path):
    gen = Generator(0, data_dir=DATA, store_dir=tmp_path, templates=None)
    result = gen.run(gen.request("s3-object-storage", "it", None, ("pdf",), preview=True))
    pdf = Store(tmp_path).get(result.files["pdf"]["sha256"])
    assert len(result.pages) == len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert page_images(pdf) == [Store(tmp_path).get(s) for s in result.pages]  # deterministic


def test_store_refuses_what_is_not_a_digest(tmp_path):
    store = Store(tmp_path)
    sha = store.put(b"abc")
    assert store.get(sha) == b"abc" and store.put(b"abc") == sha
    for bad in ("../" + sha[3:], sha.upper(), sha + "x", ""):
        assert store.get(bad) is None


def test_a_matrix_is_named_by_id_never_by_path(tmp_path):
    gen = Generator(0, data_dir=DATA, store_dir=tmp_path, templates=None)
    for matrix, lang in (("../matrices/s3-object-storage", "fr"), ("data/matrices/s3-object-storage/fr.yaml", "fr"),
                         ("fr.yaml", "fr"), ("s3-object-storage", "../fr")):
        result = gen.run(gen.request(matrix, lang, None, ("pdf",)))
        assert result.errors and "not a matrix id" in result.errors[0].message and not result.files
