"""Signed copies (`build --sign`, `batch --sign`): each PDF annex gets `<name>_signed.pdf` beside
it, signed in the provider's field (the last party's).

The unsigned annex stays as built (deterministic: incremental re-runs compare it); a signed copy
is kept while the unsigned annex is a byte prefix of it, i.e. it signs exactly these bytes, and
made anew otherwise (a signature reads the clock, so re-signing unchanged annexes would change
files for nothing).
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ..infra.diagnostics import InputError, error
from ..manifest import Entry
from ..signing.sign import SignOptions, default_output, sign_bytes
from .failures import one_line
from .sinks import Sink


def ensure_signed(sink: Sink, rel: str, signer, options: SignOptions = SignOptions()) -> tuple[str, bytes, bool]:
    """The signed copy of the annex at `rel` (made if missing or stale): its name, its bytes,
    and whether it was made now."""
    data = sink.get(rel)
    if data is None:
        raise InputError([error(rel, "the annex to sign is missing")])
    target = default_output(Path(rel)).as_posix()
    signed = sink.get(target)
    if signed is not None and signed.startswith(data):
        return target, signed, False
    signed = sign_bytes(data, signer, options, where=rel)
    sink.put(target, signed)
    return target, signed, True


def sign_entries(sink: Sink, entries: list[Entry], signer) -> list[Entry]:
    """Sign every PDF annex that was written or is unchanged; record the signed file's SHA-256
    in its manifest entry (a failure to sign fails that entry alone)."""
    result = []
    for e in entries:
        if e.format != "pdf" or e.status not in ("written", "unchanged"):
            result.append(e)
            continue
        try:
            _, signed, _ = ensure_signed(sink, e.path, signer)
        except InputError as exc:
            result.append(dataclasses.replace(e, status="failed", error=f"signing: {one_line(exc.diagnostics)}"))
            continue
        result.append(dataclasses.replace(e, signed_sha256=hashlib.sha256(signed).hexdigest()))
    return result
