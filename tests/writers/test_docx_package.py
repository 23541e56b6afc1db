"""The DOCX package written in one pass, fonts deflated once per process: the same bytes as
python-docx's own save re-packed deterministically, and a zip every reader can inflate."""
import io
import zipfile

import pytest

from generator.writers import docx as docx_writer
from generator.writers import docx_package

from ..conftest import customer_for, make_annex


def python_docx_save(document) -> bytes:
    """python-docx's save, re-packed with fixed dates and order: what the writer did before
    docx_package."""
    out = io.BytesIO()
    document.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    names = src.namelist()
    first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in names]
    repacked = io.BytesIO()
    with zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return repacked.getvalue()


@pytest.fixture(scope="module")
def written():
    writers = []
    for review in (False, True):
        writer = docx_writer.Writer(make_annex("en", customer_for("en"), review=review))
        writers.append((writer, writer.write()))
    return writers


def test_one_pass_package_has_python_docx_bytes(written):
    for writer, data in written:
        assert data == python_docx_save(writer.doc)


def test_reused_font_members_inflate_to_the_fonts_with_their_crc(written):
    for writer, data in written:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None  # every member inflates and matches its CRC
            fonts = [n for n in z.namelist() if n.startswith("word/fonts/")]
            assert len(fonts) == 4
            blobs, binary = docx_package.members(writer.doc)
            assert set(fonts) <= binary
            for name in fonts:
                assert z.read(name) == blobs[name]
                assert z.getinfo(name).compress_size < len(blobs[name])  # deflated, not stored


def test_a_second_document_of_the_brand_reuses_the_deflated_fonts(written):
    (first, _), (second, _) = written
    names = [n for n in docx_package.members(first.doc)[1] if n.startswith("word/fonts/")]
    ours, theirs = docx_package.members(first.doc)[0], docx_package.members(second.doc)[0]
    # the same font bytes in both annexes: one deflate serves them all
    assert all(ours[n] is theirs[n] for n in names)
