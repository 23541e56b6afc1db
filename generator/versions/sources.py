"""The two sides of a comparison: a matrix YAML file, a matrix id, or an annex PDF.

An annex PDF carries `annex-data.json` (writers/pdf.py), the canonical JSON of exactly the
matrix and customer context it was made from: a customer's signed annex is the record of what
they signed, so it can stand for the old version without digging out the old YAML file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from ..catalog import resolve_matrix
from ..infra.diagnostics import InputError, error, printable
from ..infra.yamlsource import read_bytes
from ..model import Customer, Deviation, Matrix
from ..model.limits import MAX_PDF_BYTES
from ..readers.matrix_yaml import read_matrix


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
    """The matrix and customer an annex PDF file was made from (read as every input is)."""
    return annex_pdf_side(read_bytes(path, max_bytes=MAX_PDF_BYTES, what="PDF file"), str(path))


def annex_pdf_side(data: bytes, label: str) -> Side:
    """The side an annex PDF's bytes stand for (`label` names it in messages): its embedded
    data as the annex was built and signed (readers/annex_pdf.py), refused when it does not
    hash to the fingerprint the annex carries."""
    from ..readers.annex_pdf import ATTACHMENT, embedded_data
    embedded = embedded_data(data, label)
    hint = "give the annex PDF as annex built or signed it, or the matrix YAML file"
    if not embedded.in_metadata:
        raise InputError([error(label, f"`{ATTACHMENT}` does not hash to the fingerprint in the annex's metadata "
                                      f"(SHA-256 {embedded.fingerprint[:12]})", hint=hint)])
    payload = embedded.payload
    try:
        matrix = Matrix.model_validate(payload["matrix"])
        customer = None
        if payload.get("customer"):
            customer = Customer.model_validate({**payload["customer"], "deviations": payload.get("deviations", [])})
        deviations = tuple(Deviation.model_validate(d) for d in payload.get("deviations", []))
    except ValidationError as exc:
        raise InputError([error(label, f"`{ATTACHMENT}` is not annex data this version can read: "
                                      f"{printable(str(exc).splitlines()[0], 200)}", hint=hint)],
                         unreadable=True) from None
    return Side(matrix, label, customer, deviations, embedded.fingerprint)
