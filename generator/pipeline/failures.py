"""How a failure is told: on one line for the manifest and log lines, and a bug as a bug, never as
the customer's fault. Every front end says "internal error" in these words."""
from __future__ import annotations

from collections.abc import Iterable

from ..infra.diagnostics import Diagnostic, error


def one_line(diagnostics: Iterable[Diagnostic]) -> str:
    """Diagnostics on one line, for the manifest and log lines."""
    return " | ".join(d.format().replace("\n    ", " — ") for d in diagnostics)


def internal_error(what: str) -> str:
    """An unexpected exception, told as what it is: a bug, not the customer's data."""
    return f"internal error (a bug in annex, please report it with this line): {what}"


def bug_line(exc: BaseException) -> str:
    return internal_error(f"{type(exc).__name__}: {exc}")


def bug(exc: BaseException) -> Diagnostic:
    """A bug, as a diagnostic (the web shows those); `bug_line` for the manifest."""
    return error("annex", bug_line(exc))
