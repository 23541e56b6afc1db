"""The API for the CRM: issue an annex, fetch its files, list the register.

Errors are JSON and carry the CLI's own messages (`message`, and its parts `field`, `problem`,
`fix`); 401 without a valid bearer token, 403 for a role that may not act.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ..infra.yamlsource import YamlDocument
from .db import IssuedAnnex, audit
from .deps import Auth, RowId, SinceId, api_user, db_session
from .errors import ApiError
from .forms import check_customer, diagnostic_json
from .pages import MEDIA
from .registry import case_twin, history, register, save_customer, twin_problem

router = APIRouter(prefix="/api", tags=["annexes"])


class AnnexRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matrix: str = Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=64, description="matrix id under data/matrices")
    lang: Optional[Literal["fr", "en", "de", "es", "it"]] = Field(
        None, description="default: the customer's language, else fr")
    customer: dict[str, Any] = Field(description="the fields of one customer of the customer YAML")
    format: Literal["pdf", "docx", "all"] = "all"


class AnnexOut(BaseModel):
    id: int
    customer: str
    matrix: str
    lang: str
    version: str
    fingerprint: str
    created_at: str
    created_by: str
    signed: bool
    status: str = Field(description="preview, issued, sent, customer_signed or countersigned")
    files: dict[str, str]


def _out(request: Request, a: IssuedAnnex) -> AnnexOut:
    return AnnexOut(id=a.id, customer=a.customer_id, matrix=a.matrix_id, lang=a.lang, version=a.version,
                    fingerprint=a.fingerprint, created_at=a.created_at.isoformat() + "Z", created_by=a.created_by,
                    signed=a.signed, status=a.status,
                    files={fmt: f"/api/annexes/{a.id}/files/{fmt}" for fmt in a.files})


@router.post("/annexes", status_code=201, response_model=AnnexOut,
             responses={401: {"description": "no valid token"}, 403: {"description": "role may not issue"},
                        422: {"description": "the customer or matrix breaks a rule (CLI messages)"}})
def create_annex(body: AnnexRequest, request: Request, auth: Auth = Depends(api_user("sales")),
                 db: Session = Depends(db_session, scope="function")) -> AnnexOut:
    """Issue an annex for a customer (created or updated from the given fields) and register it."""
    settings = request.app.state.settings
    checked = check_customer(dict(body.customer), YamlDocument("customer", None), settings.data_dir)
    if checked.customer is None:
        raise ApiError(422, "the customer breaks a rule", "correct the fields named in `errors`",
                       [diagnostic_json(d) for d in checked.all])
    customer = checked.customer
    twin = case_twin(db, customer.id)
    if twin is not None:
        raise ApiError(422, "the customer breaks a rule", "correct the fields named in `errors`",
                       [diagnostic_json(twin_problem(customer.id, twin))])
    lang = body.lang or customer.lang or "fr"
    formats = ("pdf", "docx") if body.format == "all" else (body.format,)
    gen = request.app.state.generator
    result = gen.run(gen.request(body.matrix, lang, customer.model_dump(mode="json"), formats, issue=True))
    if result.errors:
        raise ApiError(422, "no annex can be made from these inputs", "correct what `errors` names",
                       [diagnostic_json(d) for d in result.errors])
    save_customer(db, customer, auth.user.name)
    db.flush()
    annex, _new = register(db, customer.id, result, auth.user.name)
    return _out(request, annex)


@router.get("/annexes", response_model=list[AnnexOut])
def list_annexes(request: Request, customer: Optional[str] = None, auth: Auth = Depends(api_user("sales")),
                 db: Session = Depends(db_session, scope="function")) -> list[AnnexOut]:
    """The register, newest first; `customer=ID` keeps one customer's annexes."""
    return [_out(request, a) for a in history(db, customer)]


@router.get("/annexes/{aid}", response_model=AnnexOut)
def get_annex(aid: RowId, request: Request, auth: Auth = Depends(api_user("sales")),
              db: Session = Depends(db_session, scope="function")) -> AnnexOut:
    annex = db.get(IssuedAnnex, aid)
    if annex is None:
        raise ApiError(404, f"no annex {aid}", "list them with GET /api/annexes")
    return _out(request, annex)


@router.get("/annexes/{aid}/files/{fmt}", response_class=Response,
            responses={200: {"content": {MEDIA["pdf"]: {}, MEDIA["docx"]: {}}}})
def get_file(aid: RowId, fmt: str, request: Request, auth: Auth = Depends(api_user("sales")),
             db: Session = Depends(db_session, scope="function")) -> Response:
    """The PDF or DOCX of an issued annex."""
    annex = db.get(IssuedAnnex, aid)
    if annex is None or fmt not in (annex.files or {}):
        raise ApiError(404, f"annex {aid} has no {fmt} file", "see `files` in GET /api/annexes/ID")
    entry = annex.files[fmt]
    data = request.app.state.store.get(entry["sha256"])
    if data is None:
        raise ApiError(404, f"the {fmt} file of annex {aid} is missing from the store", "issue it again")
    audit(db, auth.user.name, "download", f"annex {aid}", fmt)
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{annex.customer_id}_{entry["name"]}"'})


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str


@router.get("/audit", response_model=list[AuditOut], tags=["admin"])
def audit_log(since: SinceId = 0, auth: Auth = Depends(api_user("admin")),
              db: Session = Depends(db_session, scope="function")) -> list[AuditOut]:
    """The audit log after event `since`, oldest first (at most 1,000): for an archive or a SIEM."""
    from sqlalchemy import select

    from .db import AuditEvent
    rows = db.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id).limit(1000))
    return [AuditOut(id=e.id, at=e.at.isoformat() + "Z", actor=e.actor, action=e.action, subject=e.subject,
                     detail=e.detail) for e in rows]
