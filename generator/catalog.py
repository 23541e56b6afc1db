"""The matrix catalog: where a matrix id is found, how it is read and checked, and the per-process
cache that makes a batch read each matrix once.

A matrix is named by id and language (`<data>/matrices/<id>/<lang>.yaml`), never by a path that
customer data or a task payload chose; only the command line's own argument may be a file.
A matrix comes back with the SHA-256 of its file, so that a task can name the exact version it
was planned with and a worker holding another version refuses it.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .infra.diagnostics import InputError, error, quoted
from .infra.yamlsource import decode_text, read_bytes
from .model import LANGUAGES, Matrix
from .model.limits import MAX_FILE_BYTES, MAX_ID
from .model.matrix import ID_PATTERN
from .model.text import reserved_name_problem
from .readers.matrix_yaml import read_matrix
from .rules import Loaded, check_matrix, check_translations


def resolve_matrix(ref: str, *, lang: Optional[str], data_dir: Path, allow_path: bool = False) -> Path:
    """The matrix file for `ref`: a matrix id looked up as <data>/matrices/<id>/<lang>.yaml.

    Only the command line's own argument may also be a file path (`allow_path`): an id that
    comes from a customer file is never taken as a path, so customer data cannot make annex
    read a file of its choosing."""
    p = Path(ref)
    if allow_path and (p.suffix in (".yaml", ".yml") or p.exists()):
        return p
    return matrix_file(ref, lang=lang, data_dir=data_dir)


def matrix_file(matrix_id: str, *, lang: Optional[str], data_dir: Path) -> Path:
    """<data>/matrices/<id>/<lang>.yaml, refused unless its real path (symbolic links resolved)
    stays inside <data>/matrices."""
    root = data_dir / "matrices"
    lang = lang or "fr"
    problem = _id_problem(matrix_id)
    if problem:
        raise InputError([error(quoted(matrix_id), problem, hint="a matrix id is the name of a folder under "
                                f"{root}, never a path")], unreadable=True)
    folder = root / matrix_id
    if not folder.is_dir():
        known = sorted(d.name for d in root.glob("*") if d.is_dir()) if root.is_dir() else []
        raise InputError([error(matrix_id, f"is neither a matrix file nor a matrix id under {root}",
                                hint=f"known ids: {', '.join(known) or 'none'}")], unreadable=True)
    path = folder / f"{lang}.yaml"
    if lang not in LANGUAGES or not path.exists():  # a language is a known code, never a path
        have = sorted(f.stem for f in folder.glob("*.yaml"))
        raise InputError([error(folder, f"matrix `{matrix_id}` has no `{quoted(lang)}` version",
                                hint=f"languages available: {', '.join(have)}")], unreadable=True)
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError) as exc:
        raise InputError([error(path, f"cannot be resolved: {exc}")], unreadable=True) from None
    if not inside:
        raise InputError([error(path, f"leaves {root} through a symbolic link (it is {real})",
                                hint="matrices are read only from inside the data folder; copy the file there")],
                         unreadable=True)
    return path if real == Path(os.path.abspath(path)) else real


def _id_problem(matrix_id: str) -> Optional[str]:
    if len(matrix_id) > MAX_ID or not re.fullmatch(ID_PATTERN, matrix_id):
        return (f"`{quoted(matrix_id)}` is not a matrix id (lower-case letters, digits, '.', '_' and '-', "
                f"at most {MAX_ID} characters)")
    return reserved_name_problem(matrix_id)


def load_checked_matrix(path: Path, *, text: Optional[str] = None) -> Matrix:
    """Read a matrix (or take its `text`, read already) and refuse it if it breaks a rule, with
    the checks `validate` runs: its own rules, and its agreement with the other languages of the
    matrix kept beside it (`<lang>.yaml` in the same folder). An annex is never built from a bad
    matrix, nor from a translation that says other roles than the reference language."""
    matrix, doc = read_matrix(path, text=text)
    loaded = Loaded(matrix, doc)
    problems = check_matrix(loaded)
    group = [loaded] + [sibling for sibling in _translations(path, matrix) if sibling.matrix.id == matrix.id]
    problems += [d for d in check_translations(group) if d.location.path == doc.path]
    errors = [d for d in problems if d.is_error]
    if errors:
        raise InputError(errors)
    return matrix


def _translations(path: Path, matrix: Matrix) -> list[Loaded]:
    """The other languages of the matrix in `path`'s folder, as `validate data/` reads them."""
    out = []
    for lang in LANGUAGES:
        other = path.parent / f"{lang}.yaml"
        if lang != matrix.lang and other.is_file():
            try:
                out.append(Loaded(*read_matrix(other)))
            except InputError:
                continue  # its own build and `validate` report it; it says nothing about this one
    return out


@dataclass(frozen=True)
class Held:
    """A checked matrix as this process holds it, with the SHA-256 of the file it came from."""

    matrix: Matrix
    sha256: str
    path: Path


@lru_cache(maxsize=64)
def _held(path: str, mtime_ns: int, size: int) -> Held:
    # read once: the digest is of the very bytes the matrix was parsed from, even if the file
    # is being replaced meanwhile (read_bytes refuses a FIFO or a device, located)
    raw = read_bytes(path, max_bytes=MAX_FILE_BYTES, what="YAML file")
    matrix = load_checked_matrix(Path(path), text=decode_text(raw, path))
    return Held(matrix, hashlib.sha256(raw).hexdigest(), Path(path))


def load_held(path: Path) -> Held:
    """A checked matrix, read once per process (the cache key has the file's mtime and size, so
    an edited file is read again)."""
    try:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
    except OSError:
        key = (0, 0)  # the read below names the file
    try:
        return _held(str(path), *key)
    except OSError as exc:
        raise InputError([error(path, f"cannot be read: {exc.strerror or exc}")], unreadable=True) from None


def load_matrix_cached(path: Path) -> Matrix:
    """A checked matrix, read once per process."""
    return load_held(path).matrix


def lookup(matrix_id: str, lang: str, data_dir: Path) -> Held:
    """The matrix of an id and language under `data_dir`, checked and cached."""
    held = load_held(matrix_file(matrix_id, lang=lang, data_dir=data_dir))
    if held.matrix.id != matrix_id:
        raise InputError([error(held.path, f"holds matrix `{held.matrix.id}`, not `{matrix_id}`",
                                hint="a matrix's folder is named by its id")])
    return held
