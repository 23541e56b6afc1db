"""The annex as HTML, the first stage of the PDF pipeline (HTML -> WeasyPrint -> PDF).

Templates are plain Jinja files in the brand folder, rendered in a sandbox with autoescaping:
a customer named `<script>` prints literally, and a template cannot reach Python internals.
The loader only sees the brand folder and templates/default.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ..annex import Annex
from ..brand import SYSTEM_FONTS, Brand, Colors
from ..infra.diagnostics import InputError, error
from ..infra.yamlsource import read_text
from ..model import RoleCell, spans
from .template_view import View, annex_view, plain

TEMPLATE = "annex.html.j2"
PARTS = ("all", "matrix", "frame")


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



class BrandLoader(BaseLoader):
    """Templates (and their `include`s) from the brand folder, else templates/default, through
    `Brand.find`: a name or symlink whose real path leaves those folders is refused."""

    def __init__(self, brand: Brand):
        self.brand = brand

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            path = self.brand.find(template)
        except InputError as exc:
            if exc.unreadable:  # not found
                raise TemplateNotFound(template) from None
            raise
        return read_text(path, what="template"), str(path), lambda: True


def fallback_fonts(brand: Brand) -> tuple:
    """@font-face data for the brand's fallback fonts (system fonts, file: URLs the PDF's
    resource fetcher serves because brand.yaml names them)."""
    config = brand.config
    if config is None:
        return ()
    out = []
    for font in config.fonts.fallback:
        faces = {key: (SYSTEM_FONTS / rel).as_uri() for key in ("regular", "bold") if (rel := getattr(font, key))}
        out.append({"family": font.family, **faces})
    return plain(out)


class AnnexSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, where `view.items` is the view's `items` field (a list block's
    items) rather than the mapping method of the same name."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, View) and isinstance(attribute, str) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@lru_cache(maxsize=16)
def environment(brand: Brand) -> ImmutableSandboxedEnvironment:
    env = AnnexSandbox(
        loader=BrandLoader(brand),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(inline=inline, badges=badges, css_string=css_string, page_counter=page_counter)
    return env


def render(annex: Annex, part: str = "all", matrix_pages: int = 0) -> str:
    """The annex's HTML, whole or one part of it (see PARTS and annex.html.j2): "matrix" is
    what every customer of a matrix, language and deviations shares; "frame" is the rest, with
    `matrix_pages` empty pages where the matrix goes."""
    assert part in PARTS, part
    return render_template(TEMPLATE, annex, part=part, matrix_pages=matrix_pages)


def render_template(name: str, annex: Annex, **extra: object) -> str:
    """A brand template rendered with the annex (and `extra`, plain data) in the sandbox; every
    template error becomes a located InputError."""
    brand = annex.brand
    palette = brand.config.colors if brand.config else Colors()  # checked colours: #RRGGBB, readable
    fonts = brand.get("fonts", {}) or {}
    try:
        template = environment(brand).get_template(name)
        # plain data only: a template must not be handed objects with file-system handles
        return template.render(annex=annex_view(annex), labels=plain(annex.labels), palette=plain(palette),
                               font_family=str(fonts.get("family", "sans-serif")),
                               font_files=plain({k: v for k, v in (fonts.get("files") or {}).items() if v}),
                               fallback_fonts=fallback_fonts(brand), logo=plain(brand.get("logo")),
                               **{key: plain(value) for key, value in extra.items()})
    except SecurityError as exc:
        raise InputError([error(brand.folder / name, f"template refused by the sandbox: {exc}",
                                hint="templates may only use the annex data they are given")]) from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", 0) or 0
        where = getattr(exc, "filename", None) or str(brand.folder / name)
        raise InputError([error(where, f"template error: {exc}", line=line,
                                hint=f"fix the template; see templates/default/{name}")]) from None
