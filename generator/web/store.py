"""The service's store of generated files: content-addressed (infra/store.py)."""
from __future__ import annotations

from ..infra.store import SHA256, Store

__all__ = ["SHA256", "Store"]
