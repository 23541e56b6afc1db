"""`annex batch --since VERSION`: beside each regenerated annex, the change notice against the
version the customer signed, listed in the manifest (format `notice-pdf` / `notice-docx`).

The old side is the customer's own annex PDF of that version in the sink (its embedded data is
what they signed, deviations included), else the matrix file kept as
`<data>/matrices/<id>/v<VERSION>/<lang>.yaml`.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ..annex import deviations_for
from ..brand import Brand
from ..infra.diagnostics import InputError, error
from ..manifest import Entry
from ..model import Customer, Matrix
from ..versions.compare import compare, notice_name
from ..versions.render import make_notice
from ..versions.sources import Side, load_side
from .failures import bug_line, one_line
from .sinks import Sink
from .task import Task


def old_side(customer: Customer, matrix: Matrix, since: str, sink: Sink, data_dir: Path) -> Side:
    signed = f"{customer.id}/{matrix.id}_{matrix.lang}_v{since}.pdf"
    local = getattr(sink, "path", None)  # a folder's file is read where it is
    if local is not None and local(signed).is_file():
        return load_side(str(local(signed)), lang=matrix.lang, data_dir=data_dir)
    data = None if local is not None else sink.get(signed)
    if data is not None:
        return _side_of_bytes(data, signed, matrix.lang, data_dir)
    kept = data_dir / "matrices" / matrix.id / f"v{since}" / f"{matrix.lang}.yaml"
    if kept.is_file():
        return load_side(str(kept), lang=matrix.lang, data_dir=data_dir)
    raise InputError([error(signed, f"no annex of version {since} to compare with",
                            hint=f"keep the signed annex PDF there, or the matrix of version {since} as {kept}")])


def _side_of_bytes(data: bytes, name: str, lang: str, data_dir: Path) -> Side:
    """The side an annex PDF fetched from a remote sink stands for, read as a file is read."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="annex-side-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        side = load_side(str(path), lang=lang, data_dir=data_dir)
    return dataclasses.replace(side, label=name)


def write_notices(task: Task, matrix: Matrix, brand: Brand, sink: Sink) -> list[Entry]:
    """One manifest entry per notice format; a notice that cannot be made fails alone."""
    from ..versions import notice as notice_writer
    customer, since, formats = task.customer, task.since, task.notice_formats
    if customer is None or since is None or since == matrix.version:
        return []
    base = dict(customer=customer.id, matrix=matrix.id, lang=matrix.lang, version=matrix.version,
                template=brand.version)
    try:
        old = old_side(customer, matrix, since, sink, Path(task.data_dir)).matrix
        diff = compare(old, matrix, customer, tuple(deviations_for(customer, matrix)))
        notice = make_notice(diff, template_version=brand.version)
    except Exception as exc:  # bad input, or a bug: this notice fails, not the batch
        message = one_line(exc.diagnostics) if isinstance(exc, InputError) else bug_line(exc)
        return [Entry(**base, format=f"notice-{fmt}", path="", size=0, sha256="", fingerprint="", status="failed",
                      error=message) for fmt in formats]
    before = {e.format: e for e in task.previous}
    entries = []
    for fmt in formats:
        rel, kind = f"{customer.id}/{notice_name(diff, fmt)}", f"notice-{fmt}"
        prev = before.get(kind)
        if prev and prev.fingerprint == notice.fingerprint and prev.path == rel and sink.holds(prev):
            entries.append(Entry(**base, format=kind, path=rel, size=prev.size, sha256=prev.sha256,
                                 fingerprint=notice.fingerprint, status="unchanged"))
            continue
        try:
            data = notice_writer.render(notice, brand, fmt)
            sink.put(rel, data)
        except Exception as exc:  # bad brand input, or a bug: this notice fails, not the batch
            message = one_line(exc.diagnostics) if isinstance(exc, InputError) else bug_line(exc)
            entries.append(Entry(**base, format=kind, path=rel, size=0, sha256="", fingerprint=notice.fingerprint,
                                 status="failed", error=message))
            continue
        entries.append(Entry(**base, format=kind, path=rel, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             fingerprint=notice.fingerprint, status="written"))
    return entries
