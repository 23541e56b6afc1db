"""Blocks a page holds besides tables: callouts (Docusaurus admonitions) and quotes.

A paragraph stays a plain string of inline Markdown, as before; a callout or a quote is a
mapping, told apart by its key (`kind` or `quote`), so a hand-edited YAML file reads as the
page does:

    notes:
      - "*(1) Le réseau ...*"
      - {kind: warning, title: Condition de validité du SLA, body: ["Les **tools** ..."]}
      - quote: ["**Particularité de l'offre**\\\\\\nLe texte."]
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from . import limits
from .text import Paragraph, Title

CALLOUT_KINDS = ("note", "tip", "info", "warning", "danger", "caution")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListBlock(_Strict):
    """A bulleted or numbered list inside a callout or a quote; one inline string per item."""

    items: list[Paragraph] = Field(min_length=1, max_length=limits.MAX_PARAGRAPHS)
    ordered: bool = False


def _body_tag(value: object) -> str:
    """The union member of a body item (tags start with `block:` so error locations can drop them)."""
    if isinstance(value, (dict, ListBlock)):
        return "block:list"
    return "block:text"


BodyItem = Annotated[Union[Annotated[Paragraph, Tag("block:text")], Annotated[ListBlock, Tag("block:list")]],
                     Discriminator(_body_tag)]


class Callout(_Strict):
    """An admonition (`:::warning[Title]` ... `:::`): contract terms the page sets apart."""

    kind: Literal["note", "tip", "info", "warning", "danger", "caution"]
    title: Optional[Title] = Field(None, description="as published; the annex prints the kind's name when absent")
    body: list[BodyItem] = Field(default_factory=list, max_length=limits.MAX_PARAGRAPHS,
                                 description="paragraphs (inline Markdown) and lists")


class Quote(_Strict):
    """A blockquote (`> text`): its paragraphs and lists."""

    quote: list[BodyItem] = Field(min_length=1, max_length=limits.MAX_PARAGRAPHS)


def _block_tag(value: object) -> str:
    if isinstance(value, Callout) or (isinstance(value, dict) and "kind" in value):
        return "block:callout"
    if isinstance(value, Quote) or isinstance(value, dict):
        return "block:quote"
    return "block:text"


Block = Annotated[Union[Annotated[Paragraph, Tag("block:text")], Annotated[Callout, Tag("block:callout")],
                        Annotated[Quote, Tag("block:quote")]], Discriminator(_block_tag)]
"""A paragraph (a string of inline Markdown), a callout or a quote."""
