"""Where the service keeps its state, and the switches an operator may turn."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROLES = ("sales", "legal", "admin")  # each role may do everything the ones before it may


def default_db_url(data_dir: Path) -> str:
    """SQLite under the data folder, unless ANNEX_DB names another database."""
    env = os.environ.get("ANNEX_DB")
    if env:
        return env
    return f"sqlite:///{(data_dir / 'web' / 'annex.sqlite3').resolve()}"


@dataclass
class Settings:
    data_dir: Path = Path("data")
    db_url: Optional[str] = None  # None: default_db_url(data_dir)
    store_dir: Optional[Path] = None  # None: <data>/web/files
    store_url: Optional[str] = None  # s3://BUCKET/PREFIX: the store in object storage instead (boto3)
    queue: Optional[str] = None  # redis://...: generation by `annex worker`s instead of local processes
    templates: Optional[Path] = None  # the annex brand folder, as `annex build --templates`
    workers: int = 1  # generation processes; 0 runs generation in the server process (tests)
    secure_cookies: bool = True  # False only for plain http on a developer machine
    trusted_user_header: Optional[str] = None  # e.g. X-Remote-User from an SSO reverse proxy; off by default
    login_attempts: int = 5  # sign-in attempts per account and address (4x per account) ...
    login_window: float = 300.0  # ... within this many seconds, then 429
    session_hours: int = 12
    db_wait: float = 30.0  # seconds a request waits for a database lock held by another writer, then 503
    max_upload: int = 5 * 1024 * 1024  # a file legal or admin uploads
    max_login_body: int = 16 * 1024  # request bodies, refused past these at the edge (limits.py)
    max_form_body: int = 1024 * 1024
    max_api_body: int = 1024 * 1024
    warm: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # matrix ids each worker lays out at start
    trust: tuple[Path, ...] = ()  # roots a signed upload's signers must chain to (`serve --trust`)
    provider_certs: tuple[Path, ...] = ()  # the provider's own signing certificates, trusted as they are
    check_seconds: float = 60.0  # time one check of an upload (review-import, verify) may take ...
    check_memory: int = 768 * 1024 * 1024  # ... and address space it may add, in its worker process
    check_workers: int = 2  # checks of uploads running at once (each in its own process)
    checks_per_user: int = 2  # checks one user may have running or waiting: more are refused (429)

    def resolved_db_url(self) -> str:
        return self.db_url or default_db_url(self.data_dir)

    def resolved_store(self) -> Path:
        return self.store_dir or self.data_dir / "web" / "files"
