"""Accounts: passwords stored as Argon2id hashes that verify, rehashed when the parameters
change, never cheaper than OWASP's minimum in the service; and the sign-in limit (with a clock
the test moves, so nothing waits)."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from generator.web import accounts
from generator.web.accounts import AccountError, add_user, check_password, role_at_least
from generator.web.db import open_database

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path):
    with open_database(f"sqlite:///{tmp_path / 'web.db'}")() as session:
        yield session


def test_the_service_never_hashes_cheaper_than_owasps_argon2id_minimum():
    """The module's own hasher (the tests' cheap one is patched in after import): Argon2id with
    at least 19 MiB and 2 passes, OWASP's floor; lowering it fails here."""
    params = extract_parameters(accounts.__dict__["_DUMMY"])
    assert params.type.name == "ID" and params.memory_cost >= 19 * 1024 and params.time_cost >= 2


def test_a_password_is_stored_as_a_hash_that_verifies_and_only_it_signs_in(db):
    user = add_user(db, "sam", PASSWORD, "sales")
    db.commit()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert check_password(db, "sam", PASSWORD) is user
    assert check_password(db, "sam", PASSWORD + "!") is None
    assert check_password(db, "nobody", PASSWORD) is None
    user.active = False
    assert check_password(db, "sam", PASSWORD) is None


def test_a_hash_made_with_other_parameters_is_rehashed_at_sign_in(db):
    user = add_user(db, "sam", PASSWORD, "sales")
    old = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    user.password_hash = old
    assert check_password(db, "sam", PASSWORD) is user
    assert user.password_hash != old and not accounts._hasher.check_needs_rehash(user.password_hash)
    assert check_password(db, "sam", PASSWORD) is user


def test_short_passwords_and_bad_names_are_refused(db):
    with pytest.raises(AccountError, match="10 or more"):
        add_user(db, "sam", "short", "sales")
    with pytest.raises(AccountError, match="may use only"):
        add_user(db, "sam smith", PASSWORD, "sales")


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
