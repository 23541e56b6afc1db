"""Customers: who an annex is for, and what they negotiated away from the standard matrix.

One customer file lists several customers (YAML, or CSV for sales ops); `FILE#ID` picks one.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from . import limits
from .matrix import LANGUAGES, MatrixId, Strict
from .text import ONE_LINE, FileName, Key, Name, Ref, RoleText, Text, shown

SAFE_ID = r"^[A-Za-z0-9_-]+$"


# the id names the customer's output folder: a safe file name on every system
CustomerId = Annotated[str, StringConstraints(max_length=limits.MAX_CUSTOMER_ID), ONE_LINE, FileName]


class Signatory(Strict):
    name: Name = ""
    title: Name = ""
    place: Name = ""


class Deviation(Strict):
    """Roles agreed with one customer for one activity, instead of the standard ones."""

    activity: Key = Field(description="activity id in the matrix")
    roles: dict[Key, Optional[RoleText]] = Field(description="party id -> agreed role letters")
    reason: Text = Field(min_length=1, description="why; printed in the annex")
    matrix: Optional[MatrixId] = Field(None, description="matrix id; needed when the customer has several")


class Customer(Strict):
    id: CustomerId = Field(pattern=SAFE_ID, description="a safe file name: letters, digits, '-' and '_'")
    name: Name = Field(min_length=1, description="legal name")
    contract: Optional[Ref] = Field(None, description="contract reference")
    annex: Optional[Ref] = Field(None, description="annex number in the contract, e.g. '3' or 'B'")
    lang: Optional[str] = None
    locale: Optional[str] = Field(None, description="date format and document language, e.g. en_US, fr_CH, de_AT "
                                                    "(default: en_GB, fr_FR, de_DE, es_ES, it_IT)")
    matrices: list[MatrixId] = Field(default_factory=list, max_length=limits.MAX_MATRICES_PER_CUSTOMER,
                                     description="matrix ids, looked up under data/matrices/<id>/")
    effective_date: Optional[dt.date] = None
    signatories: dict[Key, Signatory] = Field(default_factory=dict)
    deviations: list[Deviation] = Field(default_factory=list, max_length=limits.MAX_DEVIATIONS)

    @field_validator("annex", mode="before")
    @classmethod
    def _annex_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: Optional[str]) -> Optional[str]:
        if v is None:
            return v
        from babel import Locale, UnknownLocaleError
        try:
            parsed = Locale.parse(v.replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            raise ValueError(f"'{v}' is not a locale; write language_COUNTRY, e.g. en_US, fr_CH, de_AT") from None
        if parsed.language not in LANGUAGES or not parsed.territory:
            raise ValueError(f"'{v}' is not a locale of {', '.join(LANGUAGES)} with a country, e.g. en_US, fr_CH")
        return str(parsed)

    @model_validator(mode="after")
    def _locale_of_lang(self) -> Customer:
        if self.locale and self.lang and not self.locale.startswith(self.lang + "_"):
            raise ValueError(f"locale `{self.locale}` is not of the customer's language `{self.lang}`")
        return self

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in LANGUAGES:
            raise ValueError(f"{shown(v)} is not a supported language; use one of {', '.join(LANGUAGES)}")
        return v


class CustomerFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    customers: list[Customer] = Field(default_factory=list)
