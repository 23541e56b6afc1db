"""The sign-in limit, held in the database so that it holds under concurrency and across
server processes: each attempt is counted by one atomic upsert (INSERT ... ON CONFLICT DO
UPDATE ... RETURNING, on SQLite and PostgreSQL alike) *before* the password is checked, so
twelve wrong passwords sent at once are twelve counted attempts, not twelve checked ones.

Keys: the account and the client address (a user locked out does not lock out the colleagues
behind the same address), and the account alone at a higher limit (guesses spread over many
addresses).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .db import LoginAttempts, utcnow

ACCOUNT_FACTOR = 4  # the account alone, from any address: this many times the per-address limit


class SignInLimit:
    def __init__(self, sessions: sessionmaker[Session], limit: int, window: float,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.sessions, self.limit, self.window, self.clock = sessions, limit, window, clock

    def _keys(self, name: str, address: str) -> list[tuple[str, int]]:
        account = name.casefold()[:64]
        return [(f"{account}|{address[:100]}", self.limit), (account, self.limit * ACCOUNT_FACTOR)]

    def attempt(self, name: str, address: str) -> bool:
        """Count one attempt; False when it is over the limit (then refuse it unchecked)."""
        with self.sessions.begin() as db:  # committed at once: concurrent attempts see it
            return all(self._hit(db, key) <= most for key, most in self._keys(name, address))

    def succeeded(self, name: str, address: str) -> None:
        """A right password from this address clears its count (not the account's)."""
        key = self._keys(name, address)[0][0]
        with self.sessions.begin() as db:
            db.query(LoginAttempts).filter(LoginAttempts.key == key).delete()

    def _hit(self, db: Session, key: str) -> int:
        now = self.clock()
        cutoff = now - dt.timedelta(seconds=self.window)
        table: Any = LoginAttempts.__table__
        insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
        stale = table.c.since < cutoff
        counted = insert(table).values(key=key, count=1, since=now).on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((stale, 1), else_=table.c["count"] + 1),
                  "since": case((stale, now), else_=table.c.since)},
        ).returning(table.c["count"])
        return int(db.execute(counted).scalar_one())
