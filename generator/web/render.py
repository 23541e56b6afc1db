"""Pages: the Jinja environment of the service and rendering one page in the asker's language."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from .formats import Formats
from .i18n import best_language, words

HERE = Path(__file__).parent


def make_templates() -> Jinja2Templates:
    return Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))


def render(request: Request, name: str, status: int = 200, **context) -> Response:
    """Template `name` for this request: the signed-in user's language, else the browser's."""
    auth = getattr(request.state, "auth", None)
    lang: Optional[str] = auth.user.lang if auth else None
    if lang is None:
        asked = request.query_params.get("lang")
        lang = asked or best_language(request.headers.get("accept-language", ""))
    t = words(lang)
    return request.app.state.templates.TemplateResponse(
        request, name, {"t": t, "lang": t.lang, "fmt": Formats(t.lang), "auth": auth,
                           "csrf": auth.csrf if auth else "", **context},
        status_code=status)
