"""A task: one customer's annex of one matrix, in some formats, described whole.

A task carries everything a worker needs and nothing it must trust: the customer entry itself,
the matrix and brand named by id and content hash (never by a path), the formats, the sink's
spec and the previous manifest's entries for it. It crosses process and machine boundaries as
plain JSON (`to_payload` / `from_payload`); a payload is validated like a customer file is,
since whoever can put a task on the queue is not trusted with more than a customer file.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

from pydantic import TypeAdapter, ValidationError

from ..infra.diagnostics import InputError, error
from ..manifest import Entry
from ..model import LANGUAGES, Customer
from ..writers import FORMATS

NOTICE_FORMATS = ("pdf", "docx")  # a change notice (`--since`) is written in these; not the review copy


@dataclass(frozen=True)
class MatrixRef:
    """A matrix by id and language; `sha256` (of its YAML file) when the task must have that very
    version: a worker holding another refuses the task."""

    id: str
    lang: str
    sha256: str = ""


@dataclass(frozen=True)
class BrandRef:
    """The brand: a folder of the worker's own (None: the default brand), and the version the
    coordinator read (`Brand.version`): a worker whose brand differs refuses the task."""

    templates: Optional[str] = None
    version: str = ""


@dataclass(frozen=True)
class Task:
    customer: Optional[Customer]  # None: the matrix's own annex, no customer
    matrix: MatrixRef
    formats: tuple[str, ...]
    sink: str  # the sink's spec (sinks.open_sink)
    data_dir: str = "data"  # where the worker finds matrices: its own, not the coordinator's
    brand: BrandRef = BrandRef()
    previous: tuple[Entry, ...] = ()  # the last manifest's entries for this customer and matrix
    force: bool = False  # write even what is unchanged
    since: Optional[str] = None  # also write the change notice against this matrix version
    draft: Optional[bool] = False  # None: a draft (watermarked) unless the matrix is approved
    preview: bool = False  # also store the PDF's pages as PNG images (the web's preview)

    @property
    def notice_formats(self) -> tuple[str, ...]:
        return tuple(f for f in self.formats if f in NOTICE_FORMATS) if self.since else ()

    def to_payload(self) -> dict[str, Any]:
        """The task as JSON-ready data (no pickle crosses a queue)."""
        payload = dataclasses.asdict(self)
        payload["customer"] = self.customer.model_dump(mode="json") if self.customer else None
        return payload


_TASK = TypeAdapter(dict[str, Any])
_MATRIX = TypeAdapter(MatrixRef)
_BRAND = TypeAdapter(BrandRef)
_ENTRIES = TypeAdapter(tuple[Entry, ...])


def from_payload(payload: Any, *, data_dir: str, templates: Optional[str]) -> Task:
    """A task from untrusted JSON data, run with this worker's own data folder and brand folder
    (a payload names neither: it cannot point a worker at a folder of its choosing); InputError
    (one message) when it is not a task. The customer gets the model's validation, as in a
    customer file; formats must be known and the matrix an id (catalog.matrix_file refuses
    paths)."""
    def refuse(what: str) -> InputError:
        return InputError([error("task", f"is not an annex task: {what}",
                                 hint="tasks are made by `annex batch`; check that both sides run the same annex")])
    try:
        data = _TASK.validate_python(payload)
        customer = Customer.model_validate(data["customer"]) if data.get("customer") is not None else None
        formats = tuple(str(f) for f in data["formats"])
        task = Task(customer=customer, matrix=_MATRIX.validate_python(data["matrix"]), formats=formats,
                    sink=str(data["sink"]), data_dir=data_dir,
                    brand=BrandRef(templates, _BRAND.validate_python(data.get("brand") or {}).version),
                    previous=_ENTRIES.validate_python(data.get("previous") or ()),
                    force=bool(data.get("force", False)), since=data.get("since"),
                    draft=data.get("draft", False), preview=bool(data.get("preview", False)))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise refuse(str(exc).splitlines()[0]) from None
    if not formats or any(f not in FORMATS for f in formats):
        raise refuse(f"formats {list(formats)} (known: {', '.join(FORMATS)})")
    if task.matrix.lang not in LANGUAGES:
        raise refuse(f"language `{task.matrix.lang}`")
    if (task.since is not None and not isinstance(task.since, str)) or task.draft not in (True, False, None):
        raise refuse("`since` or `draft` of the wrong type")
    return task
