"""The annex data inside an annex PDF: its `annex-data.json`, read from the revision annex wrote.

An annex PDF carries the canonical JSON of exactly the matrix and customer context it was made
from (writers/pdf.py); its SHA-256 is the fingerprint in the metadata and on every page.
Signing appends incremental updates and never touches it, so the data that counts is the first
revision's, which every signature covers. An update that replaces it (and rewrites the
metadata to match) leaves the signed bytes intact and the pages as they were: `diff` would
then compare a forgery, so any revision whose data differs from the first is refused, and so
is data that does not hash to the fingerprint the first revision carries.

The one reader of that data, for `diff`, `verify` and the web. It is bounded like every input:
the file (readers/pdf_file.py: size, revisions, nesting), the data (MAX_EMBEDDED_BYTES, UTF-8,
JSON nested at most MAX_JSON_NESTING deep, no key twice) and its top-level shape.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pyhanko.pdf_utils import generic

from ..infra.diagnostics import InputError, error
from ..model.annex_data import ATTACHMENT_NAME as ATTACHMENT  # the name the writers attach it under
from ..model.limits import MAX_EMBEDDED_BYTES, MAX_JSON_NESTING
from .pdf_file import Reader, open_pdf, read_pdf, unreadable

HINT = "give an annex PDF made by `annex build` (or signed with `annex sign`), as it was sent"
# the top level annex writes (annex.py, payload); `matrix` names the matrix it was made from
SHAPE: dict[str, tuple[type, ...]] = {"matrix": (dict,), "customer": (dict, type(None)), "deviations": (list,),
                                      "options": (dict,)}
MATRIX_NAMES = ("id", "lang", "version")
NO_DATA = "no-annex-data"  # the code of the refusal of a PDF without the attachment


@dataclass(frozen=True)
class AnnexData:
    """`annex-data.json` of an annex PDF's first revision, unchanged in every later one."""

    raw: bytes
    payload: dict[str, Any]  # top level checked against SHAPE
    fingerprint: str  # SHA-256 of `raw`
    in_metadata: bool  # the first revision's keywords and the attachment's description carry it


def read_annex_data(path: Path) -> tuple[bytes, Reader, AnnexData]:
    """An annex PDF file (bounded), its reader and its data; InputError as `annex_data`."""
    data, reader = read_pdf(path)
    return data, reader, annex_data(reader, path)


def embedded_data(data: bytes, where: str) -> AnnexData:
    """The data of a PDF held in memory (an upload named `where` in messages)."""
    return annex_data(open_pdf(data, where), where)


def annex_data(reader: Reader, where: str | Path) -> AnnexData:
    """The data of the first revision; InputError, unreadable when the file holds none or it is
    not annex data, not unreadable (a broken rule) when a later revision replaced it."""
    try:
        return _annex_data(reader, where)
    except InputError:
        raise
    except Exception as exc:  # objects are parsed as they are walked: a hostile one fails here
        raise unreadable(where, exc, f"`{ATTACHMENT}` cannot be found") from None


def _annex_data(reader: Reader, where: str | Path) -> AnnexData:
    first = reader.get_historical_resolver(0)
    found = _attachment(first.root, where)
    if found is None:
        raise _refuse(where, f"has no `{ATTACHMENT}` attachment: it was not made by annex", code=NO_DATA)
    spec = found
    raw = _stream_bytes(spec, where)
    for revision in range(1, reader.total_revisions):
        _same_in(reader, revision, raw, where)
    digest = hashlib.sha256(raw).hexdigest()
    in_metadata = digest[:12] in _text(first.trailer_view, "/Info", "/Keywords") and digest in _text(spec, "/Desc")
    return AnnexData(raw, payload_of(raw, where), digest, in_metadata)


def _text(container: generic.DictionaryObject, *keys: str) -> str:
    """The text at `keys` (each entry resolved), or "" when there is none."""
    value: Any = container
    for key in keys:
        try:
            value = value[key]
        except (KeyError, TypeError):
            return ""
    return str(value)


def _refuse(where: str | Path, message: str, *, field: str = "", code: str = "") -> InputError:
    return InputError([error(where, message, field=field, hint=HINT, code=code)], unreadable=True)


