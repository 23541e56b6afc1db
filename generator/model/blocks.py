"""Blocks a page holds besides tables: lists, callouts (Docusaurus admonitions) and quotes.

A paragraph stays a plain string of inline Markdown, as before; a list, a callout or a quote is
a mapping, told apart by its key (`items`, `kind` or `quote`), so a hand-edited YAML file reads
as the page does:

    notes:
      - "*(1) Le réseau ...*"
      - items: ["Les adaptations sont **facturées en mode projet**.",
                {text: "Deux cas :", items: [premier, second], ordered: true}]
      - {kind: warning, title: Condition de validité du SLA, body: ["Les **tools** ..."]}
      - quote: ["**Particularité de l'offre**\\\\\\nLe texte."]

Lists nest one level, as the published pages do: an item is its inline text, or a mapping of
its text and the items of the list under it (`ordered` and `start` of that list).
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from . import limits
from .text import Paragraph, Title

CALLOUT_KINDS = ("note", "tip", "info", "warning", "danger", "caution")
MAX_START = 1_000_000  # the first number of a numbered list (Word stores it in a 32-bit field)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListItem(_Strict):
    """An item with a list under it: its inline text, then the nested list's items."""

    text: Paragraph
    items: list[Paragraph] = Field(min_length=1, max_length=limits.MAX_PARAGRAPHS,
                                   description="the nested list's items (inline Markdown); lists nest one level")
    ordered: bool = Field(False, description="the nested list is numbered")
    start: int = Field(1, ge=0, le=MAX_START, description="the nested list's first number")


def _item_tag(value: object) -> str:
    return "block:item" if isinstance(value, (dict, ListItem)) else "block:text"


Item = Annotated[Union[Annotated[Paragraph, Tag("block:text")], Annotated[ListItem, Tag("block:item")]],
                 Discriminator(_item_tag)]
"""A list item: its inline text, or its text and a nested list."""


class ListBlock(_Strict):
    """A bulleted or numbered list (`- item`, `1. item`), nested one level."""

    items: list[Item] = Field(min_length=1, max_length=limits.MAX_PARAGRAPHS,
                              description="inline Markdown, or {text, items, ordered, start} for an item with "
                                          "a nested list")
    ordered: bool = Field(False, description="numbered (`1.`) rather than bulleted (`-`)")
    start: int = Field(1, ge=0, le=MAX_START, description="the first number of a numbered list")


def item_text(item: Item) -> str:
    """An item's own inline text (without its nested list)."""
    return item.text if isinstance(item, ListItem) else item


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
    if isinstance(value, ListBlock) or (isinstance(value, dict) and "items" in value):
        return "block:list"
    if isinstance(value, Quote) or isinstance(value, dict):
        return "block:quote"
    return "block:text"


Block = Annotated[Union[Annotated[Paragraph, Tag("block:text")], Annotated[ListBlock, Tag("block:list")],
                        Annotated[Callout, Tag("block:callout")], Annotated[Quote, Tag("block:quote")]],
                  Discriminator(_block_tag)]
"""A paragraph (a string of inline Markdown), a list, a callout or a quote."""


Shape = tuple
"""What a translation must keep of a block: its kind, and the count and nesting of what it holds."""


def _list_shape(block: ListBlock) -> Shape:
    return ("list", block.ordered, block.start if block.ordered else 1,
            tuple((len(i.items), i.ordered) if isinstance(i, ListItem) else None for i in block.items))


def block_shape(block: object) -> Shape:
    """A block without its words: two languages of one matrix have blocks of the same shapes."""
    if isinstance(block, ListBlock):
        return _list_shape(block)
    if isinstance(block, Callout):
        return ("callout", block.kind, tuple(block_shape(b) for b in block.body))
    if isinstance(block, Quote):
        return ("quote", tuple(block_shape(b) for b in block.quote))
    return ("paragraph",)


def describe_shape(shape: Optional[Shape]) -> str:
    """`a numbered list of 3 items (2 nested under item 1)`: a shape in words, for messages."""
    if shape is None:
        return "missing"
    if shape[0] == "list":
        _, ordered, start, items = shape
        nested = [f"{i[0]}{' numbered' if i[1] else ''} nested under item {k}" for k, i in enumerate(items, start=1)
                  if i]
        head = f"a {'numbered' if ordered else 'bulleted'} list of {len(items)} item{'s' if len(items) != 1 else ''}"
        return head + (f" from {start}" if start != 1 else "") + (f" ({', '.join(nested)})" if nested else "")
    if shape[0] == "callout":
        return f"a `{shape[1]}` callout holding " + (", ".join(describe_shape(s) for s in shape[2]) or "nothing")
    if shape[0] == "quote":
        return "a quote holding " + ", ".join(describe_shape(s) for s in shape[1])
    return "a paragraph"
