"""Legal's uploads: a reviewed DOCX (review-import) and a signed PDF (verify).

The routes check role, CSRF, size and refuse a zip bomb or a file that is not a PDF; then they
call the service's `LegalChecks` (legal_checks.py, built by `create_app`).
"""
from __future__ import annotations

import io
import json
import zipfile
from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from ..infra.zipcheck import zip_problem
from ..model import Customer
from ..model.customer import Deviation
from ..model.text import Text
from .db import CustomerRow, IssuedAnnex, audit
from .deps import Auth, db_session, form_user, page_user, parse_id, read_upload, row_or_404
from .errors import Refused, failure
from .isolation import Busy, TooComplex
from .legal_checks import Claim, LegalChecks
from .registry import move, save_customer
from .render import render
from .status import signed_status

router = APIRouter(prefix="/legal", include_in_schema=False)
MAX_DOCX_EXPANDED = 64 * 1024 * 1024
MAX_DOCX_ENTRIES = 1000


MAX_PROPOSAL = 512 * 1024  # characters of the proposal the review page sends back
MAX_PROPOSED = 2_000  # deviations in it (a matrix has at most that many activities)


class Proposed(Deviation):
    """A deviation as review-import proposes it: its reason may still be missing (legal types it
    on the page before saving; the saved deviation must have one)."""
    reason: Optional[Text] = None  # type: ignore[assignment]


_PROPOSAL = TypeAdapter(list[Proposed])


def parse_proposal(text: str) -> list[dict]:
    """The proposal field the review page sent back, as deviations that each name their matrix.
    It comes from the browser, so it is read as hostile: bounded in size and nesting (pydantic's
    JSON parser refuses deep nesting), each entry checked against the customer model's
    `Deviation`, and every problem located (`proposal[3].roles`), answered 400."""
    if len(text) > MAX_PROPOSAL:
        raise Refused(400, "bad_request", f"proposal: {len(text):,} characters, over {MAX_PROPOSAL:,}")
    try:
        found = _PROPOSAL.validate_json(text)
    except ValidationError as exc:
        where = "; ".join(f"proposal{''.join(f'[{p}]' if isinstance(p, int) else f'.{p}' for p in e['loc'])}: "
                          f"{e['msg']}" for e in exc.errors(include_url=False)[:5])
        raise Refused(400, "bad_request", f"{where} (upload the reviewed DOCX again)") from None
    if len(found) > MAX_PROPOSED or any(d.matrix is None for d in found):
        raise Refused(400, "bad_request", "proposal: each deviation names its matrix, "
                      f"{MAX_PROPOSED:,} at most (upload the reviewed DOCX again)")
    return [d.model_dump(mode="json", exclude_none=True) for d in found]


def legal_checks(request: Request) -> LegalChecks:
    return request.app.state.legal


def _claim(request: Request, db: Session, annex: IssuedAnnex) -> Claim:
    """What the register says annex `annex` is: its fingerprint, its customer, its issued PDF."""
    row = db.get(CustomerRow, annex.customer_id)
    entry = (annex.files or {}).get("pdf")
    issued = request.app.state.store.get(entry["sha256"]) if entry else None
    if row is None or issued is None:
        raise Refused(400, "bad_upload", f"annex {annex.id} has no issued PDF in the store to compare with")
    return Claim(annex.id, annex.fingerprint, row.data, issued)


def check_docx(data: bytes) -> Optional[str]:
    """Why these bytes are not a DOCX we open (not a zip, a zip bomb), or None."""
    problem = zip_problem(data, max_bytes=len(data), max_expanded=MAX_DOCX_EXPANDED, max_entries=MAX_DOCX_ENTRIES)
    if problem:
        return problem.removeprefix("is ")
    if "word/document.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist():
        return "a zip archive without word/document.xml: not a DOCX"
    return None


def check_pdf(data: bytes) -> Optional[str]:
    head = data[:1024]
    if b"%PDF-" not in head:
        return "not a PDF file (no %PDF- header)"
    if b"%%EOF" not in data[-2048:]:
        return "a truncated PDF (no %%EOF at the end)"
    return None


@router.get("")
def legal_page(request: Request, auth: Auth = Depends(page_user("legal")),
               db: Session = Depends(db_session, scope="function")) -> Response:
    """Legal's start: the annexes waiting on legal, and the latest ones sent or issued."""
    from .matrices import current_versions
    from .registry import Filters, annexes
    rows = annexes(db, Filters(), current_versions(request.app.state.settings.data_dir), limit=500)
    mine = [(a, s) for a, s in rows if s == "customer_signed"]
    recent = [(a, s) for a, s in rows if s in ("issued", "sent")][:20]
    names = {r.id: r.name for r in db.query(CustomerRow).filter(CustomerRow.id.in_({a.customer_id for a, _ in rows}))}
    return render(request, "legal.html", waiting=mine, recent=recent, names=names)


def _proposals_page(request: Request, row: CustomerRow, proposals: list[dict], status: int = 200, **extra) -> Response:
    from .review_rows import proposal_rows
    lang = str(row.data.get("lang") or "fr")
    return render(request, "legal.html", status, proposed=proposal_rows(request.app.state.settings.data_dir, row.data,
                                                                        proposals, lang),
                  customer=row, proposal_json=json.dumps(proposals, ensure_ascii=False), **extra)


