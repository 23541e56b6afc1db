"""Legal's uploads: a reviewed DOCX (review-import, issue 15) and a signed PDF (verify, issue 14).

Those functions belong to other issues still in progress. The routes are complete up to them:
role, CSRF, size limit and the checks that refuse a zip bomb or a file that is not a PDF; then
they call the hook registered here. Until an implementation is registered (`register_review_import`,
`register_signed_verify`), a hook raises NotAvailable and the page answers 501 with a message.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..infra.zipcheck import zip_problem
from ..model import Customer
from .app import Auth, Refused, db_session, form_user, page_user, read_upload, render
from .db import CustomerRow, IssuedAnnex, audit
from .registry import move, save_customer
from .status import signed_status

router = APIRouter(prefix="/legal", include_in_schema=False)
MAX_DOCX_EXPANDED = 64 * 1024 * 1024
MAX_DOCX_ENTRIES = 1000


class NotAvailable(Exception):
    """The function behind an upload is not part of this release yet."""


@dataclass
class Hooks:
    # review_import(docx_bytes, customer_data) -> proposed deviations (issue 15)
    review_import: Optional[Callable[[bytes, dict], list]] = None
    # signed_verify(pdf_bytes, data_dir) -> a report whose truth means "valid signature" (issue 14)
    signed_verify: Optional[Callable[[bytes, str], object]] = None


hooks = Hooks()


def register_review_import(fn: Callable[[bytes, dict], list]) -> None:
    hooks.review_import = fn


def register_signed_verify(fn: Callable[[bytes, str], object]) -> None:
    hooks.signed_verify = fn


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
    row = db.get(CustomerRow, str(form.get("customer") or ""))
    if row is None:
        raise Refused(404, "not_found", "customer")
    problem = check_docx(data)
    if problem:
        raise Refused(400, "bad_upload", problem)
    audit(db, auth.user.name, "upload-review", row.id, f"{len(data)} bytes")
    try:
        if hooks.review_import is None:
            raise NotAvailable("review-import (issue 15)")
        proposed = hooks.review_import(data, row.data)
    except NotAvailable as exc:  # answered, not raised: the upload stays in the audit log
        return render(request, "error.html", 501, message_key="not_available", detail=str(exc))
    return _proposals_page(request, row, [p for p in proposed if isinstance(p, dict)],
                           findings=[p for p in proposed if not isinstance(p, dict)])


@router.post("/review/apply")
async def apply_review(request: Request, auth: Auth = Depends(form_user("legal")),
                       db: Session = Depends(db_session, scope="function")) -> Response:
    """Save the proposed deviations legal accepted, one by one, as the customer's deviations for
    that matrix (the others of that matrix are dropped; those of other matrices stay). The
    result goes through the customer model and the checker `validate` runs, like a form."""
    form = await request.form()
    row = db.get(CustomerRow, str(form.get("customer") or ""))
    if row is None:
        raise Refused(404, "not_found", "customer")
    try:
        proposals = json.loads(str(form.get("proposal") or "[]"))
        accepted = {int(str(i)) for i in form.getlist("accept")}
    except ValueError:
        raise Refused(400, "bad_request", "proposal") from None
    if not isinstance(proposals, list) or not all(isinstance(p, dict) and "matrix" in p for p in proposals):
        raise Refused(400, "bad_request", "proposal")
    for i, p in enumerate(proposals):  # a reason legal typed for a proposal that had none
        typed = str(form.get(f"reason-{i}") or "").strip()
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
    try:
        annex = db.get(IssuedAnnex, int(str(form.get("annex") or "0")))
    except ValueError:
        annex = None
    if annex is None:
        raise Refused(404, "not_found", "annex")
    problem = check_pdf(data)
    if problem:
        raise Refused(400, "bad_upload", problem)
    audit(db, auth.user.name, "upload-signed", f"annex {annex.id}", f"{len(data)} bytes")
    try:
        if hooks.signed_verify is None:
            raise NotAvailable("verify of signed annexes (issue 14)")
        report = hooks.signed_verify(data, str(request.app.state.settings.data_dir))
    except NotAvailable as exc:  # answered, not raised: the upload stays in the audit log
        return render(request, "error.html", 501, message_key="not_available", detail=str(exc))
    if not report:
        return render(request, "error.html", 400, message_key="bad_upload", detail=str(report))
    status = _signed_status(request, annex, data)
    if status is None:
        return render(request, "error.html", 400, message_key="no_customer_signature")
    annex.signed_file = {"sha256": request.app.state.store.put(data), "size": len(data),
                         "name": annex.files.get("pdf", {}).get("name", "annex.pdf").replace(".pdf", "_signed.pdf")}
    move(db, annex, status, auth.user.name, f"{len(data)} bytes")
    return RedirectResponse(f"/annexes/{annex.id}?done={annex.status}", status_code=303)


def _signed_status(request: Request, annex: IssuedAnnex, data: bytes) -> Optional[str]:
    """`customer_signed` or `countersigned`, from the parties whose signature fields are signed
    (the fields are named after the matrix's party ids)."""
    from ..signing.reader import open_reader
    from .matrices import in_lang
    matrix = in_lang(request.app.state.settings.data_dir, annex.matrix_id, annex.lang)
    parties = [p.id for p in matrix.parties] if matrix is not None else ["customer", "provider"]
    fields = {str(sig.field_name) for sig in open_reader(data).embedded_signatures}
    return signed_status(fields, parties)
