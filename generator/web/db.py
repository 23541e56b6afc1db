"""The service's database: SQLAlchemy 2 models, and opening (and migrating) a database.

SQLite by default (WAL, so readers never wait for the writer), PostgreSQL by URL. The schema
is made by the Alembic migrations in `migrations/`, never by `create_all`, so that a database
made by an older release is upgraded the same way. The audit log is append-only: the ORM
refuses to change or delete a row, and the migration adds a database trigger that refuses it
too (for anything that reaches the tables by another road).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    signatory_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)  # as the provider's
    signatory_title: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token, never the token
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WebSession(Base):
    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    contract: Mapped[Optional[str]] = mapped_column(String(255), index=True, nullable=True)
    search: Mapped[str] = mapped_column(String(600), default="")  # registry.search_key of id, name, contract
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the customer YAML fields, as validated
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # +1 on every save
    __mapper_args__ = {"version_id_col": version}  # every UPDATE checks it (optimistic concurrency)


class LoginAttempts(Base):
    """Sign-in attempts of one key (an account and an address, or an account) since `since`."""

    __tablename__ = "login_attempts"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    since: Mapped[dt.datetime] = mapped_column(DateTime)


class IssuedAnnex(Base):
    """The register: one row per annex of a customer, from its preview to its countersigned PDF
    (`status`); one row per fingerprint, however often it is issued."""

    __tablename__ = "annexes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    matrix_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)  # format -> {"sha256", "size", "name"}
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="issued", index=True)  # web/status.py STORED
    status_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, nullable=True)
    status_by: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    signed_file: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, nullable=True)  # sha256, size, name


class AuditEvent(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text, default="")


class AppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse(mapper, connection, target):
    raise AppendOnly("the audit log is append-only")


def audit(db: Session, actor: str, action: str, subject: str, detail: str = "") -> None:
    db.add(AuditEvent(actor=actor, action=action, subject=subject, detail=detail))


def make_engine(url: str, wait: float = 30.0) -> Engine:
    """An engine for `url`; SQLite gets its folder, WAL, foreign keys and a busy timeout of
    `wait` seconds (then the request is answered 503, retry)."""
    u = make_url(url)
    if u.drivername == "postgresql":  # psycopg 3, not the psycopg2 SQLAlchemy would pick
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() != "sqlite":
        return create_engine(u, pool_pre_ping=True)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, connect_args={"check_same_thread": False, "timeout": wait})

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
        cur.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    from alembic import command
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str, wait: float = 30.0) -> sessionmaker[Session]:
    """A session factory on a migrated database."""
    engine = make_engine(url, wait)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)
