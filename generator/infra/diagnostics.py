"""Problems found in the user's input, told the way a user can act on them.

Every reader and rule reports a `Diagnostic` (where, what, how to fix) instead of raising
half-way: `annex validate` must show every problem at once, and no traceback ever reaches a
user for bad input.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# what no message prints raw (and no annex carries, model/text.py): C0 and C1 controls (ESC
# starts terminal escape sequences) and DEL, lone surrogates and noncharacters, which cannot be
# written as UTF-8 or XML, and the bidirectional controls that reorder what a reader sees
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
UNPRINTABLE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + BIDI  # a character class
ONE_LINE = re.compile(f"[\t\n\u2028\u2029{UNPRINTABLE}]")  # and line breaks and tabs


def printable(value: object, limit: int | None = None) -> str:
    """A value as it may go into a report, a terminal or a log line: control, line-breaking and
    bidirectional characters from the data written as escapes (ESC as `\\x1b`), never sent raw,
    so data can neither drive the terminal nor forge a log line; cut to `limit` characters."""
    text = ONE_LINE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(value))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object) -> str:
    """`printable`, cut to 80 characters: a value of the input quoted inside a message."""
    return printable(value, 80)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where, which field, what is wrong and what would fix it."""

    location: Location
    message: str
    hint: str = ""
    field: str = ""
    severity: str = "error"  # "error" or "warning"
    code: str = ""
    related: tuple[Location, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self) -> str:
        """The message as shown to a user; every part is passed through `printable`."""
        where = printable(self.location)
        parts = [f"{where}: {self.severity}"]
        if self.code:
            parts[0] += f" [{self.code}]"
        parts[0] += ":"
        if self.field:
            parts.append(f"{printable(self.field)}:")
        parts.append(printable(self.message))
        text = " ".join(parts)
        for other in self.related:
            text += f"\n    see also {printable(other)}"
        if self.hint:
            text += f"\n    fix: {printable(self.hint)}"
        return text


class InputError(Exception):
    """Raised when input cannot be used at all; carries the diagnostics that say why.

    `unreadable` distinguishes "could not even read it" (exit 2: missing file, invalid YAML)
    from "read it, but it breaks a rule" (exit 1).
    """

    def __init__(self, diagnostics: Iterable[Diagnostic], unreadable: bool = False):
        self.diagnostics = list(diagnostics)
        self.unreadable = unreadable
        super().__init__("\n".join(d.format() for d in self.diagnostics))


@dataclass
class Report:
    """Diagnostics collected across many files, in a stable order."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    unreadable: bool = False

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.location, d.message))


def error(path: str | Path, message: str, *, line: int = 0, column: int = 0, hint: str = "",
          field: str = "", code: str = "", related: tuple[Location, ...] = ()) -> Diagnostic:
    return Diagnostic(Location(str(path), line, column), message, hint, field, "error", code, related)


def warning(path: str | Path, message: str, *, line: int = 0, column: int = 0, hint: str = "",
            field: str = "", code: str = "", related: tuple[Location, ...] = ()) -> Diagnostic:
    return Diagnostic(Location(str(path), line, column), message, hint, field, "warning", code, related)
