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


def from_payload(payload: Any, *, data_dir: str, templates: Optional[str]) -> Task:
    """A task from untrusted JSON data, run with this worker's own data folder and brand folder
    (a payload names neither: it cannot point a worker at a folder of its choosing); InputError
    (one message naming the field) when it is not a task. The customer gets the model's
    validation, as in a customer file; formats must be known and the matrix an id
    (catalog.matrix_file refuses paths)."""
    if not isinstance(payload, dict):
        raise _refuse("the payload", "not a JSON object")
    customer = _field(payload, "customer", lambda v: None if v is None else Customer.model_validate(v))
    matrix = _field(payload, "matrix", _MATRIX.validate_python)
    formats = _field(payload, "formats", lambda v: tuple(_FORMATS.validate_python(v)))
    if not formats or any(f not in FORMATS for f in formats):
        raise _refuse("formats", f"{list(formats)} (known: {', '.join(FORMATS)})")
    if matrix.lang not in LANGUAGES:
        raise _refuse("matrix", f"language `{matrix.lang}` (known: {', '.join(LANGUAGES)})")
    version = _field(payload, "brand", lambda v: _BRAND.validate_python(v or {}).version, required=False)
    return Task(customer, matrix, formats, _field(payload, "sink", _STR.validate_python), data_dir,
                BrandRef(templates, version),
                _field(payload, "previous", lambda v: _ENTRIES.validate_python(v or ()), required=False),
                _field(payload, "force", lambda v: _BOOL.validate_python(v or False), required=False),
                _field(payload, "since", lambda v: None if v is None else _STR.validate_python(v), required=False),
                _field(payload, "draft", lambda v: None if v is None else _BOOL.validate_python(v), required=False,
                       default=False),
                _field(payload, "preview", lambda v: _BOOL.validate_python(v or False), required=False))


_MATRIX = TypeAdapter(MatrixRef)
_BRAND = TypeAdapter(BrandRef)
_ENTRIES = TypeAdapter(tuple[Entry, ...])
_FORMATS = TypeAdapter(list[str])
_STR = TypeAdapter(str)
_BOOL = TypeAdapter(bool)


def _refuse(name: str, what: str) -> InputError:
    return InputError([error("task", f"is not an annex task: `{name}` {what}",
                             hint="tasks are made by `annex batch`; check that both sides run the same annex")])


def _field(payload: dict, name: str, read: Any, *, required: bool = True, default: Any = None) -> Any:
    if name not in payload:
        if required:
            raise _refuse(name, "is missing")
        return default
    try:
        return read(payload[name])
    except (TypeError, ValueError, ValidationError) as exc:  # pydantic's errors are ValueErrors too
        raise _refuse(name, str(exc).splitlines()[0]) from None
