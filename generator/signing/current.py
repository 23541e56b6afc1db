"""Is a signed annex still current? Rebuild its fingerprint from today's data folder.

The embedded `annex-data.json` names the matrix (id, language, version) and the customer; the
data folder's matrix of that id and language, and the customer of that id in its customer
files, must give the same fingerprint (same matrix version and inputs). Otherwise the report
says what differs, and which newer matrix version exists.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Optional

from ..infra.diagnostics import InputError


def _customer(data_dir: Path, cid: str):
    from ..readers.customers import read_customer_entries
    for path in sorted((data_dir / "customers").glob("*")):
        if path.suffix.lower() not in (".yaml", ".yml", ".csv"):
            continue
        try:
            entries = read_customer_entries(path)[0]
        except InputError:
            continue
        for e in entries:
            if e.customer is not None and e.customer.id == cid:
                return e.customer
    return None


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("-")[0].split("."))


def check_current(report, payload: dict, data_dir: Path, customers: Optional[Callable] = None,
                  templates: Optional[Path] = None) -> None:
    """Fill `report.current` / `report.newer_version`, and add a problem when it is not current.
    `payload` is the embedded data as readers/annex_pdf.py checked it (`matrix` names it);
    `customers(id)` finds the customer (the web's register), by default the data folder's files;
    `templates` is the brand the annex was built with (its version is part of the fingerprint)."""
    from ..annex import build_annex
    from ..brand import load_brand
    from ..catalog import load_checked_matrix, resolve_matrix
    m = payload["matrix"]
    problem: Optional[str] = None
    try:
        matrix = load_checked_matrix(resolve_matrix(m["id"], lang=m["lang"], data_dir=data_dir))
    except InputError as exc:
        report.current = False
        report.problems.append(f"cannot check against {data_dir}: {exc.diagnostics[0].message}")
        return
    if matrix.version != m["version"]:
        if _version_key(matrix.version) > _version_key(m["version"]):
            report.newer_version = matrix.version
        problem = f"the data holds matrix `{matrix.id}` version {matrix.version}, the annex version {m['version']}"
    else:
        cid = str((payload.get("customer") or {}).get("id") or "")
        customer = (customers(cid) if customers else _customer(data_dir, cid)) if cid else None
        options = payload.get("options") or {}
        if cid and customer is None:
            problem = f"customer `{cid}` is not in {'the register' if customers else data_dir / 'customers'}"
        else:
            try:
                today = build_annex(matrix, customer, load_brand(templates), draft=bool(options.get("draft")),
                                    review=bool(options.get("review")))
            except InputError as exc:
                problem = f"the data no longer makes this annex: {exc.diagnostics[0].message}"
            else:
                if today.stamp.fingerprint != report.fingerprint:
                    problem = ("same matrix version, but the inputs changed (customer, deviations or template): "
                               f"the data gives fingerprint {today.stamp.short}")
    report.current = problem is None
    if problem:
        report.problems.append(f"outdated: {problem}")
