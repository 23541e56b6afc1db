"""Read a matrix YAML file into the model, or say precisely why it cannot be read."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..infra.diagnostics import Diagnostic, InputError, error
from ..infra.yamlsource import YamlDocument, load_yaml
from ..model import Matrix
from ..model.limits import MAX_ACTIVITIES, MAX_MATRIX_TEXT, MAX_SECTION_DEPTH, MAX_SECTIONS
from .modelerrors import diagnostics_from, field_name

LIMITS_HINT = "the limits on input are listed in README.md (Data, Limits)"


def read_matrix(path: str | Path, *, text: Optional[str] = None) -> tuple[Matrix, YamlDocument]:
    """Load and type-check one matrix file; raise InputError with every problem found."""
    doc = load_yaml(path, text=text)
    if not isinstance(doc.data, dict):
        raise InputError([error(doc.path, "a matrix file must be a mapping of keys (id:, title:, ...)",
                                line=1, hint="see data/matrices/s3-object-storage/fr.yaml for an example")])
    too_big = shape_problems(doc)
    if too_big:
        raise InputError(too_big)
    try:
        return Matrix.model_validate(doc.data), doc
    except ValidationError as exc:
        raise InputError(diagnostics_from(exc, doc, Matrix)) from None


def _sections(data: object, loc: tuple, depth: int = 1) -> Iterator[tuple[tuple, int, dict]]:
    """Every section mapping of the raw data with its place and depth, in reading order."""
    items = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return
    for i, section in enumerate(items):
        if isinstance(section, dict):
            here = loc + ("sections", i)
            yield here, depth, section
            if depth <= MAX_SECTION_DEPTH:  # deeper is reported once, not walked
                yield from _sections(section, here, depth + 1)


def _characters(data: object) -> int:
    if isinstance(data, str):
        return len(data)
    if isinstance(data, dict):
        return sum(_characters(v) for v in data.values())
    if isinstance(data, list):
        return sum(_characters(v) for v in data)
    return 0


def shape_problems(doc: YamlDocument) -> list[Diagnostic]:
    """Text, section depth, section count and activity count over their limits, checked on the
    raw data before the model is built (20,000 activities would cost gigabytes to lay out)."""
    problems: list[Diagnostic] = []
    total = _characters(doc.data)
    if total > MAX_MATRIX_TEXT:
        problems.append(error(doc.path, f"holds {total:,} characters of text, over the limit of {MAX_MATRIX_TEXT:,}",
                              line=1, column=1, code="limit", hint=LIMITS_HINT + "; split the matrix"))
    count = activities = 0
    for loc, depth, section in _sections(doc.data, ()):
        count += 1
        if depth > MAX_SECTION_DEPTH:
            where = doc.where(loc)
            problems.append(error(doc.path, f"section nested {depth} levels deep, over the limit of "
                                            f"{MAX_SECTION_DEPTH}", line=where.line, column=where.column,
                                  field=field_name(loc), code="limit", hint=LIMITS_HINT))
        if count == MAX_SECTIONS + 1:
            where = doc.where(loc)
            problems.append(error(doc.path, f"more than {MAX_SECTIONS} sections and subsections",
                                  line=where.line, column=where.column, field=field_name(loc), code="limit",
                                  hint=LIMITS_HINT + "; split the matrix"))
        rows = section.get("activities")
        if isinstance(rows, list):
            if activities <= MAX_ACTIVITIES < activities + len(rows):
                where = doc.where(loc + ("activities", MAX_ACTIVITIES - activities))
                problems.append(error(doc.path, f"more than {MAX_ACTIVITIES:,} activities in the matrix "
                                                f"(this is activity {MAX_ACTIVITIES + 1:,})",
                                      line=where.line, column=where.column, field=field_name(loc + ("activities",)),
                                      code="limit", hint=LIMITS_HINT + "; split the matrix"))
            activities += len(rows)
    return problems
