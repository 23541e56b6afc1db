"""`annex review-import REVIEWED.docx`: legal's negotiated roles back into `deviations:`.

The DOCX names its annex (readers/review_docx.py); this command checks that the matrix version
it was made from is still the current one, reads the roles, compares them with the standard
matrix and the customer's deviations, and writes the deviations list with its reasons. Exit 0
when every edit became a deviation, 1 when some edit could not (each reported with its place)
or a deviation breaks the RACI rules, 2 when the file cannot be read or is not an annex's DOCX.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from ..annex import build_annex, deviations_for
from ..brand import load_brand
from ..catalog import load_checked_matrix, resolve_matrix
from ..infra.atomic import write_atomic
from ..infra.diagnostics import Diagnostic, InputError, Location, error, warning
from ..model import Customer, Matrix, parse_roles
from ..readers.customers import pick_customer
from ..readers.review_docx import RowRead, open_docx, read_review
from ..rules import check_roles, legend_letters
from ..writers.docx_properties import Identity
from ..writers.docx_properties import read as identity


@dataclass
class Outcome:
    identity: Identity
    matrix: Matrix
    deviations: list[dict]
    findings: list[Diagnostic]
    counts: dict[str, int]


def current_matrix(path: Path, ident: Identity, data_dir: Path) -> Matrix:
    """The matrix the DOCX was made from, refused if a newer version replaced it."""
    matrix = load_checked_matrix(resolve_matrix(ident.matrix_id, lang=ident.lang, data_dir=data_dir))
    if matrix.version != ident.version:
        raise InputError([error(path, f"was made from version {ident.version} of matrix `{ident.matrix_id}` "
                                      f"({ident.lang}); the current version is {matrix.version}",
                                hint=f"build a new review DOCX from version {matrix.version} (annex build "
                                     f"{ident.matrix_id} --customer FILE#ID --format docx --review) and carry "
                                     f"the negotiated roles over, or compare the versions with annex diff")])
    return matrix


def check_customer(path: Path, ident: Identity, customer: Optional[Customer]) -> None:
    if customer and ident.customer and customer.id != ident.customer:
        raise InputError([error(path, f"was made for customer `{ident.customer}`, not `{customer.id}`",
                                hint=f"pass --customer FILE#{ident.customer}")], unreadable=True)


def to_deviations(path: Path, matrix: Matrix, rows: list[RowRead], customer: Optional[Customer],
                  reasons: dict[str, str]) -> tuple[list[dict], list[Diagnostic], dict[str, int]]:
    """Rows whose roles differ from the standard become deviations, with a reason: the Word
    comment on the row, else the deviations table's (as legal left it), else the customer file's."""
    parties = [p.id for p in matrix.parties]
    existing = {d.activity: d for d in deviations_for(customer, matrix)}
    several = bool(customer and len(customer.matrices) > 1)
    out: list[dict] = []
    findings: list[Diagnostic] = []
    counts = {"new": 0, "changed": 0, "kept": 0, "dropped": 0}
    for row in rows:
        standard = {p: str(parse_roles(row.activity.roles.get(p))) or None for p in parties}
        before = existing.get(row.activity.id)
        if row.roles == standard:
            if before:
                counts["dropped"] += 1
                findings.append(warning(path, f"activity `{row.activity.id}`: back to the standard roles, the "
                                              "customer's deviation is dropped", code="review-dropped"))
            continue
        entry: dict = {"activity": row.activity.id, "roles": dict(row.roles)}
        reason = " ".join(row.comments) or reasons.get(row.activity.id) or (before.reason if before else "")
        if reason:
            entry["reason"] = reason
        else:
            findings.append(error(path, f"section « {row.section} », activity `{row.activity.id}`: roles changed "
                                        "without a reason", code="review-reason",
                                  hint="add a Word comment on the row saying why, or write `reason:` in the output"
                                       + ("" if customer else "; --customer FILE#ID keeps the reasons of the "
                                                              "customer's existing deviations")))
        if several:
            entry["matrix"] = matrix.id
        if before is None:
            counts["new"] += 1
        elif {p: str(parse_roles(before.roles.get(p))) or None for p in parties} == row.roles:
            counts["kept"] += 1
        else:
            counts["changed"] += 1
        where = Location(str(path))
        findings += check_roles(dict(row.roles), parties, legend_letters(matrix), lambda *_a, where=where, **_k: where,
                                field=f"deviations[{row.activity.id}]", one_accountable=matrix.rules.one_accountable,
                                responsible_required=matrix.rules.responsible_required, path=str(path),
                                subject=f"section « {row.section} », deviation on `{row.activity.id}`",
                                every_party=False)
        out.append(entry)
    return out, findings, counts


def review_import(path: Path, *, customer: Optional[Customer], data_dir: Path, accepted: bool = True) -> Outcome:
    document, data = open_docx(path)
    ident = identity(path, data)
    if ident.document and ident.document != "annex":
        raise InputError([error(path, f"is a {ident.document}, not an annex",
                                hint="review-import reads the annex DOCX (annex build ... --format docx --review)")],
                         unreadable=True)
    check_customer(path, ident, customer)
    matrix = current_matrix(path, ident, data_dir)
    rows, findings, reasons = read_review(path, matrix, document, accepted=accepted)
    if not rows:
        raise InputError([error(path, "holds no matrix row annex can recognise (no activity bookmarks)",
                                hint="rebuild the review DOCX with this version of annex")], unreadable=True)
    deviations, more, counts = to_deviations(path, matrix, rows, customer, reasons)
    return Outcome(ident, matrix, deviations, findings + more + stale(path, ident, matrix, customer), counts)


def stale(path: Path, ident: Identity, matrix: Matrix, customer: Optional[Customer]) -> list[Diagnostic]:
    """A warning when the customer file changed since the DOCX was made: the reviewed document
    and the file the output will be merged into no longer describe the same annex."""
    if customer is None or not ident.fingerprint:
        return []
    try:
        draft = matrix.status != "approved"
        made = {build_annex(matrix, customer, load_brand(), review=r, draft=draft).stamp.fingerprint
                for r in (True, False)}
    except InputError:
        made = set()
    if ident.fingerprint in made:
        return []
    return [warning(path, f"was made from other inputs than the current matrix and customer `{customer.id}` "
                          f"(fingerprint {ident.fingerprint[:12]})", code="review-stale",
                    hint="the customer file (or brand) changed since the review copy was built; check the "
                         "deviations before merging")]


def deviations_yaml(outcome: Outcome, source: Path) -> str:
    i = outcome.identity
    who = f", customer {i.customer}" if i.customer else ""
    head = (f"# Deviations read back from {source.name} (matrix {i.matrix_id} v{i.version}, {i.lang}{who}).\n"
            "# Replace the customer's `deviations:` for this matrix with this list; check with `annex validate`.\n")
    body = yaml.safe_dump({"deviations": outcome.deviations}, allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=None)  # roles on one line, as customer files write them
    return head + body


def review_import_command(path: Path, *, customer_ref: Optional[str], output: Optional[Path], data_dir: Path,
                          rejected: bool = False) -> int:
    customer = pick_customer(customer_ref)[0] if customer_ref else None
    outcome = review_import(path, customer=customer, data_dir=data_dir, accepted=not rejected)
    text = deviations_yaml(outcome, path)
    if output:
        write_atomic(output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    for d in sorted(outcome.findings, key=lambda d: (d.severity, d.message)):
        print(d.format(), file=sys.stderr)
    c = outcome.counts
    errors = sum(d.is_error for d in outcome.findings)
    print(f"{len(outcome.deviations)} deviation(s): {c['new']} new, {c['changed']} changed, {c['kept']} kept, "
          f"{c['dropped']} dropped; {errors} problem(s)" + (f" -> {output}" if output else ""), file=sys.stderr)
    return 1 if errors else 0
