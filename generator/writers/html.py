"""The annex as HTML, the first stage of the PDF pipeline (HTML -> WeasyPrint -> PDF).

Templates are plain Jinja files in the brand folder, rendered in a sandbox with autoescaping:
a customer named `<script>` prints literally, and a template cannot reach Python internals.
The loader only sees the brand folder and templates/default.
"""
from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ..annex import Annex
from ..brand import Brand
from ..diagnostics import InputError, error
from ..model import CALLOUT_KINDS, RoleCell, spans

TEMPLATE = "annex.html.j2"
PARTS = ("all", "matrix", "frame")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def inline(text: str) -> Markup:
    """Inline Markdown -> escaped HTML with <strong>/<em>; the one place emphasis becomes HTML."""
    out = []
    for span in spans(text or ""):
        piece = escape(span.text).replace("\n", Markup("<br>"))
        if span.italic:
            piece = Markup("<em>%s</em>") % piece
        if span.bold:
            piece = Markup("<strong>%s</strong>") % piece
        out.append(piece)
    return Markup("").join(out)


def badges(cell: RoleCell) -> Markup:
    """Role letters as badges; footnote marks after them; a dash for no role (an empty cell
    would read as a forgotten one)."""
    if not cell.letters and not cell.marks:
        return Markup('<span class="none">–</span>')
    parts = [Markup('<span class="role role-%s">%s</span>') % (letter if letter in "RACI" else "X", letter)
             for letter in cell.letters]
    if cell.marks:
        parts.append(Markup('<span class="mark">%s</span>') % "".join(cell.marks))
    return Markup("").join(parts)


def css_string(text: str) -> Markup:
    """A CSS string literal, escaped for CSS inside a <style> element (where HTML escaping
    does not apply): quotes, backslashes, new lines and `<` (no `</style>` break-out)."""
    body = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
            .replace("<", "\\3C ").replace(">", "\\3E "))
    return Markup('"' + body + '"')


def page_counter(template: str) -> Markup:
    """'Page {page} sur {pages}' -> CSS content value with counters."""
    out = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            out.append("counter(page)")
        elif piece == "{pages}":
            out.append("counter(pages)")
        elif piece:
            out.append(css_string(piece))
    return Markup(" ").join(out)


def color(value: str, default: str) -> str:
    return value if isinstance(value, str) and _COLOR.match(value) else default


CALLOUT_DEFAULT = {"border": "#4A5560", "background": "#F1F3F5"}


def callout_palette(colors: dict) -> dict[str, dict[str, str]]:
    """Border (and title) and background colour of each callout kind, from brand.yaml."""
    given = colors.get("callouts", {}) or {}
    return {kind: {key: color((given.get(kind) or {}).get(key), default) for key, default in CALLOUT_DEFAULT.items()}
            for kind in CALLOUT_KINDS}


@lru_cache(maxsize=16)
def environment(brand: Brand) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(root) for root in brand.roots()]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(inline=inline, badges=badges, css_string=css_string, page_counter=page_counter)
    return env


def render(annex: Annex, part: str = "all", matrix_pages: int = 0) -> str:
    """The annex's HTML, whole or one part of it (see PARTS and annex.html.j2): "matrix" is
    what every customer of a matrix, language and deviations shares; "frame" is the rest, with
    `matrix_pages` empty pages where the matrix goes."""
    assert part in PARTS, part
    brand = annex.brand
    colors = brand.get("colors", {}) or {}
    roles = colors.get("roles", {}) or {}
    palette = {
        "primary": color(colors.get("primary"), "#0B2E4F"), "accent": color(colors.get("accent"), "#00857C"),
        "text": color(colors.get("text"), "#1A1A1A"), "muted": color(colors.get("muted"), "#5F6B76"),
        "header_text": color(colors.get("table_header_text"), "#FFFFFF"),
        "row_alt": color(colors.get("row_alt"), "#F3F6F9"), "deviation": color(colors.get("deviation"), "#FFF4D6"),
        "roles": {k: {"background": color((roles.get(k) or {}).get("background"), "#DDDDDD"),
                      "text": color((roles.get(k) or {}).get("text"), "#000000")} for k in "RACI"},
        "callouts": callout_palette(colors), "quote": color(colors.get("quote"), "#5F6B76"),
    }
    fonts = brand.get("fonts", {}) or {}
    try:
        template = environment(brand).get_template(TEMPLATE)
        return template.render(annex=annex, labels=annex.labels, palette=palette,
                               font_family=str(fonts.get("family", "sans-serif")),
                               font_files=dict(fonts.get("files", {}) or {}),
                               logo=brand.get("logo"), part=part, matrix_pages=matrix_pages)
    except SecurityError as exc:
        raise InputError([error(brand.folder / TEMPLATE, f"template refused by the sandbox: {exc}",
                                hint="templates may only use the annex data they are given")]) from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", 0) or 0
        name = getattr(exc, "filename", None) or str(brand.folder / TEMPLATE)
        raise InputError([error(name, f"template error: {exc}", line=line,
                                hint="fix the template; see templates/default/annex.html.j2")]) from None
