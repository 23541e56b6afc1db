"""Read a published Markdown page of a RACI matrix into the model.

The pages are written by hand over years, so they vary (see the tests): front matter or not,
`#` title or not, legend table in any of five languages or none, `##`/`###` nesting, several
tables per section, header rows worded differently, role cells spelled a dozen ways, notes
under tables, Docusaurus callouts (`:::warning[Title]`, read with mdit-py-plugins' container
plugin), blockquotes and bullet or numbered lists (nested one level), kept where the page has them. The
page is parsed by markdown-it-py (CommonMark with tables and front matter); each block token carries its line
numbers, so anything the model cannot hold (a code block, raw HTML, a list nested two levels) is an error
naming its line: nothing on a page is dropped, and an import that would lose text fails. `lenient` turns
those errors into warnings (the block is then left out), for a first look at a page of a new kind.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..i18n import labels
from ..infra.diagnostics import Diagnostic, InputError, error, warning
from ..infra.yamlsource import read_text
from ..model import CALLOUT_KINDS, LANGUAGES
from ..model.roles import parse_roles

# Docusaurus admonitions: `:::warning[Title]`, or `:::note Title` (older syntax), or no title
CALLOUT = re.compile(r"^\s*([A-Za-z]+)(?:\[(.*)\]|\s+(.*?))?\s*$")
_md = (MarkdownIt("commonmark").enable("table").use(front_matter_plugin)
       .use(container_plugin, "callout", validate=lambda params, *_: bool(CALLOUT.match(params))))

ROLE_WORDS = {"rôle", "role", "rolle", "rol", "ruolo", "del", "de", "di", "der", "des", "du"}
ACTIVITY_WORDS = {"activité", "activity", "aktivität", "actividad", "attività", "activite", "tätigkeit"}
LEGEND_ROW = re.compile(r"^\(([A-Z])\)\s*(.*)$")
STOP_WORDS = {"le", "la", "les", "de", "des", "du", "l", "d", "a", "et", "en", "sur", "au", "aux", "pour", "un",
              "une", "que", "est"}
_DOUBLE_UNDERSCORE = re.compile(r"__(?=\S)(.+?)(?<=\S)__")
_EMPHASIS_ONLY = re.compile(r"^[*_]+|[*_]+$")


@dataclass
class _Section:
    title: str
    level: int
    line: int
    intro: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    pending: list = field(default_factory=list)  # blocks after the last table read so far: its notes
    sections: list = field(default_factory=list)
    tables: int = 0

    def data(self) -> dict:
        out: dict = {"title": self.title}
        if self.intro:
            out["intro"] = self.intro
        out["activities"] = self.activities
        if self.pending:
            out["notes"] = self.pending
        if self.sections:
            out["sections"] = [s.data() for s in self.sections]
        return out


@dataclass
class PageImport:
    """What a page holds, as plain data for the model, and what could not be placed."""

    data: dict
    warnings: list[Diagnostic]
    activity_lines: list[int]  # the line of each activity row, in order


def slug(text: str, words: int = 7) -> str:
    """A stable id from an activity's French text: ascii, lower case, stop words dropped."""
    folded = unicodedata.normalize("NFKD", re.sub(r"[*_]", "", text)).encode("ascii", "ignore").decode().lower()
    tokens = [w for w in re.findall(r"[a-z0-9]+", folded) if w not in STOP_WORDS]
    return "-".join(tokens[:words]) or "activite"


def normalise_inline(source: str) -> str:
    """Inline Markdown as the model stores it: `**bold**`, `*italic*`, literal `*` escaped.

    `__R__éalise` is not emphasis in CommonMark (intraword underscores) but is what the
    authors meant: it is read as `**R**éalise`."""
    return "".join(_serialise(_inline_tokens(source)))


def _inline_tokens(source: str) -> list[Token]:
    source = _DOUBLE_UNDERSCORE.sub(r"**\1**", source.strip())
    return _md.parseInline(source)[0].children or []


_MARKUP = {"strong_open": "**", "strong_close": "**", "em_open": "*", "em_close": "*", "softbreak": "\n",
           "hardbreak": "\\\n"}


def _serialise(tokens: list[Token]) -> list[str]:
    """Inline tokens back to the stored Markdown; a character CommonMark reads as literal (a
    `*` that opens no emphasis: a footnote marker) is escaped, so it stays literal."""
    out: list[str] = []
    links: list[str] = []
    for tok in tokens:
        t = tok.type
        if t in _MARKUP:
            out.append(_MARKUP[t])
        elif t == "text":
            out.append(tok.content.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
                       .replace("|", "\\|"))
        elif t == "code_inline":
            out.append(f"`{tok.content}`")
        elif t == "link_open":
            links.append(str(tok.attrGet("href") or ""))
            out.append("[")
        elif t == "link_close":
            out.append(f"]({links.pop() if links else ''})")
        elif t in ("html_inline", "image"):
            out.append(tok.content)
    return out


