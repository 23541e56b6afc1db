"""The real functions behind legal's uploads: `annex review-import` for a reviewed DOCX and
`annex verify` for a signed PDF, the same code as the command line. `create_app` builds one
`LegalChecks` from the settings (app.state.legal); the upload routes check role, CSRF, size and
file kind before calling it."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..infra.diagnostics import InputError
from ..model import Customer
from .config import Settings

T = TypeVar("T")


class Verdict:
    """`annex verify`'s report as the upload route reads it: true when every check holds."""

    def __init__(self, ok: bool, detail: str):
        self.ok, self.detail = ok, detail

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.detail


def _as_file(data: bytes, suffix: str, use: Callable[[Path], T]) -> T:
    with tempfile.TemporaryDirectory(prefix="annex-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return use(path)


def review_import(data: bytes, customer: dict, data_dir: Path) -> list:
    """What legal's reviewed DOCX proposes for a customer: one mapping per deviation of the
    complete list review-import writes (activity, roles, reason, matrix), then the findings it
    could not represent, as text."""
    from ..commands.review import review_import as read_back
    try:
        outcome = _as_file(data, ".docx", lambda p: read_back(
            p, customer=Customer.model_validate(customer), data_dir=data_dir))
    except InputError as exc:
        return [d.format() for d in exc.diagnostics]
    proposals: list = [{**d, "matrix": outcome.identity.matrix_id} for d in outcome.deviations]
    return proposals + [d.format() for d in outcome.findings]


def signed_verify(data: bytes, data_dir: Path) -> Verdict:
    """Whether an uploaded PDF is a signed annex whose signatures and data hold."""
    from ..signing.verify import render_text, verify
    try:
        report = _as_file(data, ".pdf", lambda p: verify(p, trust=[], data_dir=data_dir))
    except InputError as exc:
        return Verdict(False, "; ".join(d.message for d in exc.diagnostics))
    return Verdict(report.ok, render_text(report))


class LegalChecks:
    """Legal's two checks, bound to the service's settings."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def review_import(self, data: bytes, customer: dict) -> list:
        return review_import(data, customer, self.settings.data_dir)

    def signed_verify(self, data: bytes) -> Verdict:
        return signed_verify(data, self.settings.data_dir)
