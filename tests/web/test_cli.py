"""`annex user add` and `annex token create`: password from stdin, the token printed once on its
own line, `--db` and ANNEX_DB, one-line errors and the exit codes of the CLI."""
from __future__ import annotations

from typer.testing import CliRunner

from generator.cli import app
from generator.web.accounts import check_password, user_for_token
from generator.web.db import open_database


def _run(args, stdin="", env=None):
    return CliRunner().invoke(app, args, input=stdin, env=env or {})


def test_user_add_reads_the_password_from_stdin(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    r = _run(["user", "add", "ada", "--role", "admin", "--db", url], "a long enough secret\n")
    assert r.exit_code == 0, r.output
    with open_database(url)() as db:
        assert check_password(db, "ada", "a long enough secret").role == "admin"


def test_token_create_prints_one_line_that_authenticates(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    env = {"ANNEX_DB": url}
    assert _run(["user", "add", "crm", "--role", "sales"], "a long enough secret\n", env).exit_code == 0
    r = _run(["token", "create", "crm"], env=env)
    assert r.exit_code == 0
    [token] = r.stdout.splitlines()
    with open_database(url)() as db:
        assert user_for_token(db, token).name == "crm"


def test_default_database_is_sqlite_under_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ANNEX_DB", raising=False)
    r = _run(["user", "add", "ada", "--role", "admin", "--data", str(tmp_path)], "a long enough secret\n")
    assert r.exit_code == 0 and (tmp_path / "web" / "annex.sqlite3").is_file()


def test_refusals_are_one_line_with_exit_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    r = _run(["user", "add", "ada", "--role", "boss", "--db", url], "a long enough secret\n")
    assert r.exit_code == 1 and "sales, legal, admin" in r.output and "Traceback" not in r.output
    r = _run(["user", "add", "ada", "--role", "admin", "--db", url], "short\n")
    assert r.exit_code == 1 and "10 or more" in r.output
    r = _run(["token", "create", "ghost", "--db", url])
    assert r.exit_code == 1 and "annex user add ghost" in r.output
    r = _run(["token", "create", "ghost", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert r.exit_code == 2 and "cannot open the database" in r.output and "Traceback" not in r.output
