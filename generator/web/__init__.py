"""The web service (`annex serve`): sales and legal build, preview and download annexes, an API
for the CRM, and a register of what was issued. Built on the same pipeline as the CLI.

Public face: `create_app(settings)` and `Settings`; the CLI commands `serve`, `user` and
`token` use `db.open_database` and `accounts` as well.
"""
from __future__ import annotations

from .config import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings):
    from .app import create_app as _create
    return _create(settings)
