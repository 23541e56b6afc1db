"""Read a YAML file safely and remember where every value came from.

PyYAML gives plain Python values or nodes with positions, never both; the model wants plain
values and the diagnostics want file:line:column for any field. This module composes the node
tree once and keeps a map from each value's path (keys and list indices) to its position.
It also refuses what a hand-edited data file never needs and an attacker would use: anchors
and aliases (a few lines can expand to gigabytes), duplicate keys, non-UTF-8 bytes, huge files.
"""
from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..model.limits import MAX_FILE_BYTES, MAX_NESTING
from ..model.text import describe
from .diagnostics import InputError, Location, error, quoted

MAX_BYTES = MAX_FILE_BYTES  # a matrix of a few hundred rows is ~50 KiB

Path_ = tuple[Any, ...]


@dataclass
class YamlDocument:
    """Plain data from one YAML file and the position of each of its values."""

    path: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Path_, *, key: bool = False) -> Location:
        """The position of the value at `loc`, or of its nearest ancestor that exists."""
        loc = tuple(loc)
        while True:
            table = self.key_positions if key and loc in self.key_positions else self.positions
            if loc in table:
                line, column = table[loc]
                return Location(self.path, line, column)
            if not loc:
                return Location(self.path, 1, 1)
            loc = loc[:-1]


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every way it can fail into a located diagnostic.

    Only regular files are read (a FIFO, a device such as /dev/zero, a socket or a folder is
    refused at once, never waited on), and the size limit holds on the bytes actually read."""
    return decode_text(read_bytes(path, max_bytes=max_bytes, what=what), path)


def decode_text(raw: bytes, path: str | Path) -> str:
    """The text of a file's bytes (UTF-8, a BOM dropped); a located diagnostic when they are not
    UTF-8. For a reader that needs the bytes too (their SHA-256) without reading the file twice."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([error(Path(path), f"is not UTF-8 (byte 0x{raw[exc.start]:02x} cannot be decoded)",
                                line=line, column=column,
                                hint="save the file as UTF-8 in your editor")], unreadable=True) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(p: Path, mode: int, what: str) -> InputError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    hint = ("name a file, or pass the folder to `annex validate`" if stat.S_ISDIR(mode)
            else "annex reads only regular files; save the data to a file and name that file")
    return InputError([error(p, f"is {kind}, expected a {what}", hint=hint)], unreadable=True)


def read_bytes(path: str | Path, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `max_bytes`: every input annex reads (YAML, CSV,
    PDF, DOCX, keys, passphrases) comes through here. The file is checked before and after
    opening (O_NONBLOCK: opening a FIFO must not wait for a writer); a device, a FIFO, a socket
    or a folder is refused at once, and the limit holds on the bytes actually read."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(p, mode, what)
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError([error(p, "no such file", hint="check the path and the current folder")],
                         unreadable=True) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError([error(p, f"cannot be read: {reason}")], unreadable=True) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # replaced between stat and open
            raise _not_regular(p, info.st_mode, what)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError([error(p, f"cannot be read: {exc.strerror}")], unreadable=True) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise InputError([error(p, f"is {max(size, info.st_size):,} bytes, over the limit of {max_bytes:,}",
                                hint=f"check that it is the right file (a {what}); the limits are in README.md, "
                                     "Limits")],
                         unreadable=True)
    return b"".join(chunks)


def load_yaml(path: str | Path, *, max_bytes: int = MAX_BYTES, text: str | None = None) -> YamlDocument:
    """Parse one YAML document into plain data with positions; raise InputError(unreadable)."""
    path = str(path)
    if text is None:
        text = read_text(path, max_bytes=max_bytes, what="YAML file")
    if not text.strip():
        raise _empty(path)
    problems = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise InputError([_too_deep(path, event)], unreadable=True)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor is not None:
                mark = event.start_mark
                assert mark is not None  # the parser marks every event
                kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
                problems.append(error(path, f"YAML {kind} `{'*' if kind == 'alias' else '&'}{anchor}` is not allowed",
                                      line=mark.line + 1, column=mark.column + 1,
                                      hint="write the value out in full; anchors and aliases are refused "
                                           "because a few of them can expand to gigabytes"))
    except yaml.YAMLError as exc:
        raise InputError([_syntax_error(path, exc, text)], unreadable=True) from None
    if problems:
        raise InputError(problems, unreadable=True)

    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:  # comments only
            raise _empty(path)
        doc = YamlDocument(path, None)
        doc.data = _plain(loader, root, (), doc, problems)
    except yaml.YAMLError as exc:
        raise InputError([_syntax_error(path, exc, text)], unreadable=True) from None
    finally:
        loader.dispose()
    if problems:
        raise InputError(problems, unreadable=True)
    return doc


def _empty(path: str) -> InputError:
    return InputError([error(path, "is empty", line=1, hint="write the matrix or customer data in it, see README.md")],
                      unreadable=True)


def _too_deep(path: str, event: yaml.Event) -> Any:
    mark = event.start_mark
    assert mark is not None  # the parser marks every event
    return error(path, f"lists and mappings are nested more than {MAX_NESTING} levels deep",
                 line=mark.line + 1, column=mark.column + 1,
                 hint="no matrix or customer file needs this much nesting; check the brackets")


def _syntax_error(path: str, exc: yaml.YAMLError, text: str) -> Any:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: no mark, a position
        return _reader_error(path, exc, text)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return error(path, message, line=mark.line + 1 if mark else 0, column=mark.column + 1 if mark else 0,
                 hint="check indentation and quoting; a value with `: ` or starting with `*`, `&`, `[` "
                      "or `{` must be quoted")


def _reader_error(path: str, exc: Any, text: str) -> Any:
    before = text[: exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    ch = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1] or "?"
    kind = "control character" if unicodedata.category(ch) == "Cc" else "character"
    return error(path, f"{kind} {describe(ch)} is not allowed in a data file", line=line, column=column,
                 hint="remove it; it is invisible in an editor and has no place in an annex")


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A scalar's value; what YAML recognises but cannot build (an impossible date such as
    2025-02-30, an integer of thousands of digits) stays the text written, for the model to
    refuse with the field named: one customer's bad date fails that customer alone."""
    try:
        return loader.construct_object(node)
    except (ValueError, OverflowError):
        return node.value


def _plain(loader: yaml.SafeLoader, node: yaml.Node, loc: Path_, doc: YamlDocument, problems: list) -> Any:
    doc.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(error(doc.path, "a mapping key must be a plain word",
                                      line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1))
                continue
            key = _scalar(loader, key_node)
            if not isinstance(key, str):
                key = key_node.value
            if key in result:
                first = doc.key_positions[loc + (key,)]
                problems.append(error(doc.path, f"key `{quoted(key)}` appears twice in the same mapping",
                                      line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1,
                                      related=(Location(doc.path, *first),),
                                      hint="remove one of them; YAML would silently keep only the last"))
                continue
            doc.key_positions[loc + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _plain(loader, value_node, loc + (key,), doc, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item, loc + (i,), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(loader, node)
