"""The change notice on the Typst engine (notice.typ) prints what notice.html.j2 prints through
WeasyPrint: same pages, same lines within 2 pt, the same attached `annex-notice.json`; boxes to
sign, no signature fields (as the WeasyPrint notice)."""
from __future__ import annotations

import io

import pikepdf

from generator.brand import load_brand
from generator.readers.matrix_yaml import read_matrix
from generator.versions import render
from generator.versions.compare import compare
from generator.versions.notice import render_pdf

from ..conftest import ROOT, load_customer, load_matrix
from ..writers.typst_parity import attachment, differences


def test_the_notice_prints_as_with_weasyprint():
    customer = load_customer("banque-horizon")
    new = read_matrix(ROOT / "data" / "examples" / "s3-object-storage-fr-v1.1.0.yaml")[0]
    brand = load_brand()
    notice = render.make_notice(compare(load_matrix("fr"), new, customer, tuple(customer.deviations)),
                                template_version=brand.version)
    reference, typst = render_pdf(notice, brand), render_pdf(notice, brand.with_engine("typst"))
    assert differences(reference, typst) == []
    assert attachment(typst, "annex-notice.json") == attachment(reference, "annex-notice.json")
    with pikepdf.open(io.BytesIO(typst)) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "3" and "/AcroForm" not in pdf.Root
    assert render_pdf(notice, brand.with_engine("typst")) == typst
