"""The matrices the service offers, read once per change of the files under data/matrices:
their titles in a language, their status (drafts are hidden from sales), their current versions
(an annex of an older one is superseded)."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Optional

from ..model.inline import plain
from .forms import known_matrices


def _stamp(data_dir: Path) -> tuple:
    root = Path(data_dir) / "matrices"
    if not root.is_dir():
        return ()
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.glob("*/*.yaml")))


def loaded(data_dir: Path) -> dict:
    """(matrix id, lang) -> loaded matrix (as `annex validate --data` reads them)."""
    return _loaded(str(data_dir), _stamp(data_dir))


@cache
def _loaded(data_dir: str, _stamp: tuple) -> dict:
    return known_matrices(Path(data_dir))


def in_lang(data_dir: Path, matrix_id: str, lang: str):
    """The matrix in `lang`, else French (the reference), else any language it has."""
    known = loaded(data_dir)
    for key in ((matrix_id, lang), (matrix_id, "fr")):
        if key in known:
            return known[key].matrix
    return next((item.matrix for (mid, _), item in sorted(known.items()) if mid == matrix_id), None)


def current_versions(data_dir: Path) -> dict[tuple[str, str], str]:
    return {key: item.matrix.version for key, item in loaded(data_dir).items()}


def offered(data_dir: Path, lang: str, *, drafts: bool) -> list[dict]:
    """Each matrix as a choice: id, title in `lang`, its languages with their status; a matrix
    approved in no language is left out unless `drafts`."""
    known = loaded(data_dir)
    out = []
    for mid in sorted({mid for mid, _ in known}):
        langs = sorted((lg, item.matrix.status) for (m, lg), item in known.items() if m == mid)
        if not drafts and all(status != "approved" for _, status in langs):
            continue
        matrix = in_lang(data_dir, mid, lang)
        out.append({"id": mid, "title": plain(matrix.title) if matrix else mid,
                    "langs": [(lg, s) for lg, s in langs if drafts or s == "approved"]})
    return out


def title_of(data_dir: Path, matrix_id: str, lang: str) -> str:
    matrix: Optional[object] = in_lang(data_dir, matrix_id, lang)
    return plain(matrix.title) if matrix is not None else matrix_id  # type: ignore[attr-defined]
