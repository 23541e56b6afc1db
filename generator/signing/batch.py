"""Signing as part of `build --sign` and `batch --sign`: each PDF annex gets a signed copy
`<name>_signed.pdf` beside it, signed in the provider's field (the last party's).

The unsigned annex stays as built (deterministic: the batch's incremental re-runs compare it);
a signed copy is kept while the unsigned annex is a byte prefix of it, i.e. it signs exactly
these bytes, and made anew otherwise (a signature reads the clock, so re-signing unchanged
annexes would change files for nothing).
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ..infra.atomic import write_atomic
from ..infra.diagnostics import InputError
from .sign import SignOptions, default_output, sign_bytes


def ensure_signed(unsigned: Path, signer, options: SignOptions = SignOptions()) -> tuple[Path, bool]:
    """The signed copy of `unsigned` (made if missing or stale) and whether it was made now."""
    data = unsigned.read_bytes()
    target = default_output(unsigned)
    try:
        with open(target, "rb") as f:
            if f.read(len(data)) == data:
                return target, False
    except OSError:
        pass
    write_atomic(target, sign_bytes(data, signer, options, where=str(unsigned)))
    return target, True


def sign_entries(out_dir: Path, entries: list, signer) -> list:
    """Batch: sign every PDF annex that was written or is unchanged; record the signed file's
    SHA-256 in its manifest entry (a failure to sign fails that entry alone)."""
    from ..commands.batch import one_line
    result = []
    for e in entries:
        if e.format != "pdf" or e.status not in ("written", "unchanged"):
            result.append(e)
            continue
        try:
            signed, _ = ensure_signed(out_dir / e.path, signer)
        except InputError as exc:
            result.append(dataclasses.replace(e, status="failed", error=f"signing: {one_line(exc.diagnostics)}"))
            continue
        digest = hashlib.sha256(signed.read_bytes()).hexdigest()
        result.append(dataclasses.replace(e, signed_sha256=digest))
    return result
