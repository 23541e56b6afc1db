"""`annex build`: one matrix (and optionally one customer) into annex files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .annex import Annex, build_annex, output_name
from .atomic import write_atomic
from .brand import Brand
from .diagnostics import InputError, error
from .model import Customer, Matrix
from .readers.matrix_yaml import read_matrix
from .rules import Loaded, check_matrix
from .writers import check_brand, renderer


def resolve_matrix(ref: str, *, lang: Optional[str], data_dir: Path) -> Path:
    """A matrix YAML path, or a matrix id looked up as data/matrices/<id>/<lang>.yaml."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    folder = data_dir / "matrices" / ref
    if not folder.is_dir():
        known = sorted(d.name for d in (data_dir / "matrices").glob("*") if d.is_dir())
        raise InputError([error(ref, "is neither a matrix file nor a matrix id under "
                                f"{data_dir / 'matrices'}", hint=f"known ids: {', '.join(known) or 'none'}")],
                         unreadable=True)
    lang = lang or "fr"
    path = folder / f"{lang}.yaml"
    if not path.exists():
        have = sorted(f.stem for f in folder.glob("*.yaml"))
        raise InputError([error(path, f"matrix `{ref}` has no `{lang}` version",
                                hint=f"languages available: {', '.join(have)}")], unreadable=True)
    return path


def load_checked_matrix(path: Path) -> Matrix:
    """Read a matrix and refuse it if it breaks a rule: an annex is never built from a bad one."""
    matrix, doc = read_matrix(path)
    errors = [d for d in check_matrix(Loaded(matrix, doc)) if d.is_error]
    if errors:
        raise InputError(errors)
    return matrix


@dataclass(frozen=True)
class Written:
    path: Path
    fmt: str
    annex: Annex
    size: int


def write_annex(annex: Annex, fmt: str, out_dir: Path) -> Written:
    data = renderer(fmt)(annex)
    folder = out_dir / annex.customer.id if annex.customer else out_dir
    path = folder / output_name(annex, fmt)
    write_atomic(path, data)
    return Written(path, fmt, annex, len(data))


def build(matrix: Matrix, customer: Optional[Customer], brand: Brand, formats: list[str], out_dir: Path, *,
          draft: bool = False, review: bool = False) -> list[Written]:
    check_brand(formats, brand)
    annex = build_annex(matrix, customer, brand, draft=draft, review=review)
    return [write_annex(annex, fmt, out_dir) for fmt in formats]