def _attachment(root: generic.DictionaryObject, where: str | Path) -> Optional[generic.DictionaryObject]:
    """The file specification of the one entry named ATTACHMENT in the catalog's flat
    /EmbeddedFiles name tree (as WeasyPrint writes it), or None."""
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    if not isinstance(names, generic.ArrayObject):
        raise _refuse(where, "its list of embedded files is not an array")
    specs = [names[i + 1] for i in range(0, len(names) - 1, 2) if str(names[i]) == ATTACHMENT]
    if len(specs) > 1:
        raise _refuse(where, f"lists `{ATTACHMENT}` {len(specs)} times: which one is the annex's is ambiguous")
    if not specs:
        return None
    if not isinstance(specs[0], generic.DictionaryObject):
        raise _refuse(where, f"`{ATTACHMENT}` has no file specification")
    return specs[0]


def _stream_bytes(spec: generic.DictionaryObject, where: str | Path) -> bytes:
    """The attachment's decoded bytes (pyHanko's decode limits hold while inflating)."""
    try:
        stream = spec["/EF"]["/F"]
        raw = stream.data if isinstance(stream, generic.StreamObject) else None
    except (KeyError, TypeError):
        raw = None
    except Exception as exc:  # a hostile stream can make the decoder raise anything
        raise _refuse(where, f"`{ATTACHMENT}` cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}") from None
    if raw is None:
        raise _refuse(where, f"`{ATTACHMENT}` is not an embedded stream")
    if len(raw) > MAX_EMBEDDED_BYTES:
        raise _refuse(where, f"`{ATTACHMENT}` is {len(raw):,} bytes, over the limit of {MAX_EMBEDDED_BYTES:,}")
    return raw


def _same_in(reader: Reader, revision: int, raw: bytes, where: str | Path) -> None:
    """Refuse a revision whose `annex-data.json` does not hold the first revision's bytes (read
    again in each revision: an update can redefine the stream, or the objects it is read with)."""
    found = _attachment(reader.get_historical_resolver(revision).root, where)
    if found is None or _stream_bytes(found, where) != raw:
        raise InputError([error(where, f"`{ATTACHMENT}` was replaced in revision {revision + 1} of "
                                       f"{reader.total_revisions}, an incremental update made after the annex",
                                hint="the data of an annex is the data it was built and signed with; ask for "
                                     "the file as it was sent, and check it with `annex verify`")])


def payload_of(raw: bytes, where: str | Path) -> dict[str, Any]:
    """The embedded JSON, bounded and shaped as annex writes it; InputError (unreadable)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(where, f"`{ATTACHMENT}` is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start:,})",
                      field=ATTACHMENT) from None
    deepest = _nesting_past(text, MAX_JSON_NESTING)
    if deepest is not None:
        raise _refuse(where, f"`{ATTACHMENT}` nests arrays and objects more than {MAX_JSON_NESTING} levels deep "
                             f"(at character {deepest:,})", field=ATTACHMENT)
    try:
        payload = json.loads(text, object_pairs_hook=_no_key_twice)
    except ValueError as exc:  # JSONDecodeError, a key twice, an integer of thousands of digits
        raise _refuse(where, f"`{ATTACHMENT}` is not annex data: {str(exc)[:200]}", field=ATTACHMENT) from None
    _check_shape(payload, where)
    return payload


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # a string (skipped whole) or a bracket


def _nesting_past(text: str, limit: int) -> Optional[int]:
    """The offset where arrays and objects nest deeper than `limit`, or None: checked before
    json.loads, whose recursion a few kilobytes of brackets would exhaust."""
    depth = 0
    for token in _TOKENS.finditer(text):
        ch = token.group()
        if ch in "[{":
            depth += 1
            if depth > limit:
                return token.start()
        elif ch in "]}":
            depth -= 1
    return None


def _no_key_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key `{key[:100]}` appears twice in one object")
        out[key] = value
    return out


def _check_shape(payload: Any, where: str | Path) -> None:
    def kind(value: Any) -> str:
        return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(type(value), "a number")
    if not isinstance(payload, dict):
        raise _refuse(where, f"`{ATTACHMENT}` is {kind(payload)}, not an object", field=ATTACHMENT)
    if "matrix" not in payload:
        raise _refuse(where, f"`{ATTACHMENT}` has no `matrix`", field=ATTACHMENT)
    for key, types in SHAPE.items():
        if key in payload and not isinstance(payload[key], types):
            raise _refuse(where, f"`{key}` is {kind(payload[key])}, expected {kind(types[0]())}",
                          field=f"{ATTACHMENT}: {key}")
    for key in MATRIX_NAMES:
        if not isinstance(payload["matrix"].get(key), str):
            raise _refuse(where, f"`matrix.{key}` is {kind(payload['matrix'].get(key))}, expected a string",
                          field=f"{ATTACHMENT}: matrix.{key}")
