"""The functions behind legal's uploads are review-import and verify."""
from __future__ import annotations

from generator.web.legal_checks import Claim, SignedJob, review_import, signed_verify
from generator.writers import renderer

from ..conftest import DATA, load_customer, make_annex


def test_the_review_hook_reads_a_review_docx_back_into_deviations():
    customer = load_customer("banque-horizon")
    data = renderer("review")(make_annex("fr", customer))
    deviations = review_import(data, customer.model_dump(mode="json"), DATA).proposed
    assert {d["activity"] for d in deviations} == {d.activity for d in customer.deviations}
    assert all(d["matrix"] == "s3-object-storage" and d["reason"] for d in deviations)


def test_the_review_hook_reports_a_docx_not_made_by_annex():
    from io import BytesIO

    from docx import Document
    out = BytesIO()
    Document().save(out)
    review = review_import(out.getvalue(), load_customer("banque-horizon").model_dump(mode="json"), DATA)
    assert len(review.refused) == 1 and "annex" in review.refused[0] and not review.proposed
    assert review.refused[0].startswith("the upload:"), review.refused


def test_the_verify_check_refuses_an_unsigned_annex_saying_so():
    customer = load_customer("banque-horizon")
    annex = make_annex("fr", customer)
    data = renderer("pdf")(annex)
    claim = Claim(1, annex.stamp.fingerprint, customer.model_dump(mode="json"), data)
    verdict = signed_verify(SignedJob(data, claim, (), str(DATA)))
    assert not verdict and "signatures: the upload holds no signature" in verdict.failed
    assert not [f for f in verdict.failed if f.startswith(("fingerprint", "signed byte ranges", "current"))], verdict
