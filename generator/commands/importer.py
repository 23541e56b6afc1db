"""`annex import`: published Markdown pages into matrix YAML files.

What the page does not say (matrix id, service, version, status, approval, history, rules) is
carried over from the YAML file being regenerated, so that re-importing a page rewrites the
same file. Activity ids: from the French text (`readers.markdown_page.slug`), or, for a
translation, by position from the reference language's file (`--reference`, or the French
page when a folder of one matrix is imported), so that every language shares them.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..infra.atomic import write_atomic
from ..infra.diagnostics import InputError, error, warning
from ..model import Callout, ListBlock, Matrix, Quote
from ..readers.markdown_page import PageImport, read_page, slug
from ..readers.matrix_yaml import read_matrix
from ..rules import Loaded, check_matrix, walk_with_paths
from ..writers.matrix_yaml import render as render_yaml

CARRIED = ("id", "service", "version", "status", "approval", "history", "rules")


def assign_ids(page: PageImport, reference: Optional[Matrix], path: str) -> None:
    """Ids by position from the reference; otherwise from the text, made unique."""
    ref_sections = [s for _, _, s in walk_with_paths(reference)] if reference else None
    sections = list(_walk(page.data["sections"]))
    if ref_sections is not None and [len(s.activities) for s in ref_sections] != \
            [len(s.get("activities", [])) for s in sections]:
        page.warnings.append(warning(path, "the page does not have the reference's sections and activities "
                                           "(count per section differs); ids are made from the text instead",
                                     line=1, hint="check that the translation has every row of the reference"))
        ref_sections = None
    used: set[str] = set()
    for n, section in enumerate(sections):
        for m, activity in enumerate(section.get("activities", [])):
            if ref_sections is not None:
                activity_id = ref_sections[n].activities[m].id
            else:
                base = slug(activity["text"])
                activity_id, suffix = base, 2
                while activity_id in used:
                    activity_id, suffix = f"{base}-{suffix}", suffix + 1
            used.add(activity_id)
            section["activities"][m] = {"id": activity_id, **activity}


def _walk(sections: list[dict]):
    for s in sections:
        yield s
        yield from _walk(s.get("sections", []))


def matrix_from_page(page_path: Path, *, lang: Optional[str], reference: Optional[Matrix],
                     existing: Optional[Matrix], matrix_id: Optional[str],
                     lenient: bool = False) -> tuple[Matrix, PageImport]:
    """A page read into a matrix: ids assigned, what the page does not say carried over; what the
    model cannot hold is an error (`lenient`: a warning, and left out)."""
    page = read_page(page_path, lang=lang, lenient=lenient)
    assign_ids(page, reference, str(page_path))
    data = page.data
    if existing is not None:
        for key in CARRIED:
            value = getattr(existing, key)
            if value is not None:
                data[key] = value.model_dump(mode="json") if hasattr(value, "model_dump") else (
                    [v.model_dump(mode="json") for v in value] if isinstance(value, list) else value)
    elif reference is not None:
        for key in ("id", "version", "status", "approval", "history", "rules"):
            value = getattr(reference, key)
            data[key] = value.model_dump(mode="json") if hasattr(value, "model_dump") else (
                [v.model_dump(mode="json") for v in value] if isinstance(value, list) else value)
    data.setdefault("version", "0.1.0")
    data.setdefault("status", "draft")
    if matrix_id:
        data["id"] = matrix_id
    if "id" not in data:
        stem = page_path.name.split(".")[0]
        data["id"] = slug(stem.replace("_", " "), words=6).replace("raci-", "", 1) or "matrix"
    data.setdefault("title", data["id"])
    try:
        return Matrix.model_validate(data), page
    except ValidationError as exc:
        raise InputError([error(page_path, f"the page does not make a valid matrix: {e['msg']} "
                                           f"({'.'.join(map(str, e['loc']))})") for e in exc.errors()]) from None


def summary(matrix: Matrix, page: PageImport) -> str:
    sections = list(walk_with_paths(matrix))
    top = sum(1 for _, depth, _ in sections if depth == 1)
    activities = sum(len(s.activities) for _, _, s in sections)
    blocks = [b for _, _, s in sections for b in [*s.intro, *s.notes, *(x for a in s.activities for x in a.before)]]
    blocks += [*matrix.intro, *matrix.legend_intro]
    notes = sum(1 for _, _, s in sections for b in [*s.notes, *(x for a in s.activities for x in a.before)]
                if isinstance(b, str))
    callouts = sum(1 for b in blocks if isinstance(b, Callout))
    quotes = sum(1 for b in blocks if isinstance(b, Quote))
    lists = sum(1 for b in blocks if isinstance(b, ListBlock))
    return (f"{top} sections, {len(sections) - top} subsections, {activities} activities, {notes} notes, "
            f"{lists} lists, {callouts} callouts, {quotes} quotes, {len(matrix.legend)} legend entries, "
            f"{len(page.warnings)} warning(s)")


def _existing(path: Optional[Path]) -> Optional[Matrix]:
    if path is None or not path.exists():
        return None
    return read_matrix(path)[0]


def import_page(page: Path, output: Optional[Path], *, lang: Optional[str], reference: Optional[Matrix],
                matrix_id: Optional[str], lenient: bool = False) -> int:
    matrix, imported = matrix_from_page(page, lang=lang, reference=reference, existing=_existing(output),
                                        matrix_id=matrix_id, lenient=lenient)
    text = render_yaml(matrix)
    for w in imported.warnings:
        print(w.format(), file=sys.stderr)
    code = 0
    if output:
        write_atomic(output, text.encode("utf-8"))
        loaded = Loaded(*read_matrix(output))
        problems = [d for d in check_matrix(loaded) if d.is_error]
        for d in problems:
            print(d.format(), file=sys.stderr)
        code = 1 if problems else 0
        print(f"imported {page} -> {output}: {summary(matrix, imported)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        print(f"imported {page}: {summary(matrix, imported)}", file=sys.stderr)
    return code


def import_command(page: Path, *, output: Optional[Path], lang: Optional[str], reference: Optional[Path],
                   matrix_id: Optional[str], lenient: bool = False) -> int:
    ref = read_matrix(reference)[0] if reference else None
    if page.is_dir():
        return import_folder(page, output, reference=ref, matrix_id=matrix_id, lenient=lenient)
    return import_page(page, output, lang=lang, reference=ref, matrix_id=matrix_id, lenient=lenient)


def import_folder(folder: Path, output: Optional[Path], *, reference: Optional[Matrix],
                  matrix_id: Optional[str], lenient: bool = False) -> int:
    """All languages of one matrix at once: French first, the others share its ids."""
    pages = sorted(folder.glob("*.md"))
    groups = sorted({p.name.split(".")[0] for p in pages})
    if len(groups) != 1:
        raise InputError([error(folder, f"holds pages of {len(groups)} matrices ({', '.join(groups) or 'none'})",
                                hint="import a folder that holds the pages of one matrix, or import pages one by one")],
                         unreadable=True)
    if output is None:
        raise InputError([error(folder, "a folder import needs -o FOLDER for the YAML files")], unreadable=True)
    by_lang = {p.name.split(".")[-2]: p for p in pages}
    order = sorted(by_lang, key=lambda lang: (lang != "fr", lang))
    code = 0
    for lang in order:
        target = output / f"{lang}.yaml"
        code = max(code, import_page(by_lang[lang], target, lang=lang, reference=reference, matrix_id=matrix_id,
                                     lenient=lenient))
        if reference is None and lang == "fr":
            reference = read_matrix(target)[0]
    return code
