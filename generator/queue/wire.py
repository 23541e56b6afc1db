"""What crosses the queue besides the task itself: the build this process runs (a worker refuses
a task planned by another build), and an outcome as JSON (entries and located diagnostics) and
back, checked on the way in."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from ..infra.diagnostics import Diagnostic
from ..manifest import Entry

_DIAGNOSTICS = TypeAdapter(list[Diagnostic])
_ENTRIES = TypeAdapter(list[Entry])


@lru_cache(maxsize=1)
def build_id() -> str:
    """annex's version, its output format version and WeasyPrint's: what decides the bytes
    besides the data and the brand (which the task names by content hash)."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__
    from ..annex import FORMAT_VERSION
    try:
        weasyprint = version("weasyprint")
    except PackageNotFoundError:
        weasyprint = "?"
    return f"annex {__version__} (format {FORMAT_VERSION}, WeasyPrint {weasyprint})"


def outcome_to_json(outcome: Any) -> dict[str, Any]:
    return {"entries": [dataclasses.asdict(e) for e in outcome.entries],
            "problems": [dataclasses.asdict(d) for d in outcome.problems],
            "draft": bool(outcome.draft), "pages": list(outcome.pages), "unreadable": bool(outcome.unreadable)}


def outcome_from_json(data: Any) -> Any:
    """An Outcome from a worker's answer (ValueError when it is not one)."""
    from ..pipeline.job import Outcome
    if not isinstance(data, dict):
        raise ValueError("the answer is not a mapping")
    return Outcome(_ENTRIES.validate_python(data.get("entries") or []),
                   _DIAGNOSTICS.validate_python(data.get("problems") or []),
                   bool(data.get("draft", False)), [str(p) for p in data.get("pages") or []],
                   bool(data.get("unreadable", False)))
