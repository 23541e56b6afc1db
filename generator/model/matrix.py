"""The responsibility matrix: what a provider publishes, one file per language.

These pydantic models are the single description of the YAML format: the reader validates
against them, `annex schema` publishes them as JSON Schema, and every writer reads them.
Rules that span several fields (one A per activity, translations agree) live in
`generator.rules`, where they can be reported with positions and turned into warnings.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from . import limits
from .blocks import Block
from .inline import plain
from .roles import RoleCell, parse_roles
from .text import FileName, Key, Name, RoleText, Text, Title, shown

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
LANGUAGES = ("fr", "en", "de", "es", "it")
# a matrix id names a folder (data/matrices/<id>/) and the annex files
MatrixId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=limits.MAX_ID), FileName]


class Strict(BaseModel):
    """Unknown keys are errors (typos in a hand-edited file must not vanish silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def semver_key(version: str) -> tuple:
    m = SEMVER.match(version)
    if not m:
        return (0, 0, 0, "")
    major, minor, patch = (int(x) for x in m.groups()[:3])
    pre = version.split("+")[0].partition("-")[2]
    return (major, minor, patch, pre == "", pre)


class Party(Strict):
    """A column of the matrix: who holds roles (the customer, the provider, a third party)."""

    id: str = Field(pattern=ID_PATTERN, max_length=limits.MAX_ID,
                    description="stable key used in `roles:` of every activity")
    label: Name = Field(min_length=1, description="name printed in the annex, e.g. 'Client'")
    header: Optional[Name] = Field(None, description="column header as published, e.g. 'Rôle Client'")


class LegendEntry(Strict):
    """One role of the legend; the code is R, A, C or I in every language."""

    code: str = Field(pattern=r"^[A-Z]$")
    label: Name = Field(min_length=1, description="translated name, e.g. 'Réalise'")
    description: Text = Field("", description="inline Markdown, e.g. '**R**éalise le processus'")


class Revision(Strict):
    version: str
    date: dt.date
    summary: Text = ""

    @field_validator("version", mode="before")
    @classmethod
    def _semver(cls, v: str) -> str:
        return _check_semver(v)


class Approval(Strict):
    by: Name = Field(min_length=1, description="who approved this version")
    date: dt.date


class Rules(Strict):
    """How strictly the RACI rules apply to this matrix; published matrices break some."""

    one_accountable: Literal["error", "warning"] = "error"
    responsible_required: Literal["error", "warning"] = "error"


class Activity(Strict):
    """A row: what is done, and which roles each party holds."""

    id: str = Field(pattern=ID_PATTERN, max_length=limits.MAX_ID, description="stable id, identical in every language")
    text: Text = Field(min_length=1, description="inline Markdown, word for word as published")
    roles: dict[Key, Optional[RoleText]] = Field(
        description="party id -> role letters as read, e.g. {customer: RA, provider: CI}; empty allowed")
    before: list[Block] = Field(default_factory=list, description=(
        "notes, callouts or quotes the page has between the previous table and this row: the row starts "
        "a new table"))

    @field_validator("roles")
    @classmethod
    def _empty_is_none(cls, roles: dict) -> dict:
        """`provider: ''` and `provider:` both mean no role."""
        return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in roles.items()}

    def cell(self, party_id: str) -> RoleCell:
        return parse_roles(self.roles.get(party_id))

    def letters(self, party_id: str) -> tuple[str, ...]:
        return self.cell(party_id).letters

    @property
    def marks(self) -> tuple[str, ...]:
        """Footnote marks in the text, e.g. '(1)' in 'réseau backbone(1)'."""
        return find_marks(plain(self.text))


class Section(Strict):
    title: Title = Field(min_length=1)
    intro: list[Block] = Field(default_factory=list, max_length=limits.MAX_PARAGRAPHS,
                               description="paragraphs, callouts, quotes before the table")
    activities: list[Activity] = Field(default_factory=list)
    notes: list[Block] = Field(default_factory=list, max_length=limits.MAX_PARAGRAPHS,
                               description="notes, callouts, quotes under the (last) table")
    sections: list[Section] = Field(default_factory=list)

    def walk(self, depth: int = 1) -> Iterator[tuple[int, Section]]:
        yield depth, self
        for sub in self.sections:
            yield from sub.walk(depth + 1)


class Matrix(Strict):
    """One matrix in one language."""

    id: MatrixId = Field(description="matrix id, the folder name under data/matrices/")
    lang: Literal["fr", "en", "de", "es", "it"]
    title: Title = Field(min_length=1)
    service: Optional[Name] = Field(None, description="service name printed in the title block")
    version: str = Field(description="semantic version, e.g. 1.2.0")
    status: Literal["draft", "approved"] = "draft"
    approval: Optional[Approval] = None
    history: list[Revision] = Field(default_factory=list, max_length=limits.MAX_HISTORY)
    rules: Rules = Field(default_factory=Rules)
    parties: list[Party] = Field(min_length=2, max_length=limits.MAX_PARTIES)
    legend_title: Optional[Title] = Field(None, description="heading of the role legend as published")
    legend_intro: list[Block] = Field(default_factory=list, max_length=limits.MAX_PARAGRAPHS)
    legend: list[LegendEntry] = Field(default_factory=list, max_length=limits.MAX_LEGEND)
    intro: list[Block] = Field(default_factory=list, max_length=limits.MAX_PARAGRAPHS)
    sections: list[Section] = Field(default_factory=list)
    page: dict[Key, Text] = Field(default_factory=dict,
                                 description="other front-matter keys of the published page (slug, ...)")

    @field_validator("version", mode="before")
    @classmethod
    def _semver(cls, v: str) -> str:
        return _check_semver(v)

    def walk(self) -> Iterator[tuple[int, Section]]:
        """Every section and subsection in reading order, with its depth (1 = top level)."""
        for section in self.sections:
            yield from section.walk()

    def activities(self) -> Iterator[tuple[Section, Activity]]:
        for _, section in self.walk():
            for activity in section.activities:
                yield section, activity

    def activity(self, activity_id: str) -> Optional[Activity]:
        for _, activity in self.activities():
            if activity.id == activity_id:
                return activity
        return None


def _check_semver(v: str) -> str:
    if not isinstance(v, str) or not SEMVER.match(v):
        raise ValueError(f"{shown(v)} is not a semantic version such as 1.0.0 (quote it in YAML: \"1.0.0\")")
    return v


_TEXT_MARK = re.compile(r"\((?:\d{1,2}|[A-Z])\)|(?<=\S)\*$|(?<=\S )\*$")


def find_marks(plain_text: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in _TEXT_MARK.finditer(plain_text.strip()))
