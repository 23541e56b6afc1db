"""Users, passwords, sessions and API tokens (the sign-in limit: signin_limit.py).

Passwords are hashed with Argon2 (argon2-cffi's defaults, rehashed when they change). Session
cookies and API tokens are random secrets that the database holds only as SHA-256 digests:
a stolen database copy signs no one in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import ROLES
from .db import ApiToken, User, WebSession, audit, utcnow

NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# verified against when the name is unknown, so that a wrong name costs as long as a wrong password
_DUMMY = _hasher.hash("annex-dummy-password")


class AccountError(ValueError):
    """A refused account operation; the message says what to change."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def role_at_least(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def add_user(db: Session, name: str, password: str, role: str, *, lang: str = "en", actor: str = "cli") -> User:
    if not NAME.match(name):
        raise AccountError(f"user name `{name}` may use only letters, digits, '.', '_', '@' and '-' (64 at most)")
    if role not in ROLES:
        raise AccountError(f"role `{role}` is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is {len(password)} characters; use {MIN_PASSWORD} or more")
    if db.scalar(select(User).where(User.name == name)):
        raise AccountError(f"user `{name}` exists already")
    user = User(name=name, password_hash=_hasher.hash(password), role=role, lang=lang, active=True)
    db.add(user)
    audit(db, actor, "user-add", name, f"role={role}")
    return user


def set_password(db: Session, user: User, password: str, *, actor: str) -> None:
    """A new password; every open session of the user ends (a reset locks out whoever had one)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is {len(password)} characters; use {MIN_PASSWORD} or more")
    user.password_hash = _hasher.hash(password)
    db.query(WebSession).filter(WebSession.user_id == user.id).delete()
    audit(db, actor, "password", user.name)


def check_password(db: Session, name: str, password: str) -> Optional[User]:
    """The active user with this name and password, else None (same cost either way)."""
    user = db.scalar(select(User).where(User.name == name))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def create_token(db: Session, name: str, *, actor: str = "cli") -> str:
    """A new API token for user `name`; returned once, stored only as a digest."""
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError(f"no user `{name}`; create it first with `annex user add {name} --role ROLE`")
    token = "annex_" + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=digest(token)))
    audit(db, actor, "token-create", name)
    return token


def user_for_token(db: Session, token: str) -> Optional[User]:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return user if user and user.active else None


def open_session(db: Session, user: User, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    db.add(WebSession(token_hash=digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                      expires_at=utcnow() + dt.timedelta(hours=hours)))
    return token


def session_of(db: Session, token: str) -> Optional[tuple[WebSession, User]]:
    s = db.get(WebSession, digest(token))
    if s is None or s.expires_at < utcnow():
        return None
    user = db.get(User, s.user_id)
    return (s, user) if user and user.active else None


def close_session(db: Session, token: str) -> None:
    s = db.get(WebSession, digest(token))
    if s is not None:
        db.delete(s)
