"""The fingerprint: SHA-256 over a canonical serialisation of all that decides an annex.

Same inputs, same fingerprint on any machine: keys sorted, no insignificant white space,
UTF-8, dates as ISO strings. The same canonical payload is embedded in the PDF.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode("utf-8")


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()
