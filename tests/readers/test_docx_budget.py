"""What a DOCX's XML may hold before review-import parses it (readers/docx_budget.py)."""
from __future__ import annotations

import io
import zipfile

from generator.model import limits
from generator.readers.docx_budget import docx_over_budget

from ..conftest import load_customer, make_annex


def _package(parts: dict[str, bytes]) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def test_a_real_review_copy_is_within_every_limit():
    from generator.writers import docx
    data = docx.render(make_annex("fr", load_customer("banque-horizon"), review=True))
    assert docx_over_budget(zipfile.ZipFile(io.BytesIO(data))) is None


def test_every_part_counts_whatever_its_name_and_binary_parts_do_not():
    """python-docx finds the document by content type: `word/document.bin` can hold it."""
    body = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    many = body + b"<w:p/>" * (limits.MAX_DOCX_PARAGRAPHS + 1) + b"</w:body></w:document>"
    font = bytes(range(256)) * 4096  # a megabyte that is not XML
    assert docx_over_budget(_package({"word/fonts/a.odttf": font, "word/document.bin": many})) == \
        f"word/document.bin: more than {limits.MAX_DOCX_PARAGRAPHS:,} paragraphs in the document"
    assert docx_over_budget(_package({"word/fonts/a.odttf": font, "word/document.xml": body + b"</w:body>"
                                      b"</w:document>"})) is None
