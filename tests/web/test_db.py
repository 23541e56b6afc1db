"""The database on SQLite and on a real PostgreSQL: the migration, the models, the register,
and the audit log that neither the ORM nor plain SQL can change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from generator.web.accounts import add_user, check_password, create_token, user_for_token
from generator.web.db import AppendOnly, AuditEvent, CustomerRow, User, audit, make_engine, migrate, open_database
from generator.web.generate import Result
from generator.web.registry import history, register, save_customer, search_customers


def test_migration_makes_every_table_and_runs_twice(db_url):
    sessions = open_database(db_url)
    migrate(sessions.kw["bind"])  # a second run on an up-to-date database changes nothing
    tables = set(sa.inspect(sessions.kw["bind"]).get_table_names())
    assert {"users", "api_tokens", "sessions", "customers", "annexes", "audit_log", "alembic_version"} <= tables


def test_users_tokens_and_register_round_trip(db_url):
    from generator.model import Customer
    sessions = open_database(db_url)
    with sessions.begin() as db:
        add_user(db, "sam", "correct horse battery", "sales")
        token = create_token(db, "sam")
        c = Customer(id="acme", name="ACME Électricité SA", contract="CT-9", lang="fr", matrices=["s3-object-storage"])
        save_customer(db, c, "sam")
    with sessions.begin() as db:
        assert check_password(db, "sam", "correct horse battery").name == "sam"
        assert check_password(db, "sam", "wrong password!!") is None
        assert user_for_token(db, token).name == "sam"
        assert user_for_token(db, token + "x") is None
        assert [r.id for r in search_customers(db, "électricité")] == ["acme"]
        assert [r.id for r in search_customers(db, "ELECTRICITE")] == ["acme"]
        assert search_customers(db, "%") == [] and search_customers(db, "_") == []
        assert [r.id for r in search_customers(db, "ct-9")] == ["acme"]
        row, new = register(db, "acme", Result("s3-object-storage", "fr", "1.0.0", "ab" * 32,
                                          files={"pdf": {"sha256": "cd" * 32, "size": 1, "name": "x.pdf"}}), "sam")
        again, twice = register(db, "acme", Result("s3-object-storage", "fr", "1.0.0", "ab" * 32, files={}), "leo")
        assert new and not twice and again.id == row.id  # one register row per fingerprint
    with sessions.begin() as db:
        [found] = history(db, "acme")
        assert (found.id, found.files["pdf"]["size"], found.signed, found.status) == (row.id, 1, False, "issued")
        assert history(db, "other") == []
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["user-add", "token-create", "customer-create", "issue"]


def test_stored_secrets_are_digests_and_hashes(db_url):
    sessions = open_database(db_url)
    with sessions.begin() as db:
        add_user(db, "sam", "correct horse battery", "sales")
        token = create_token(db, "sam")
    with sessions.kw["bind"].connect() as conn:
        dump = " ".join(str(v) for table in ("users", "api_tokens")
                        for row in conn.execute(sa.text(f"SELECT * FROM {table}")) for v in row)
    assert "correct horse battery" not in dump and token not in dump
    assert "$argon2id$" in dump


def test_audit_log_refuses_changes_through_the_orm(db_url):
    sessions = open_database(db_url)
    with sessions.begin() as db:
        audit(db, "sam", "login", "session")
    with pytest.raises(AppendOnly):
        with sessions.begin() as db:
            db.scalar(select(AuditEvent)).actor = "someone else"
    with pytest.raises(AppendOnly):
        with sessions.begin() as db:
            db.delete(db.scalar(select(AuditEvent)))


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"])
def test_audit_log_refuses_changes_in_plain_sql(db_url, statement):
    sessions = open_database(db_url)
    with sessions.begin() as db:
        audit(db, "sam", "login", "session")
    engine = sessions.kw["bind"]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT actor FROM audit_log")).scalars().all() == ["sam"]


def test_user_names_are_unique_in_the_database(db_url):
    sessions = open_database(db_url)
    with sessions.begin() as db:
        add_user(db, "sam", "correct horse battery", "sales")
    with pytest.raises(sa.exc.IntegrityError):
        with sessions.begin() as db:
            db.add(User(name="sam", password_hash="x", role="sales", lang="en", active=True))


def test_sqlite_is_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'annex.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_customer_update_is_audited_only_when_it_changes(db_url):
    from generator.model import Customer
    sessions = open_database(db_url)
    c = Customer(id="acme", name="ACME", lang="fr")
    with sessions.begin() as db:
        assert save_customer(db, c, "sam")[1] is True
        assert save_customer(db, c, "sam")[1] is False
        save_customer(db, c.model_copy(update={"name": "ACME SA"}), "leo")
    with sessions.begin() as db:
        assert db.get(CustomerRow, "acme").name == "ACME SA"
        assert [e.action for e in db.scalars(select(AuditEvent))] == ["customer-create", "customer-update"]


def test_the_status_migration_keeps_signed_annexes_signed(db_url):
    """A register made before statuses: its signed annex becomes countersigned, the others issued."""
    import datetime as dt
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    import generator.web.db as webdb
    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(webdb.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        now = dt.datetime(2026, 1, 1)
        conn.execute(sa.text("INSERT INTO customers (id, name, contract, search, data, updated_at, updated_by) "
                                 "VALUES ('acme', 'ACME', NULL, 'acme', '{}', :t, 'x')"), {"t": now})
        for aid, signed in ((1, True), (2, False)):
            conn.execute(sa.text("INSERT INTO annexes (id, customer_id, matrix_id, lang, version, fingerprint, files, "
                                 "created_at, created_by, signed) VALUES (:i, 'acme', 'm', 'fr', '1', 'f', '{}', :t, "
                                 "'x', :s)"), {"i": aid, "t": now, "s": signed})
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, status FROM annexes ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "countersigned"), (2, "issued")]
