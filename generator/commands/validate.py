"""`annex validate`: read every matrix and customer file under the given paths and report every
problem at once (files, rules, translations, customers against the matrices they name)."""
from __future__ import annotations

from pathlib import Path

from ..infra.diagnostics import InputError, Report, error
from ..infra.yamlsource import read_text
from ..readers.customers import read_customers
from ..readers.matrix_yaml import read_matrix
from ..rules import Loaded, check_deviations, check_matrix, check_translations, group_by_matrix

DATA_SUFFIXES = (".yaml", ".yml", ".csv")


def collect_files(paths: list[str | Path], report: Report) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in DATA_SUFFIXES
                                and not any(part.startswith(".") for part in f.parts)))
        elif p.exists():
            files.append(p)
        else:
            report.add(error(p, "no such file or folder", hint="check the path"))
            report.unreadable = True
    return files


def kind_of(path: Path, text: str | None = None) -> str:
    """`customers`, `deviations` (a CSV's side file, checked through its CSV) or `matrix`.

    `text` is the file as read by `yamlsource.read_text` (regular files only, size bounded);
    without it, the file is read that way here."""
    if path.suffix.lower() == ".csv":
        return "customers"
    if text is None:
        try:
            text = read_text(path, what="YAML file")
        except InputError:
            return "matrix"  # the reader reports why it cannot be read
    for line in text[:20000].splitlines():
        if line.startswith("customers:"):
            return "customers"
        if line.startswith("deviations:"):
            return "deviations"
    return "matrix"


def validate_paths(paths: list[str | Path], *, relax: frozenset[str] = frozenset(),
                   data_dir: str | Path | None = None) -> Report:
    report = Report()
    matrices: list[Loaded] = []
    customer_files = []
    for path in collect_files(paths, report):
        try:
            text = None if path.suffix.lower() == ".csv" else read_text(path, what="YAML file")
            kind = kind_of(path, text)
            if kind == "deviations":
                continue
            if kind == "customers":
                customer_files.append(read_customers(path, text=text))
            else:
                matrix, doc = read_matrix(path, text=text)
                matrices.append(Loaded(matrix, doc))
        except InputError as exc:
            report.extend(exc.diagnostics)
            report.unreadable = report.unreadable or exc.unreadable
    for item in matrices:
        report.extend(check_matrix(item, relax=relax))
    for group in group_by_matrix(matrices).values():
        report.extend(check_translations(group))
    if customer_files:
        known = {(item.matrix.id, item.matrix.lang): item for item in matrices}
        if data_dir is not None:
            load_known_matrices(Path(data_dir), known)
        for customers, doc in customer_files:
            report.extend(check_customers(customers, doc, known, relax=relax))
    return report


def load_known_matrices(data_dir: Path, known: dict) -> None:
    """The matrices customer files may name: found by id, as a batch finds them (a file that
    is not regular or leaves the data folder is not a known matrix)."""
    from ..catalog import matrix_file
    root = data_dir / "matrices"
    if not root.is_dir():
        return
    for f in sorted(root.glob("*/*.yaml")):
        try:
            m, doc = read_matrix(matrix_file(f.parent.name, lang=f.stem, data_dir=data_dir))
        except InputError:
            continue
        known.setdefault((m.id, m.lang), Loaded(m, doc))


def check_customers(customers, doc, known: dict, *, relax: frozenset[str] = frozenset()) -> list:
    """Customers against the matrices they name: matrices exist, deviations keep the rules."""
    out = []
    ids = {mid for mid, _ in known}
    for i, c in enumerate(customers):
        base = ("customers", i)
        for j, mid in enumerate(c.matrices):
            if mid not in ids:
                loc = doc.where(base + ("matrices", j))
                out.append(error(doc.path, f"customer `{c.id}`: unknown matrix `{mid}`", line=loc.line,
                                 column=loc.column, field=f"customers[{i}].matrices[{j}]", code="unknown-matrix",
                                 hint=f"known matrices: {', '.join(sorted(ids)) or 'none found'}"))
        lang = c.lang or "fr"

        def matrix_of(mid: str, _lang: str = lang):
            loaded = known.get((mid, _lang)) or next((v for (m, _), v in sorted(known.items()) if m == mid), None)
            return loaded.matrix if loaded else None  # an unknown matrix is reported above
        out.extend(check_deviations(c, matrix_of, lambda loc, key=False, _b=base: doc.where(_b + loc, key=key),
                                    path=doc.path, field=f"customers[{i}].", relax=relax))
    return out
