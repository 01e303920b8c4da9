"""Request and response bodies of the HTTP API (validated; unknown fields are refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelBody(Strict):
    channel: Literal["direct", "online", "postal"]
    time_text: str = Field("", max_length=2000)
    days: float | None = Field(None, ge=0, le=3650)
    day_kind: Literal["working", "calendar"] | None = None
    fee_text: str = Field("", max_length=5000)
    fee_vnd: int | None = Field(None, ge=0, le=10**13)
    note: str = Field("", max_length=20000)


class DocumentBody(Strict):
    name: str = Field(..., min_length=1, max_length=5000)
    form: str = Field("", max_length=2000)
    copies: str = Field("", max_length=500)
    group: str = Field("", max_length=2000)


class ProcedureFields(Strict):
    """Every editable field, all optional (PATCH)."""

    name: str | None = Field(None, min_length=1, max_length=2000)
    levels: list[str] | None = None
    field: str | None = Field(None, max_length=500)
    audience: str | None = Field(None, max_length=5000)
    agency: str | None = Field(None, max_length=5000)
    submit_place: str | None = Field(None, max_length=5000)
    channels: list[ChannelBody] | None = None
    documents: list[DocumentBody] | None = None
    steps: list[str] | None = None
    conditions: str | None = Field(None, max_length=50000)
    result: str | None = Field(None, max_length=5000)
    legal_basis: list[str] | None = None
    source_url: str | None = Field(None, max_length=2000)
    decision: str | None = Field(None, max_length=500)
    flags: list[str] | None = None
    spoken_summary: str | None = Field(None, max_length=5000)
    aliases: list[str] | None = None
    keywords: list[str] | None = None
    status: Literal["published", "draft"] | None = None

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ProcedureCreate(ProcedureFields):
    code: str = Field(..., pattern=CODE_PATTERN)
    name: str = Field(..., min_length=1, max_length=2000)
    status: Literal["published", "draft"] = "draft"


class AliasBody(Strict):
    alias: str = Field(..., min_length=1, max_length=200)


class TokenCreate(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    role: Literal["viewer", "editor", "admin"]
    username: str | None = None
    ttl_days: int | None = Field(None, ge=1, le=3650)


class UserCreate(Strict):
    username: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=8, max_length=200)
    role: Literal["viewer", "editor", "admin"]


class ProcedureSummary(BaseModel):
    code: str
    name: str
    levels: list[str]
    field: str
    status: str
    version: int
    flags: list[str]
    aliases: list[str]


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ProcedureSummary]