def party_label(header: str) -> str:
    """`Rôle Client` -> `Client`, `Kundenrolle` -> `Kunde`, `Cloud Temple-Rolle` -> `Cloud Temple`."""
    text = _EMPHASIS_ONLY.sub("", header.strip()).strip()
    words = text.split()
    if len(words) >= 1 and words[-1].lower().endswith("rolle") and words[-1].lower() != "rolle":
        # German compounds: `Kundenrolle` (with the linking n), `Cloud Temple-Rolle`
        last = words[-1][: -len("rolle")].rstrip("-")
        if last.endswith("en") and len(words) == 1:
            last = last[:-1]
        words[-1] = last
    kept = [w for w in words if w and w.lower() not in ROLE_WORDS]
    return " ".join(kept) or text


def read_page(path: str | Path, *, text: Optional[str] = None, lang: Optional[str] = None,
              lenient: bool = False) -> PageImport:
    """Parse one page; raise InputError if it cannot be read, or if it holds what the model cannot
    (every such block named by its line; with `lenient`, those are warnings and the blocks are left out)."""
    path = str(path)
    if text is None:
        text = read_text(path, what="Markdown page")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lang = lang or _lang_from_name(path)
    if lang not in LANGUAGES:
        raise InputError([error(path, f"cannot tell the page language (`{lang}`)",
                                hint="name the file like raci_x.fr.md or pass --lang "
                                     f"(one of {', '.join(LANGUAGES)})")],
                         unreadable=True)
    return _Reader(path, lang, _md.parse(text), lenient=lenient).read()


