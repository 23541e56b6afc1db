"""The two sides of a comparison: a matrix YAML file, a matrix id, or an annex PDF.

An annex PDF carries `annex-data.json` (writers/pdf.py), the canonical JSON of exactly the
matrix and customer context it was made from: a customer's signed annex is the record of what
they signed, so it can stand for the old version without digging out the old YAML file.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..catalog import resolve_matrix
from ..infra.diagnostics import InputError, error
from ..model import Customer, Deviation, Matrix
from ..readers.matrix_yaml import read_matrix

MAX_PDF = 64 * 1024 * 1024


@dataclass(frozen=True)
class Side:
    matrix: Matrix
    label: str  # what the user named, for reports
    customer: Optional[Customer] = None  # the customer context an annex PDF was made for
    deviations: tuple[Deviation, ...] = ()
    fingerprint: str = ""  # of the annex PDF's data, when the side is one


def load_side(ref: str, *, lang: Optional[str], data_dir: Path) -> Side:
    """Read one side; InputError (unreadable) with a located message when it cannot be used."""
    path = Path(ref)
    if path.suffix.lower() == ".pdf":
        return read_annex_pdf(path)
    matrix, _ = read_matrix(resolve_matrix(ref, lang=lang, data_dir=data_dir, allow_path=True))
    return Side(matrix, ref)


def read_annex_pdf(path: Path) -> Side:
    """The matrix and customer an annex PDF was made from, out of its embedded data."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from ..writers.pdf import ATTACHMENT_NAME

    def refuse(message: str, hint: str) -> InputError:
        return InputError([error(path, message, hint=hint)], unreadable=True)
    if not path.is_file():
        raise refuse("no such file", "check the path")
    if path.stat().st_size > MAX_PDF:
        raise refuse(f"is over {MAX_PDF:,} bytes, too large for an annex", "give the annex PDF annex wrote")
    try:
        found = PdfReader(path).attachments.get(ATTACHMENT_NAME)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise refuse(f"cannot be read as a PDF: {exc}", "give an annex PDF made by `annex build`") from None
    if not found:
        raise refuse(f"has no `{ATTACHMENT_NAME}` attachment: it was not made by annex",
                     "give an annex PDF made by `annex build`, or the matrix YAML file")
    raw = found[0]
    try:
        payload = json.loads(raw.decode("utf-8"))
        matrix = Matrix.model_validate(payload["matrix"])
        customer = None
        if payload.get("customer"):
            customer = Customer.model_validate({**payload["customer"], "deviations": payload.get("deviations", [])})
        deviations = tuple(Deviation.model_validate(d) for d in payload.get("deviations", []))
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise refuse(f"`{ATTACHMENT_NAME}` is not annex data this version can read: "
                     f"{str(exc).splitlines()[0]}", "rebuild the annex, or give the matrix YAML file") from None
    return Side(matrix, str(path), customer, deviations, hashlib.sha256(raw).hexdigest())
