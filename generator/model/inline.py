"""Inline text with emphasis: the Markdown subset the model stores, read into styled spans.

Activity texts, notes and intro paragraphs are stored as inline Markdown (`**bold**`,
`*italic*`), as a person writes them in the YAML file. Both writers turn them into spans with
this one parser (markdown-it-py), so the PDF and the DOCX cannot disagree on emphasis.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False})


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


@lru_cache(maxsize=8192)
def spans(text: str) -> tuple[Span, ...]:
    """Read inline Markdown into spans; soft line breaks become spaces, hard ones newlines."""
    if not text:
        return ()
    tokens = _md.parseInline(text)
    children = tokens[0].children if tokens else []
    out: list[Span] = []
    bold = italic = 0
    href: str | None = None
    for tok in children or []:
        t = tok.type
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t == "link_open":
            href = str(tok.attrGet("href") or "") or None
        elif t == "link_close":
            href = None
        elif t in ("text", "html_inline"):
            _append(out, Span(tok.content, bold > 0, italic > 0, False, href))
        elif t == "code_inline":
            _append(out, Span(tok.content, bold > 0, italic > 0, True, href))
        elif t == "softbreak":
            _append(out, Span(" ", bold > 0, italic > 0, False, href))
        elif t == "hardbreak":
            _append(out, Span("\n", bold > 0, italic > 0, False, href))
        elif t == "image":
            _append(out, Span(tok.content, bold > 0, italic > 0, False, href))
    return tuple(out)


def _append(out: list[Span], span: Span) -> None:
    if not span.text:
        return
    last = out[-1] if out else None
    if last is not None and (last.bold, last.italic, last.code, last.href) == \
            (span.bold, span.italic, span.code, span.href):
        out[-1] = Span(last.text + span.text, span.bold, span.italic, span.code, span.href)
    else:
        out.append(span)


def plain(text: str) -> str:
    """The text a reader sees, without emphasis: what tests compare against extracted text."""
    return "".join(s.text for s in spans(text))
