"""Accounts: Argon2 with argon2-cffi's own parameters, and the sign-in rate limit (with a clock
the test moves, so nothing waits)."""
from __future__ import annotations

from argon2 import PasswordHasher

from generator.web import accounts
from generator.web.accounts import role_at_least


def test_service_hashes_with_argon2id_at_the_library_defaults():
    assert accounts.__dict__["_DUMMY"].startswith("$argon2id$")
    default = PasswordHasher()
    params = accounts.__dict__["_DUMMY"].split("$")[3]
    assert params == f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}"


def test_sign_in_limit_counts_per_account_and_address_and_forgets_after_the_window(db_url):
    import datetime as dt

    from generator.web.db import open_database
    from generator.web.signin_limit import SignInLimit
    now = [dt.datetime(2025, 1, 1)]
    limit = SignInLimit(open_database(db_url), 3, 300, clock=lambda: now[0])  # SQLite and PostgreSQL
    assert all(limit.attempt("sam", "10.0.0.1") for _ in range(3))
    assert not limit.attempt("Sam", "10.0.0.1")  # the fourth, whatever the case of the name
    assert limit.attempt("leo", "10.0.0.1") and limit.attempt("sam", "10.0.0.2")  # colleague; other address
    now[0] += dt.timedelta(seconds=301)
    assert limit.attempt("sam", "10.0.0.1")
    limit.succeeded("sam", "10.0.0.1")
    assert all(limit.attempt("sam", "10.0.0.1") for _ in range(3))


def test_roles_are_ordered():
    assert role_at_least("admin", "legal") and role_at_least("legal", "sales") and not role_at_least("sales", "legal")
    assert not role_at_least("root", "sales")