class _Reader:
    """One pass over the page's block tokens: a handler per block kind, over this state."""

    def __init__(self, path: str, lang: str, tokens: list[Token], *, lenient: bool = False):
        self.path, self.lang, self.tokens, self.lenient = path, lang, tokens, lenient
        self.data: dict = {"lang": lang, "intro": [], "legend": [], "legend_intro": [], "page": {}}
        self.root: list[_Section] = []
        self.stack: list[_Section] = []
        self.legend_heading: Optional[_Section] = None
        self.parties: list[dict] = []
        self.activity_lines: list[int] = []
        self.warnings: list[Diagnostic] = []
        self.errors: list[Diagnostic] = []  # what the model cannot hold: the import fails (unless lenient)
        self.after_table = False  # the last block of the current section was a table
        self.handlers = {"front_matter": self.front_matter, "heading_open": self.heading, "table_open": self.table,
                         "paragraph_open": self.paragraph, "blockquote_open": self.quote,
                         "container_callout_open": self.callout, "hr": self.rule,
                         "bullet_list_open": self.list_open, "ordered_list_open": self.list_open}

    @property
    def current(self) -> Optional[_Section]:
        return self.stack[-1] if self.stack else None

    def warn(self, line: int, message: str, hint: str = "", code: str = "") -> None:
        self.warnings.append(warning(self.path, message, line=line, hint=hint, code=code))

    def lost(self, line: int, message: str, hint: str) -> None:
        """Text of the page the model cannot hold: an error, or with `lenient` a warning (and the text is left out)."""
        if self.lenient:
            self.warn(line, message + "; left out (--lenient)", hint=hint, code="not-imported")
        else:
            self.errors.append(error(self.path, message, line=line, hint=hint + ", or import with --lenient to "
                                     "leave it out", code="not-imported"))

    def read(self) -> PageImport:
        i = 0
        while i < len(self.tokens):
            tok = self.tokens[i]
            handler = self.handlers.get(tok.type, self.unknown)
            i = handler(i) + 1
        return self.finish()

    # -- handlers: each takes the index of its opening token and returns the index of its last --
    def front_matter(self, i: int) -> int:
        try:
            meta = yaml.safe_load(self.tokens[i].content) or {}
        except yaml.YAMLError as exc:
            raise InputError([error(self.path, f"front matter is not valid YAML: {exc}", line=1)],
                             unreadable=True) from None
        if not isinstance(meta, dict):
            self.lost(1, "front matter is not a mapping of keys (title:, slug:, ...)",
                      hint="write it as `key: value` lines between the `---` lines")
            meta = {}
        if meta.get("title"):
            self.data["title"] = str(meta["title"])
        self.data["page"] = {str(k): str(v) for k, v in meta.items() if k != "title"}
        return i

    def heading(self, i: int) -> int:
        tok = self.tokens[i]
        level, title, line = int(tok.tag[1]), normalise_inline(self.tokens[i + 1].content), _line_of(tok)
        if level == 1:
            if "title" in self.data and self.data["title"] != title:
                self.lost(line, f"`#` title “{title}” differs from the front matter title “{self.data['title']}”: "
                                "a matrix has one title", hint="give both the same text, or remove one")
            self.data.setdefault("title", title)
            return i + 2
        section = _Section(title, level, line)
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        (self.current.sections if self.current else self.root).append(section)
        self.stack.append(section)
        self.after_table = False
        return i + 2

    def table(self, i: int) -> int:
        end = _close(self.tokens, i, "table_close")
        rows = _table_rows(self.tokens[i:end + 1])
        line = _line_of(self.tokens[i])
        if _is_legend(rows):
            self.legend(rows)
            return end
        current = self.current
        if current is None:
            self.warn(line, "table before any section heading; its rows are imported into a section named after "
                            "the page title")
            current = _Section(self.data.get("title", "—"), 2, line)
            self.root.append(current)
            self.stack.append(current)
        first = len(current.activities)
        _activity_table(rows, current, self.parties, self.warn, self.lost, self.activity_lines)
        if current.pending and len(current.activities) > first:
            # what the page has between two tables stays between them: the new table starts at this row
            current.activities[first]["before"] = current.pending
            current.pending = []
        current.tables += 1
        self.after_table = True
        return end

    def legend(self, rows: list[tuple[int, list[str]]]) -> None:
        for _, cells in rows[1:]:
            m = LEGEND_ROW.match(_EMPHASIS_ONLY.sub("", cells[0]).strip())
            assert m is not None  # _is_legend matched every row
            self.data["legend"].append({"code": m.group(1), "label": m.group(2).strip(),
                                        "description": normalise_inline(cells[1]) if len(cells) > 1 else ""})
        current = self.current
        if current is not None and not current.activities and self.legend_heading is None:
            self.legend_heading = current

    def paragraph(self, i: int) -> int:
        content = self.tokens[i + 1].content
        if self.under_table():
            self.place(_split_notes(content), i)
        else:
            self.place([normalise_inline(content)], i)
        return i + 2

    def quote(self, i: int) -> int:
        end = _close(self.tokens, i, "blockquote_close")
        body = self.body(i + 1, end)
        if body:
            self.place([{"quote": body}], i)
        return end

    def callout(self, i: int) -> int:
        end = _close(self.tokens, i, "container_callout_close")
        m = CALLOUT.match(self.tokens[i].info)
        assert m is not None  # the container's validate matched it
        kind, title = m.group(1).lower(), (m.group(2) if m.group(2) is not None else m.group(3) or "").strip()
        if kind not in CALLOUT_KINDS:
            self.warn(_line_of(self.tokens[i]), f"callout kind `{kind}` is not one of {', '.join(CALLOUT_KINDS)}; "
                                                "read as `note`", hint="use one of the Docusaurus kinds")
            kind = "note"
        block: dict = {"kind": kind}
        if title:
            block["title"] = normalise_inline(title)
        block["body"] = self.body(i + 1, end)
        self.place([block], i)
        return end

    def rule(self, i: int) -> int:
        return i

    def list_open(self, i: int) -> int:
        end = _close(self.tokens, i, self.tokens[i].type.replace("_open", "_close"))
        block = self.list_block(i, end)
        if block is not None:
            self.place([block], i)
        return end

    def unknown(self, i: int, what: str = "") -> int:
        tok = self.tokens[i]
        if not tok.map:
            return i
        what = what or tok.type.replace("_open", "").replace("_", " ")
        first, last = tok.map[0] + 1, tok.map[1]
        lines = f"line {first}" if last <= first else f"lines {first}-{last}"
        self.lost(first, f"{what} ({lines}) cannot be held by the matrix",
                  hint="write it as paragraphs, a list nested at most one level, a callout or a quote")
        return _skip(self.tokens, i)

    # -- where blocks go --
    def under_table(self) -> bool:
        current = self.current
        return current is not None and current is not self.legend_heading and bool(
            current.activities or self.after_table)

    def place(self, blocks: list, i: int) -> None:
        """Into the page intro, the legend intro, the section intro, or after the last table."""
        current = self.current
        if current is None:
            self.data["intro"].extend(blocks)
        elif current is self.legend_heading or (not current.activities and not self.after_table
                                                and _legend_ahead(self.tokens, i)):
            self.data["legend_intro"].extend(blocks)
        elif self.under_table():
            current.pending.extend(blocks)
        else:
            current.intro.extend(blocks)

    def body(self, start: int, end: int) -> list:
        """Paragraphs and lists inside a callout or a quote; anything else is `lost`."""
        out: list = []
        k = start
        while k < end:
            tok = self.tokens[k]
            if tok.type == "paragraph_open":
                out.append(normalise_inline(self.tokens[k + 1].content))
                k += 3
                continue
            if tok.type in ("bullet_list_open", "ordered_list_open"):
                close = _close(self.tokens, k, tok.type.replace("_open", "_close"))
                block = self.list_block(k, close)
                if block is not None:
                    out.append(block)
                k = close + 1
                continue
            k = self.unknown(k) + 1
        return out

    def list_block(self, start: int, end: int, *, nested: bool = False) -> Optional[dict]:
        """A list and, under its items, lists one level deep; an item's paragraphs are joined by hard
        breaks. What else an item holds (a deeper list, a table, code) is `lost`."""
        items: list = []
        k = start + 1
        while k < end:
            close = _close(self.tokens, k, "list_item_close")
            items.append(self.list_item(k, close, nested=nested))
            k = close + 1
        if not items:
            return None
        block: dict = {"items": items}
        opening = self.tokens[start]
        if opening.type == "ordered_list_open":
            block["ordered"] = True
            first = int(opening.attrGet("start") or 1)
            if first != 1:
                block["start"] = first
        return block

    def list_item(self, start: int, end: int, *, nested: bool) -> str | dict:
        """One item: its text, or {text, items, ordered, start} when a list is under it."""
        paragraphs: list[str] = []
        sublist: Optional[dict] = None
        k = start + 1
        while k < end:
            tok = self.tokens[k]
            if tok.type == "paragraph_open" and sublist is None:
                paragraphs.append(normalise_inline(self.tokens[k + 1].content))
                k += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open") and not nested and sublist is None:
                close = _close(self.tokens, k, tok.type.replace("_open", "_close"))
                sublist = self.list_block(k, close, nested=True)
                k = close + 1
            else:
                k = self.unknown(k, _misplaced(tok, nested=nested, after_list=sublist is not None)) + 1
        text = "\\\n".join(paragraphs)
        if sublist is None:
            return text
        return {"text": text, **sublist}

    def finish(self) -> PageImport:
        data = self.data
        if self.legend_heading is not None:
            data["legend_title"] = self.legend_heading.title
            if self.legend_heading in self.root:
                self.root.remove(self.legend_heading)
        if not data["legend"]:
            # the annex prints the standard legend (annex.build_annex); the matrix keeps what the page has
            self.warn(1, f"no role legend on the page: the standard R/A/C/I legend in `{self.lang}` is used",
                      code="standard-legend")
        data["parties"] = self.parties or [{"id": "customer", "label": labels(self.lang).customer},
                                           {"id": "provider", "label": labels(self.lang).provider}]
        data["sections"] = [s.data() for s in self.root]
        for key in ("legend", "legend_intro", "intro", "page"):
            if not data[key]:
                del data[key]
        if self.errors:
            raise InputError(self.errors + self.warnings)
        return PageImport(data, self.warnings, self.activity_lines)


