"""Read a published Markdown page of a RACI matrix into the model.

The pages are written by hand over years, so they vary (see issue 3 and tests): front matter
or not, `#` title or not, legend table in any of five languages or none, `##`/`###` nesting,
several tables per section, header rows worded differently, role cells spelled a dozen ways,
notes under tables, blockquote callouts. The page is parsed by markdown-it-py (CommonMark with
tables and front matter); each block token carries its line numbers, so anything that cannot
be placed in the model becomes a warning naming its line: nothing is silently dropped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from ..diagnostics import Diagnostic, InputError, error, warning
from ..i18n import labels
from ..model import LANGUAGES
from ..model.roles import parse_roles

_md = MarkdownIt("commonmark").enable("table").use(front_matter_plugin)

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
    notes: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    tables: int = 0

    def data(self) -> dict:
        out: dict = {"title": self.title}
        if self.intro:
            out["intro"] = self.intro
        out["activities"] = self.activities
        if self.notes:
            out["notes"] = self.notes
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
    source = _DOUBLE_UNDERSCORE.sub(r"**\1**", source.strip())
    tokens = _md.parseInline(source)
    out: list[str] = []
    links: list[str] = []
    for tok in tokens[0].children or []:
        t = tok.type
        if t in ("strong_open", "strong_close"):
            out.append("**")
        elif t in ("em_open", "em_close"):
            out.append("*")
        elif t == "text":
            out.append(tok.content.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
                       .replace("|", "\\|"))
        elif t == "code_inline":
            out.append(f"`{tok.content}`")
        elif t == "softbreak":
            out.append("\n")
        elif t == "hardbreak":
            out.append("\\\n")
        elif t == "link_open":
            links.append(tok.attrGet("href") or "")
            out.append("[")
        elif t == "link_close":
            out.append(f"]({links.pop() if links else ''})")
        elif t in ("html_inline", "image"):
            out.append(tok.content)
    return "".join(out)


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


def read_page(path: str | Path, *, text: Optional[str] = None, lang: Optional[str] = None) -> PageImport:
    """Parse one page; raise InputError only if it cannot be read at all."""
    from ..yamlsource import read_text
    path = str(path)
    if text is None:
        text = read_text(path, what="Markdown page")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lang = lang or _lang_from_name(path)
    if lang not in LANGUAGES:
        raise InputError([error(path, f"cannot tell the page language (`{lang}`)",
                                hint=f"name the file like raci_x.fr.md or pass --lang (one of {', '.join(LANGUAGES)})")],
                         unreadable=True)
    tokens = _md.parse(text)
    warnings: list[Diagnostic] = []
    data: dict = {"lang": lang, "intro": [], "legend": [], "legend_intro": [], "page": {}}
    root: list[_Section] = []
    stack: list[_Section] = []
    legend_heading: Optional[_Section] = None
    parties: list[dict] = []
    activity_lines: list[int] = []
    last_was_table = False
    i = 0

    def line_of(tok: Token) -> int:
        return (tok.map[0] + 1) if tok.map else 0

    def warn(line: int, message: str, hint: str = "", code: str = "") -> None:
        warnings.append(warning(path, message, line=line, hint=hint, code=code))

    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "front_matter":
            try:
                meta = yaml.safe_load(tok.content) or {}
            except yaml.YAMLError as exc:
                raise InputError([error(path, f"front matter is not valid YAML: {exc}", line=1)],
                                 unreadable=True) from None
            if not isinstance(meta, dict):
                warn(1, "front matter is not a mapping; ignored")
                meta = {}
            if meta.get("title"):
                data["title"] = str(meta["title"])
            data["page"] = {str(k): str(v) for k, v in meta.items() if k != "title"}
            i += 1
            continue
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = normalise_inline(tokens[i + 1].content)
            line = line_of(tok)
            i += 3
            if level == 1:
                if "title" in data and data["title"] != title:
                    warn(line, f"`#` title “{title}” differs from the front matter title; the front matter wins")
                data.setdefault("title", title)
                continue
            section = _Section(title, level, line)
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].sections if stack else root).append(section)
            stack.append(section)
            last_was_table = False
            continue
        if tok.type == "table_open":
            end = _close(tokens, i, "table_close")
            rows = _table_rows(tokens[i:end + 1])
            current = stack[-1] if stack else None
            if rows and all(LEGEND_ROW.match(_EMPHASIS_ONLY.sub("", r[1][0]).strip()) for r in rows[1:]) and len(rows) > 1:
                for line, cells in rows[1:]:
                    m = LEGEND_ROW.match(_EMPHASIS_ONLY.sub("", cells[0]).strip())
                    data["legend"].append({"code": m.group(1), "label": m.group(2).strip(),
                                           "description": normalise_inline(cells[1]) if len(cells) > 1 else ""})
                if current is not None and not current.activities and legend_heading is None:
                    legend_heading = current
            elif current is None:
                warn(line_of(tok), "table before any section heading; its rows are imported into a section "
                                   "named after the page title")
                current = _Section(data.get("title", "—"), 2, line_of(tok))
                root.append(current)
                stack.append(current)
                _activity_table(rows, current, parties, warn, activity_lines, path)
            else:
                if current.tables and current.notes:
                    warn(line_of(tok), "several tables in one section: their rows are joined in one table; "
                                       "notes of the earlier table are kept after it")
                _activity_table(rows, current, parties, warn, activity_lines, path)
            current_section = stack[-1] if stack else None
            if current_section is not None:
                current_section.tables += 1
            last_was_table = True
            i = end + 1
            continue
        if tok.type == "paragraph_open":
            content = tokens[i + 1].content
            line = line_of(tok)
            i += 3
            current = stack[-1] if stack else None
            if current is None:
                data["intro"].append(normalise_inline(content))
            elif current is legend_heading or (not current.activities and _legend_ahead(tokens, i)):
                data["legend_intro"].append(normalise_inline(content))
            elif current.activities or last_was_table:
                current.notes.extend(_split_notes(content))
            else:
                current.intro.append(normalise_inline(content))
            continue
        if tok.type == "blockquote_open":
            end = _close(tokens, i, "blockquote_close")
            paragraphs = [tokens[k + 1].content for k in range(i, end) if tokens[k].type == "paragraph_open"]
            current = stack[-1] if stack else None
            callout = [f"> {normalise_inline(p)}" for p in paragraphs]
            if current is None:
                data["intro"].extend(callout)
            elif current.activities:
                current.notes.extend(callout)
            else:
                current.intro.extend(callout)
            i = end + 1
            continue
        if tok.type == "hr":
            i += 1
            continue
        if tok.map:
            end = _skip(tokens, i)
            warn(line_of(tok), f"{tok.type.replace('_open', '').replace('_', ' ')} (lines {tok.map[0] + 1}-"
                               f"{tok.map[1]}) is not part of a matrix and was not imported",
                 hint="move it into an intro paragraph or a note if it belongs to the annex")
            i = end + 1
            continue
        i += 1

    if legend_heading is not None:
        data["legend_title"] = legend_heading.title
        if legend_heading in root:
            root.remove(legend_heading)
    if not data["legend"]:
        cat = labels(lang)
        data["legend"] = [{"code": c, "label": lab, "description": desc}
                          for c, (lab, desc) in cat.standard_legend.items()]
        warn(1, f"no role legend on the page: the standard R/A/C/I legend in `{lang}` is used",
             code="standard-legend")
    data["parties"] = parties or [{"id": "customer", "label": labels(lang).customer},
                                  {"id": "provider", "label": labels(lang).provider}]
    data["sections"] = [s.data() for s in root]
    for key in ("legend_intro", "intro", "page"):
        if not data[key]:
            del data[key]
    return PageImport(data, warnings, activity_lines)


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
    rows, cells, line = [], [], 0
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
            rows = _table_rows(tokens[k:_close(tokens, k, "table_close") + 1])
            return len(rows) > 1 and all(LEGEND_ROW.match(_EMPHASIS_ONLY.sub("", r[1][0]).strip()) for r in rows[1:])
    return False


def _activity_table(rows, section: _Section, parties: list[dict], warn, activity_lines: list[int], path: str) -> None:
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
                       for pid, lab, h in zip(ids, labels_here, header[1:]))
    elif len(labels_here) != len(parties):
        warn(header_line, f"this table has {len(labels_here)} party columns where the page's first table has "
                          f"{len(parties)}; columns are matched by position")
    else:
        for party, label in zip(parties, labels_here):
            if label.lower() != party["label"].lower():
                warn(header_line, f"column “{label}” is read as party “{party['label']}” (same position as in the "
                                  "first table)")
    for line, cells in rows[1:]:
        text = normalise_inline(cells[0]) if cells else ""
        if not text:
            warn(line, "row with an empty activity cell; skipped", hint="remove the row or write the activity")
            continue
        roles = {}
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
    """A paragraph under a table: one note per hard line break; soft breaks stay in the note."""
    pieces = re.split(r"(?:\\|  +)\n", content)
    notes = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        # an italic note broken by a hard break keeps its emphasis on each side
        if piece.startswith("*") and not piece.rstrip().endswith("*") and not piece.startswith("**"):
            piece = piece + "*"
        elif piece.endswith("*") and not piece.startswith("*") and not piece.endswith("**"):
            piece = "*" + piece
        notes.append(normalise_inline(piece))
    return notes
