"""Text field types: a length limit and the characters no annex may carry.

Every text field of the model is one of these types, so that a matrix or a customer is
checked the same way whether it comes from YAML, CSV or an imported page. Refused, with the
character and its position named:
- control characters (C0, DEL, C1): invisible in the PDF, invalid in DOCX XML, or terminal
  escapes in log lines; tab and line feed only where text may span lines;
- bidirectional controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C): they let
  a legal name print as another one ("Trojan Source");
- lone surrogates and noncharacters, which cannot be written as UTF-8 or XML.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from ..infra.diagnostics import BIDI, UNPRINTABLE
from ..infra.diagnostics import ONE_LINE as _SINGLE_LINE  # what a one-line field may not hold
from . import limits

_MULTI_LINE = re.compile(f"[{UNPRINTABLE}]")
_C0_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 9: "TAB", 10: "LINE FEED", 11: "VERTICAL TAB", 12: "FORM FEED",
             13: "CARRIAGE RETURN", 27: "ESC", 127: "DEL", 0x85: "NEXT LINE", 0x9B: "CSI"}

RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"{p}{d}" for p in ("com", "lpt") for d in range(10)})


def describe(ch: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: a character a person can look up."""
    name = _C0_NAMES.get(ord(ch)) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def shown(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut short: an error must not echo a megabyte back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]



def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why `value` may not be printed in an annex, or None when it may."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    if found is None:
        return None
    ch, where = found.group(0), found.start() + 1
    if ch in BIDI:
        return (f"bidirectional control character {describe(ch)} at character {where} is not allowed: it can "
                "make the text print in another order than it is stored; remove it")
    if ch in "\t\n\u2028\u2029":
        return f"line break or tab {describe(ch)} at character {where}: this field is one line; remove it"
    if 0xD800 <= ord(ch) <= 0xDFFF or unicodedata.category(ch) == "Cn":
        return f"character {describe(ch)} at character {where} is not a character; remove it"
    return f"control character {describe(ch)} at character {where} is not allowed; remove it"


def reserved_name_problem(name: str) -> str | None:
    """Names Windows keeps for devices (also with an extension), or that it would change."""
    if name.split(".")[0].lower() in RESERVED_NAMES:
        return (f"`{name}` is a name Windows reserves for a device (con, prn, aux, nul, com0-9, lpt0-9) and "
                "cannot name a file or folder there; choose another")
    if name.endswith("."):
        return f"`{name}` ends with `.`, which Windows drops from file names; remove it"
    return None


def _one_line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def _lines(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


def _file_name(value: str) -> str:
    problem = reserved_name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


ONE_LINE = AfterValidator(_one_line)  # with a length, a one-line text field
LINES = AfterValidator(_lines)  # with a length, a text field that may span lines

# written out rather than made by a function, so that type checkers see `str`
Key = Annotated[str, StringConstraints(max_length=limits.MAX_ID), ONE_LINE]  # keys of `roles:`, `signatories:`
Ref = Annotated[str, StringConstraints(max_length=limits.MAX_REF), ONE_LINE]
Name = Annotated[str, StringConstraints(max_length=limits.MAX_NAME), ONE_LINE]
Title = Annotated[str, StringConstraints(max_length=limits.MAX_TITLE), ONE_LINE]
Text = Annotated[str, StringConstraints(max_length=limits.MAX_TEXT), LINES]
Paragraph = Annotated[str, StringConstraints(max_length=limits.MAX_PARAGRAPH), LINES]
RoleText = Annotated[str, StringConstraints(max_length=limits.MAX_ROLE_CELL), ONE_LINE]
FileName = AfterValidator(_file_name)  # add to an id that names a file or folder