def _misplaced(tok: Token, *, nested: bool, after_list: bool) -> str:
    """What a list item holds that the model cannot, in the words of the error ("" : the block's kind)."""
    if tok.type in ("bullet_list_open", "ordered_list_open"):
        return "a list nested two levels deep" if nested else "a second list under one item"
    if tok.type == "paragraph_open" and after_list:
        return "a paragraph after the nested list of an item"
    return ""


def _line_of(tok: Token) -> int:
    return (tok.map[0] + 1) if tok.map else 0


def _is_legend(rows: list[tuple[int, list[str]]]) -> bool:
    """A role legend table: every body row's first cell reads `(R) Réalise`."""
    return len(rows) > 1 and all(r[1] and LEGEND_ROW.match(_EMPHASIS_ONLY.sub("", r[1][0]).strip()) for r in rows[1:])


def _lang_from_name(path: str) -> str:
    parts = Path(path).name.split(".")
    return parts[-2] if len(parts) >= 3 else ""


def _close(tokens: list[Token], start: int, closing: str) -> int:
    depth = 0
    opening = closing.replace("_close", "_open")
    for k in range(start, len(tokens)):
        if tokens[k].type == opening:
            depth += 1
        elif tokens[k].type == closing:
            depth -= 1
            if depth == 0:
                return k
    return len(tokens) - 1


