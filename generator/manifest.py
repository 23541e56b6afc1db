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
from typing import Optional

from .atomic import write_atomic

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


def load_previous(out_dir: Path) -> dict[tuple, Entry]:
    """Entries of the last manifest that produced a file; an unreadable manifest counts as none."""
    try:
        data = json.loads((out_dir / MANIFEST_JSON).read_text(encoding="utf-8"))
        entries = [Entry(**{k: e.get(k, "") for k in COLUMNS}) for e in data["annexes"]]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {e.key: e for e in entries if e.status in ("written", "unchanged")}


def summary(entries: list[Entry]) -> dict:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("written", "unchanged", "failed")}
    return {"annexes": len(entries), **counts,
            "customers": len({e.customer for e in entries}),
            "failed_customers": sorted({e.customer for e in entries if e.status == "failed"})}


def write_manifest(out_dir: Path, entries: list[Entry]) -> dict:
    entries = sorted(entries, key=lambda e: e.key)
    totals = summary(entries)
    payload = {"summary": totals, "annexes": [asdict(e) for e in entries]}
    write_atomic(out_dir / MANIFEST_JSON,
                 (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([getattr(e, c) for c in COLUMNS])
    write_atomic(out_dir / MANIFEST_CSV, buf.getvalue().encode("utf-8"))
    return totals


def find(entries: dict, key: tuple) -> Optional[Entry]:
    return entries.get(key)
