"""The batch manifest: one entry per annex (customer x matrix x format), as JSON and CSV.

It is what operations read after a run and what the next run reads to skip annexes whose
fingerprint has not changed. No timestamps: the same run on the same inputs writes the
same manifest.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from .infra.atomic import write_atomic_many
from .infra.diagnostics import Diagnostic, error, warning

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
COLUMNS = ("customer", "matrix", "lang", "version", "format", "path", "size", "sha256", "fingerprint",
           "template", "status", "error", "signed_sha256")


@dataclass(frozen=True)
class Entry:
    customer: str
    matrix: str
    lang: str
    version: str
    format: str
    path: str  # relative to the output folder
    size: int
    sha256: str
    fingerprint: str
    template: str
    status: str  # written, unchanged, failed
    error: str = ""
    signed_sha256: str = ""  # of `<name>_signed.pdf`, with `batch --sign`

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.customer, self.matrix, self.lang, self.format)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_ENTRY = TypeAdapter(Entry)


def check_writable(out_dir: Path) -> list[Diagnostic]:
    """What stands in the way of writing the manifest (a folder under its name), found before
    any work rather than after every annex is built."""
    return [error(out_dir / name, "a folder stands where the manifest goes", hint="remove or rename it")
            for name in (MANIFEST_JSON, MANIFEST_CSV) if (out_dir / name).is_dir()]


def load_previous(out_dir: Path) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
    """Entries of the last manifest that produced a file, and warnings for what could not be
    used: an unreadable manifest, or entry, counts as none (its annexes are rebuilt)."""
    path = out_dir / MANIFEST_JSON
    if not path.exists():
        return {}, []
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {}, [_unusable(path, str(exc.strerror))]
    return parse_previous(data, path)


def _unusable(where: str | Path, reason: str) -> Diagnostic:
    return warning(where, f"the previous manifest cannot be used ({reason})",
                   hint="every annex is rebuilt and the manifest rewritten")


def parse_previous(data: bytes, where: str | Path) -> tuple[dict[tuple, Entry], list[Diagnostic]]:
    """load_previous on a manifest's bytes, wherever they were kept (a folder, a bucket)."""
    try:
        raw = json.loads(data.decode("utf-8"))["annexes"]
        if not isinstance(raw, list):
            raise TypeError("`annexes` is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        return {}, [_unusable(where, f"{type(exc).__name__}: {exc}")]
    entries, bad = [], []
    for i, e in enumerate(raw):
        try:
            entries.append(_ENTRY.validate_python({k: e[k] for k in COLUMNS if k in e}))
        except (TypeError, ValidationError):
            bad.append(i)
    problems = [warning(where, f"{len(bad)} entr{'y' if len(bad) == 1 else 'ies'} of the previous manifest "
                               f"cannot be used (annexes[{bad[0]}] first)",
                        hint="their annexes are rebuilt and the manifest rewritten")] if bad else []
    return {e.key: e for e in entries if e.status in ("written", "unchanged")}, problems


def summary(entries: list[Entry]) -> dict:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("written", "unchanged", "failed")}
    return {"annexes": len(entries), **counts,
            "customers": len({e.customer for e in entries}),
            "failed_customers": sorted({e.customer for e in entries if e.status == "failed"})}


# a spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A manifest value as a CSV cell a spreadsheet shows as text: a leading quote disarms a
    formula (OWASP's advice). Only the CSV gets it; manifest.json keeps the true value."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def manifest_files(entries: list[Entry]) -> tuple[dict, dict[str, bytes]]:
    """The totals, and the bytes of manifest.json and manifest.csv (JSON last: it is what the
    next run reads, so a store that writes one after the other writes it last)."""
    entries = sorted(entries, key=lambda e: e.key)
    totals = summary(entries)
    payload = {"summary": totals, "annexes": [asdict(e) for e in entries]}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted too
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([csv_cell(getattr(e, c)) for c in COLUMNS])
    return totals, {MANIFEST_CSV: buf.getvalue().encode("utf-8"),
                    MANIFEST_JSON: (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}


def write_manifest(out_dir: Path, entries: list[Entry]) -> dict:
    """Write manifest.json and manifest.csv together (both new or, on a write error, both as
    they were); raises InputError naming the file when the disk refuses."""
    totals, files = manifest_files(entries)
    write_atomic_many({out_dir / name: data for name, data in files.items()})
    return totals
