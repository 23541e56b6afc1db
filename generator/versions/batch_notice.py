"""`annex batch --since VERSION`: beside each regenerated annex, the change notice against the
version the customer signed, listed in the manifest (format `notice-pdf` / `notice-docx`).

The old side is the customer's own annex PDF of that version in the output folder (its embedded
data is what they signed, deviations included), else the matrix file kept as
`<data>/matrices/<id>/v<VERSION>/<lang>.yaml`.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..annex import deviations_for
from ..brand import Brand
from ..infra.atomic import write_atomic
from ..infra.diagnostics import InputError, error
from ..manifest import Entry, sha256_file
from ..model import Customer, Matrix
from .compare import compare, notice_name
from .render import make_notice
from .sources import load_side


def old_side(customer: Customer, matrix: Matrix, since: str, out_dir: Path, data_dir: Path):
    signed = out_dir / customer.id / f"{matrix.id}_{matrix.lang}_v{since}.pdf"
    kept = data_dir / "matrices" / matrix.id / f"v{since}" / f"{matrix.lang}.yaml"
    for candidate in (signed, kept):
        if candidate.is_file():
            return load_side(str(candidate), lang=matrix.lang, data_dir=data_dir)
    raise InputError([error(signed, f"no annex of version {since} to compare with",
                            hint=f"keep the signed annex PDF there, or the matrix of version {since} as {kept}")])


def write_notices(customer: Customer, matrix: Matrix, brand: Brand, formats: tuple[str, ...], out_dir: Path,
                  data_dir: Path, since: str, previous: tuple[Entry, ...]) -> list[Entry]:
    """One manifest entry per notice format; a notice that cannot be made fails alone."""
    from ..commands.batch import one_line
    from . import notice as notice_writer
    base = dict(customer=customer.id, matrix=matrix.id, lang=matrix.lang, version=matrix.version,
                template=brand.version)
    if since == matrix.version:
        return []
    try:
        old = old_side(customer, matrix, since, out_dir, data_dir).matrix
        diff = compare(old, matrix, customer, tuple(deviations_for(customer, matrix)))
        notice = make_notice(diff, template_version=brand.version)
    except InputError as exc:
        return [Entry(**base, format=f"notice-{fmt}", path="", size=0, sha256="", fingerprint="", status="failed",
                      error=one_line(exc.diagnostics)) for fmt in formats]
    except Exception as exc:  # a bug must fail this notice, not the batch
        return [Entry(**base, format=f"notice-{fmt}", path="", size=0, sha256="", fingerprint="", status="failed",
                      error=f"internal error: {type(exc).__name__}: {exc}") for fmt in formats]
    before = {e.format: e for e in previous}
    entries = []
    for fmt in formats:
        rel = f"{customer.id}/{notice_name(diff, fmt)}"
        target, kind = out_dir / rel, f"notice-{fmt}"
        prev = before.get(kind)
        if (prev and prev.fingerprint == notice.fingerprint and prev.path == rel and target.is_file()
                and sha256_file(target) == prev.sha256):
            entries.append(Entry(**base, format=kind, path=rel, size=prev.size, sha256=prev.sha256,
                                 fingerprint=notice.fingerprint, status="unchanged"))
            continue
        try:
            data = notice_writer.render(notice, brand, fmt)
            write_atomic(target, data)
        except Exception as exc:  # bad brand input, or a bug: this notice fails, not the batch
            message = one_line(exc.diagnostics) if isinstance(exc, InputError) else f"internal error: {exc}"
            entries.append(Entry(**base, format=kind, path=rel, size=0, sha256="", fingerprint=notice.fingerprint,
                                 status="failed", error=message))
            continue
        entries.append(Entry(**base, format=kind, path=rel, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             fingerprint=notice.fingerprint, status="written"))
    return entries