@router.post("/review")
async def review(request: Request, auth: Auth = Depends(form_user("legal")),
                 db: Session = Depends(db_session, scope="function")) -> Response:
    form, data = await read_upload(request)
    row = row_or_404(db, CustomerRow, str(form.get("customer") or ""), "customer")
    problem = check_docx(data)
    if problem:
        raise Refused(400, "bad_upload", problem)
    audit(db, auth.user.name, "upload-review", row.id, f"{len(data)} bytes")
    try:  # refusals are answered, not raised: the upload stays in the audit log
        review = await legal_checks(request).review_import(data, row.data, auth.user.name)
    except Busy as exc:
        return failure(request, 429, "checks_busy", str(exc), headers={"Retry-After": "10"})
    except TooComplex as exc:
        return failure(request, 422, "too_complex", str(exc))
    if review.refused:
        from .messages import clean
        return failure(request, 400, "bad_upload", "; ".join(clean(r) for r in review.refused))
    return _proposals_page(request, row, review.proposed, findings=review.findings)


@router.post("/review/apply")
async def apply_review(request: Request, auth: Auth = Depends(form_user("legal")),
                       db: Session = Depends(db_session, scope="function")) -> Response:
    """Save the proposed deviations legal accepted, one by one, as the customer's deviations for
    that matrix (the others of that matrix are dropped; those of other matrices stay). The
    result goes through the customer model and the checker `validate` runs, like a form."""
    form = await request.form()
    row = row_or_404(db, CustomerRow, str(form.get("customer") or ""), "customer")
    proposals = parse_proposal(str(form.get("proposal") or "[]"))
    accepted = {int(str(i)) for i in form.getlist("accept") if str(i).isdigit() and len(str(i)) < 8}
    for i, p in enumerate(proposals):  # a reason legal typed for a proposal that had none
        typed = " ".join(str(form.get(f"reason-{i}") or "").split())[:2000]
        if typed and not str(p.get("reason") or "").strip():
            p["reason"] = typed
    if any(not str(proposals[i].get("reason") or "").strip() for i in accepted if 0 <= i < len(proposals)):
        return _proposals_page(request, row, proposals, 400, accepted=accepted, reason_missing=True)
    matrices = {str(p["matrix"]) for p in proposals}
    kept = [d for d in row.data.get("deviations", []) if d.get("matrix") not in matrices
            and not (d.get("matrix") is None and len(row.data.get("matrices", [])) <= 1 and matrices)]
    several = len(row.data.get("matrices", [])) > 1
    chosen = [{k: v for k, v in p.items() if k != "matrix" or several} for i, p in enumerate(proposals)
              if i in accepted]
    problems = _check(request, {**row.data, "deviations": kept + chosen})
    if problems:
        return _proposals_page(request, row, proposals, 400, accepted=accepted, problems=problems)
    save_customer(db, Customer.model_validate({**row.data, "deviations": kept + chosen}), auth.user.name)
    audit(db, auth.user.name, "review-apply", row.id, f"{len(chosen)} of {len(proposals)} accepted")
    return render(request, "legal.html", applied=len(chosen), customer=row)


def _check(request: Request, data: dict) -> list[str]:
    """The customer as the YAML file would be checked: the model, then the deviations' rules."""
    from pydantic import ValidationError

    from ..commands.validate import check_customers, load_known_matrices
    from ..infra.yamlsource import YamlDocument
    try:
        customer = Customer.model_validate(data)
    except ValidationError as exc:
        return [str(e["msg"]) for e in exc.errors(include_url=False)]
    known: dict = {}
    load_known_matrices(request.app.state.settings.data_dir, known)
    found = check_customers([customer], YamlDocument("customer", {"customers": [data]}), known)
    from .messages import clean
    return [clean(d.message) for d in found if d.is_error]


@router.post("/signed")
async def signed(request: Request, auth: Auth = Depends(form_user("legal")),
                 db: Session = Depends(db_session, scope="function")) -> Response:
    form, data = await read_upload(request)
    aid = parse_id(form.get("annex"))
    annex = db.get(IssuedAnnex, aid) if aid is not None else None
    if annex is None:
        raise Refused(404, "not_found", "annex")
    problem = check_pdf(data)
    if problem:
        raise Refused(400, "bad_upload", problem)
    audit(db, auth.user.name, "upload-signed", f"annex {annex.id}", f"{len(data)} bytes")
    try:
        report = await legal_checks(request).signed_verify(data, _claim(request, db, annex), auth.user.name)
    except Busy as exc:
        return failure(request, 429, "checks_busy", str(exc), headers={"Retry-After": "10"})
    except TooComplex as exc:
        return failure(request, 422, "too_complex", str(exc))
    if not report:
        audit(db, auth.user.name, "signed-refused", f"annex {annex.id}", str(report)[:2000])
        from .messages import clean
        return render(request, "legal.html", 400, refused_annex=annex, verdict=report,
                      failed=[clean(f) for f in report.failed])
    status = signed_status(set(report.signed_fields), _parties_of(request, annex))
    if status is None:
        audit(db, auth.user.name, "signed-refused", f"annex {annex.id}", "no signature of the customer")
        return render(request, "error.html", 400, message_key="no_customer_signature")
    annex.signed_file = {"sha256": request.app.state.store.put(data), "size": len(data),
                         "name": annex.files.get("pdf", {}).get("name", "annex.pdf").replace(".pdf", "_signed.pdf")}
    move(db, annex, status, auth.user.name, f"{len(data)} bytes")
    audit(db, auth.user.name, "signed", f"annex {annex.id}", status)
    return RedirectResponse(f"/annexes/{annex.id}?done={annex.status}", status_code=303)


def _parties_of(request: Request, annex: IssuedAnnex) -> list[str]:
    """The party ids of the annex's matrix, customer first (the signature fields are named so)."""
    from .matrices import in_lang
    matrix = in_lang(request.app.state.settings.data_dir, annex.matrix_id, annex.lang)
    return [p.id for p in matrix.parties] if matrix is not None else ["customer", "provider"]
