"""The real functions behind legal's uploads: `annex review-import` for a reviewed DOCX and
`annex verify` for a signed PDF, the same code as the command line, each in a worker process
with a time and memory limit (isolation.py). `create_app` builds one `LegalChecks` from the
settings (app.state.legal); the upload routes check role, CSRF, size and file kind first.

A signed PDF is recorded for an annex of the register only when it proves it is that annex and
every check holds, each named when it fails: readable, the fingerprint of the register entry,
the signed byte ranges covering the issued file, each signature sound, each signer trusted
(the configured roots and the provider's certificate), who signed (the customer, or both), and the annex still
current against the register's customer and today's matrix.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TypeVar

from anyio import CapacityLimiter

from ..infra.diagnostics import InputError
from ..model import Customer
from .config import Settings
from .isolation import Limits, PerUser, limited

T = TypeVar("T")


@dataclass
class Verdict:
    """The checks of a signed upload: true when every one holds; `failed` names those that did not."""
    failed: list[str] = field(default_factory=list)
    detail: str = ""  # `annex verify`'s report, for the page
    signed_fields: list[str] = field(default_factory=list)  # party ids whose field holds a sound signature
    unsigned_fields: list[str] = field(default_factory=list)  # not signed yet: the status says who is left

    def __bool__(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        return "; ".join(self.failed) if self.failed else "every check holds"


@dataclass(frozen=True)
class Claim:
    """The register entry an upload claims to be, as plain data (it crosses to the worker)."""
    annex_id: int
    fingerprint: str
    customer: dict[str, Any]  # the register's customer fields, today
    issued_pdf: bytes  # the PDF the service issued for this entry


@dataclass(frozen=True)
class SignedJob:
    upload: bytes
    claim: Claim
    trust: tuple[str, ...]
    data_dir: str
    templates: str = ""  # the brand folder the service builds with ("" the default brand)


@dataclass(frozen=True)
class ReviewJob:
    upload: bytes
    customer: dict[str, Any]
    data_dir: str


def _as_file(data: bytes, suffix: str, use: Callable[[Path], T]) -> T:
    with tempfile.TemporaryDirectory(prefix="annex-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return use(path)


@dataclass
class Review:
    """What a reviewed DOCX proposes: one mapping per deviation of the complete list
    review-import writes (activity, roles, reason, matrix), the findings it could not
    represent, or why the file was refused (then nothing else)."""
    proposed: list[dict] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def review_import(data: bytes, customer: dict, data_dir: Path) -> Review:
    """`annex review-import` on an uploaded DOCX, for a customer of the register."""
    from ..commands.review import review_import as read_back
    where: list[str] = []

    def read(path: Path):
        where.append(str(path))
        return read_back(path, customer=Customer.model_validate(customer), data_dir=data_dir)
    try:
        outcome = _as_file(data, ".docx", read)
    except InputError as exc:
        return Review(refused=[d.format().replace(where[0], "the upload") if where else d.format()
                               for d in exc.diagnostics])
    return Review([{**d, "matrix": outcome.identity.matrix_id} for d in outcome.deviations],
                  # for the page: the message, not the CLI's advice; a changed row without a reason
                  # is a proposal whose reason legal types there
                  [d.message for d in outcome.findings if d.code != "review-reason"])


def _review_job(job: ReviewJob) -> Review:
    return review_import(job.upload, job.customer, Path(job.data_dir))


def signed_verify(job: SignedJob) -> Verdict:
    """`annex verify` on the upload, then what makes it the claimed annex of the register."""
    from ..signing.verify import render_text, verify
    claim = job.claim
    customer_id = claim.customer.get("id")

    def register(cid: str) -> Optional[Customer]:
        return Customer.model_validate(claim.customer) if cid == customer_id else None
    try:
        report = _as_file(job.upload, ".pdf", lambda p: verify(
            p, trust=[Path(t) for t in job.trust], data_dir=Path(job.data_dir), customers=register,
            templates=Path(job.templates) if job.templates else None))
    except InputError as exc:
        return Verdict([f"readable: {'; '.join(d.message for d in exc.diagnostics)}"])
    verdict = Verdict(detail=render_text(report).replace(report.file, f"upload for annex {claim.annex_id}"))
    if report.annex.fingerprint != claim.fingerprint:
        verdict.failed.append(f"fingerprint: the upload is the annex with fingerprint "
                              f"{(report.annex.fingerprint or 'none')[:12]}, annex {claim.annex_id} has "
                              f"{claim.fingerprint[:12]}: upload the signed copy of annex {claim.annex_id}")
    verdict.failed += [f"annex data: {p}" for p in report.annex.problems if not p.startswith("outdated")]
    covered = _covers(job.upload, claim.issued_pdf)
    if covered:
        verdict.failed.append(f"signed byte ranges: {covered}")
    if not report.signatures:
        verdict.failed.append("signatures: the upload holds no signature")
    for s in report.signatures:
        sound = [p for p in s.problems if "trust root" not in p]
        verdict.failed += [f"signature `{s.field}` ({s.signer}): {p}" for p in sound]
        if not s.trusted:
            verdict.failed.append(f"trust: the certificate of `{s.signer}` (field `{s.field}`) does not chain to a "
                                  "configured trust root (annex serve --trust ROOT.pem, --provider-cert)")
    # a party left to sign is a status (signed by the customer, not countersigned yet), not a failure
    verdict.unsigned_fields = list(report.unsigned_fields)
    verdict.signed_fields = [s.field for s in report.signatures]
    verdict.failed += [f"current: {p.removeprefix('outdated: ')}" for p in report.annex.problems
                       if p.startswith("outdated")]
    return verdict


def _covers(upload: bytes, issued: bytes) -> Optional[str]:
    """Why the upload's signatures do not sign the issued file byte for byte, or None: the issued
    PDF must be the upload's first bytes, and every signature's signed range must hold them."""
    from ..readers.pdf_file import open_pdf
    if not issued or upload[: len(issued)] != issued:
        return "the upload does not begin with the PDF issued for this annex (a signature adds to it, never changes it)"
    try:
        ranges = [list(map(int, sig.byte_range)) for sig in open_pdf(upload, "the upload").embedded_regular_signatures]
    except Exception as exc:  # unreadable structure: the verify report says more
        return f"cannot read the signatures' byte ranges: {type(exc).__name__}"
    for r in ranges:
        if len(r) != 4 or r[0] != 0 or r[1] < len(issued):
            return f"a signature's byte range {r} does not cover the {len(issued):,} bytes of the issued PDF"
    return None


class LegalChecks:
    """Legal's two checks, bound to the service's settings; each runs in a limited worker."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.limits = Limits(settings.check_seconds, settings.check_memory)
        self.limiter = CapacityLimiter(settings.check_workers)
        self.per_user = PerUser(settings.checks_per_user)
        self.trust = tuple(str(p) for p in (*settings.trust, *settings.provider_certs))
        # imported here, once, so that each forked worker starts with them loaded
        from ..commands import review  # noqa: F401
        from ..signing import verify  # noqa: F401

    async def review_import(self, data: bytes, customer: dict, user: str) -> Review:
        """Busy when `user` has as many checks going as one user may."""
        with self.per_user.hold(user):
            return await limited(_review_job, ReviewJob(data, customer, str(self.settings.data_dir)), self.limits,
                                 self.limiter)

    async def signed_verify(self, data: bytes, claim: Claim, user: str) -> Verdict:
        """Busy when `user` has as many checks going as one user may."""
        with self.per_user.hold(user):
            return await limited(signed_verify, SignedJob(data, claim, self.trust, str(self.settings.data_dir),
                                                              str(self.settings.templates or "")),
                                 self.limits, self.limiter)
