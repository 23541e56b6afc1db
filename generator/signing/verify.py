"""`annex verify`: are an annex's signatures sound, and is the annex what its data says?

For each signature (pyHanko's validator): the field, the signer, the signing time (and whether
an RFC 3161 time-stamp vouches for it), whether the signed bytes are intact, whether it covers
the whole file but for later incremental updates, whether those updates are permitted (form
filling, further signatures: pyHanko's difference analysis and the certification's DocMDP),
whether the signer's certificate was valid at signing time, and whether its chain leads to a
given trust root. Then the annex itself: the SHA-256 of the embedded `annex-data.json` is the
fingerprint in the metadata and on every page; with a data folder, whether the data would
produce the same annex today.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..infra.diagnostics import InputError, error
from ..infra.yamlsource import read_bytes
from ..model.limits import MAX_KEY_BYTES
from ..readers.annex_pdf import NO_DATA, AnnexData, annex_data
from ..readers.pdf_file import read_pdf, unreadable

if TYPE_CHECKING:
    from ..model import Customer


@dataclass
class SignatureReport:
    field: str
    signer: str
    signing_time: Optional[str]
    timestamped: bool
    certifying: bool
    intact: bool
    covers_document: bool  # whole file, or its revision with only permitted updates after it
    changes_after: str  # none, form filling, annotations, other
    changes_permitted: bool
    certificate_valid_at_signing: bool
    trusted: Optional[bool]  # None: no trust root given
    problems: list[str] = dataclasses.field(default_factory=list)  # `field` is a field's name here

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class AnnexReport:
    fingerprint: Optional[str]
    attachment_matches_metadata: bool
    attachment_matches_pages: bool
    current: Optional[bool] = None  # None: no --data
    newer_version: Optional[str] = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    file: str
    signatures: list[SignatureReport]
    unsigned_fields: list[str]
    annex: AnnexReport

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures) and not self.annex.problems

    def to_json(self) -> str:
        payload = {"file": self.file, "ok": self.ok,
                   "signatures": [{**asdict(s), "ok": s.ok} for s in self.signatures],
                   "unsigned_fields": self.unsigned_fields, "annex": asdict(self.annex)}
        return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def load_roots(paths: list[Path]):
    """Trust roots from PEM or DER files (one or more certificates each), read as every input is."""
    from asn1crypto import pem, x509
    roots: list = []
    for path in paths:
        data = read_bytes(path, max_bytes=MAX_KEY_BYTES, what="certificate file")
        try:
            blobs = [der for _t, _h, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            roots.extend(x509.Certificate.load(b) for b in blobs)
            for r in roots:
                r.native  # parse now, so that a bad file is reported here  # noqa: B018
        except (ValueError, TypeError) as exc:
            raise InputError([error(path, f"cannot read a certificate: {str(exc)[:200]}",
                                    hint="give the trust root as a PEM or DER certificate file")],
                             unreadable=True) from None
    return roots


def _when(sig, status) -> Optional[dt.datetime]:
    if status.timestamp_validity is not None:
        return status.timestamp_validity.timestamp
    return status.signer_reported_dt or sig.self_reported_timestamp


def _check_signature(sig, roots) -> SignatureReport:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, context)
    cert = status.signing_cert
    when = _when(sig, status)
    validity = cert["tbs_certificate"]["validity"]
    in_validity = when is not None and validity["not_before"].native <= when <= validity["not_after"].native
    level = status.modification_level
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level is not None
        and level <= ModificationLevel.FORM_FILLING)
    permitted = level is not None and level <= ModificationLevel.FORM_FILLING and status.docmdp_ok is not False
    report = SignatureReport(
        field=sig.field_name, signer=cert.subject.human_friendly,
        signing_time=when.isoformat() if when else None, timestamped=status.timestamp_validity is not None,
        certifying=sig.docmdp_level is not None, intact=bool(status.intact and status.valid),
        covers_document=bool(covers), changes_after=level.name.lower().replace("_", " ") if level else "unknown",
        changes_permitted=bool(permitted), certificate_valid_at_signing=in_validity,
        trusted=bool(status.trusted) if roots else None)
    _problems(report, status)
    return report


def _problems(report: SignatureReport, status) -> None:
    checks = [(report.intact, "the signed bytes were changed, or the signature does not match them"),
              (report.covers_document, "the signature does not cover the document (content was added after it)"),
              (report.changes_permitted, f"changes after the signature are not permitted ({report.changes_after})"),
              (report.certificate_valid_at_signing, "the signer's certificate was not valid at signing time"),
              (report.trusted is not False, "the signer's certificate does not chain to a given trust root")]
    if status.timestamp_validity is not None:
        ts = status.timestamp_validity
        checks.append((bool(ts.intact and ts.valid), "the time-stamp token is not valid"))
    report.problems = [message for ok, message in checks if not ok]


def _page_texts(data: bytes) -> list[str]:
    from pypdf import PdfReader
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def check_annex(reader, data: bytes, where: Path) -> tuple[AnnexReport, Optional[AnnexData]]:
    """The embedded data (the first revision's, readers/annex_pdf.py) against the metadata
    and every page's stamp. Data replaced by a later revision is a failed check."""
    try:
        embedded = annex_data(reader, where)
    except InputError as exc:
        if exc.unreadable and exc.diagnostics[0].code != NO_DATA:
            raise
        return AnnexReport(None, False, False, problems=[d.message for d in exc.diagnostics]), None
    texts = _page_texts(data)
    on_pages = bool(texts) and all(embedded.fingerprint[:12] in re.sub(r"\s+", "", t) for t in texts)
    report = AnnexReport(embedded.fingerprint, embedded.in_metadata, on_pages)
    if not embedded.in_metadata:
        report.problems.append("the embedded data's SHA-256 is not the fingerprint in the metadata")
    if not on_pages:
        report.problems.append("the embedded data's SHA-256 is not the fingerprint on every page")
    return report, embedded


def verify(path: Path, *, trust: list[Path], data_dir: Optional[Path] = None,
           customers: Optional[Callable[[str], Optional[Customer]]] = None,
           templates: Optional[Path] = None) -> Report:
    """The report on the PDF at `path`; with `data_dir`, whether the annex is current, the
    customer found by `customers(id)` (a register) or else in the data folder's customer files,
    built again with the brand in `templates` (the default brand when None)."""
    from pyhanko.sign.fields import enumerate_sig_fields
    roots = load_roots(trust)
    data, reader = read_pdf(path)
    try:
        signatures = [_check_signature(sig, roots) for sig in reader.embedded_regular_signatures]
        unsigned = [name for name, _v, _r in enumerate_sig_fields(reader, filled_status=False)]
        annex, embedded = check_annex(reader, data, path)
    except InputError:
        raise
    except Exception as exc:  # a file too broken for the validator is unreadable, not a traceback
        raise unreadable(path, exc, "cannot be checked") from None
    if embedded is not None and data_dir is not None:
        from .current import check_current
        check_current(annex, embedded.payload, data_dir, customers, templates)
    return Report(str(path), signatures, unsigned, annex)


def render_text(report: Report) -> str:
    """The report for a person: one block per signature, then the annex, then the verdict."""
    yes = {True: "yes", False: "NO", None: "not checked (give --trust ROOT.pem)"}
    lines = [f"{report.file}"]
    if not report.signatures:
        lines.append("  no signature: the annex is not signed")
    for s in report.signatures:
        lines += [f"  signature in field `{s.field}`{' (certifying)' if s.certifying else ''}: {s.signer}",
                  f"    signed at {s.signing_time or 'unknown'}"
                  f"{' (time-stamped)' if s.timestamped else ' (signer clock)'}",
                  f"    signed bytes intact: {yes[s.intact]}; covers the document: {yes[s.covers_document]}; "
                  f"changes after it: {s.changes_after} (permitted: {yes[s.changes_permitted]})",
                  f"    certificate valid at signing: {yes[s.certificate_valid_at_signing]}; "
                  f"trusted: {yes[s.trusted]}"]
        lines += [f"    problem: {p}" for p in s.problems]
    if report.unsigned_fields:
        lines.append(f"  not signed yet: {', '.join(report.unsigned_fields)}")
    a = report.annex
    lines.append(f"  annex data SHA-256 {a.fingerprint or '-'}: in metadata {yes[a.attachment_matches_metadata]}, "
                 f"on every page {yes[a.attachment_matches_pages]}")
    if a.current is not None:
        lines.append("  current with the data: yes" if a.current else
                     f"  current with the data: NO{f' (newer version {a.newer_version})' if a.newer_version else ''}")
    lines += [f"  problem: {p}" for p in a.problems]
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines) + "\n"