def _skip(tokens: list[Token], start: int) -> int:
    tok = tokens[start]
    if tok.nesting == 1:
        return _close(tokens, start, tok.type.replace("_open", "_close"))
    return start


def _table_rows(tokens: list[Token]) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    cells: list[str] = []
    line = 0
    for tok in tokens:
        if tok.type == "tr_open":
            cells, line = [], (tok.map[0] + 1 if tok.map else 0)
        elif tok.type == "inline":
            cells.append(tok.content)
        elif tok.type == "tr_close":
            rows.append((line, cells))
    return rows


def _legend_ahead(tokens: list[Token], start: int) -> bool:
    """Is the next table a legend table (before any other heading)?"""
    for k in range(start, len(tokens)):
        if tokens[k].type == "heading_open":
            return False
        if tokens[k].type == "table_open":
            return _is_legend(_table_rows(tokens[k:_close(tokens, k, "table_close") + 1]))
    return False


def _activity_table(rows: list[tuple[int, list[str]]], section: _Section, parties: list[dict],
                    warn: Callable[..., None], lost: Callable[..., None], activity_lines: list[int]) -> None:
    header_line, header = rows[0]
    labels_here = [party_label(normalise_inline(h).replace("\\", "")) for h in header[1:]]
    first = _EMPHASIS_ONLY.sub("", header[0]).strip().lower()
    if first not in ACTIVITY_WORDS:
        warn(header_line, f"first header cell “{header[0].strip()}” is not the activity column's usual name; "
                          "the column is read as the activities")
    if not parties:
        ids = ["customer", "provider"] if len(labels_here) == 2 else [slug(lab, 3) or f"party-{n + 1}"
                                                                      for n, lab in enumerate(labels_here)]
        parties.extend({"id": pid, "label": lab, "header": _EMPHASIS_ONLY.sub("", h).strip()}
                       for pid, lab, h in zip(ids, labels_here, header[1:], strict=False))
    elif len(labels_here) != len(parties):
        warn(header_line, f"this table has {len(labels_here)} party columns where the page's first table has "
                          f"{len(parties)}; columns are matched by position")
    else:
        for party, label in zip(parties, labels_here, strict=True):
            if label.lower() != party["label"].lower():
                warn(header_line, f"column “{label}” is read as party “{party['label']}” (same position as in the "
                                  "first table)")
    for line, cells in rows[1:]:
        text = normalise_inline(cells[0]) if cells else ""
        if not text:
            if any(c.strip() for c in cells[1:]):  # roles without an activity: the row says something
                lost(line, "row with roles but an empty activity cell", hint="write the activity or remove the row")
            else:
                warn(line, "empty row; skipped", hint="remove the row")
            continue
        roles: dict[str, str | None] = {}
        for n, party in enumerate(parties):
            raw = cells[n + 1] if n + 1 < len(cells) else ""
            clean = _DOUBLE_UNDERSCORE.sub(r"\1", raw.strip())
            clean = re.sub(r"\*\*(.+?)\*\*", r"\1", clean)
            clean = re.sub(r"(?<![\w)])\*(\(?\w\)?)\*", r"\1", clean).strip()
            parsed = parse_roles(clean)
            if parsed.unknown:
                warn(line, f"role cell “{raw.strip()}” for {party['label']} holds “{parsed.unknown}”, not role "
                           "letters; kept as written so that validation flags it",
                     hint="replace it with role letters (R, A, C, I) or leave the cell empty")
                roles[party["id"]] = clean
            else:
                roles[party["id"]] = str(parsed) or None
        section.activities.append({"text": text, "roles": roles})
        activity_lines.append(line)


def _split_notes(content: str) -> list[str]:
    """A paragraph under a table: one note per hard line break; soft breaks stay in the note.
    Emphasis open across a break (an italic note of two lines) is closed before it and
    reopened after it; a `*` that CommonMark keeps literal stays a literal star."""
    notes: list[str] = []
    piece: list[Token] = []
    open_marks: list[Token] = []
    for tok in _inline_tokens(content):
        if tok.type == "hardbreak":
            closers = [Token(o.type.replace("_open", "_close"), o.tag, -1) for o in reversed(open_marks)]
            notes.append("".join(_serialise(piece + closers)).strip())
            piece = list(open_marks)
            continue
        if tok.type in ("strong_open", "em_open"):
            open_marks.append(tok)
        elif tok.type in ("strong_close", "em_close") and open_marks:
            open_marks.pop()
        piece.append(tok)
    notes.append("".join(_serialise(piece)).strip())
    return [n for n in notes if n.strip("*")]
