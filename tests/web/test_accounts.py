"""Accounts: Argon2 with argon2-cffi's own parameters, and the sign-in rate limit (with a clock
the test moves, so nothing waits)."""
from __future__ import annotations

from argon2 import PasswordHasher

from generator.web import accounts
from generator.web.accounts import RateLimit, role_at_least


def test_service_hashes_with_argon2id_at_the_library_defaults():
    assert accounts.__dict__["_DUMMY"].startswith("$argon2id$")
    default = PasswordHasher()
    params = accounts.__dict__["_DUMMY"].split("$")[3]
    assert params == f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}"


def test_rate_limit_blocks_after_the_limit_and_forgets_after_the_window():
    now = [0.0]
    limit = RateLimit(3, 300, clock=lambda: now[0])
    for _ in range(3):
        assert not limit.blocked("name:sam", "ip:1")
        limit.failed("name:sam", "ip:1")
    assert limit.blocked("name:sam") and limit.blocked("ip:1") and not limit.blocked("name:leo", "ip:2")
    now[0] = 299.0
    assert limit.blocked("name:sam")
    now[0] = 301.0
    assert not limit.blocked("name:sam", "ip:1")


def test_success_clears_the_name_but_not_the_address():
    limit = RateLimit(2, 300, clock=lambda: 0.0)
    limit.failed("name:sam", "ip:1")
    limit.failed("name:sam", "ip:1")
    limit.succeeded("name:sam")
    assert not limit.blocked("name:sam") and limit.blocked("ip:1")


def test_roles_are_ordered():
    assert role_at_least("admin", "legal") and role_at_least("legal", "sales") and not role_at_least("sales", "legal")
    assert not role_at_least("root", "sales")
