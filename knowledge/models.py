"""ORM tables of the procedure store."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Procedure(Base):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    levels: Mapped[list] = mapped_column(JSON, default=list)
    field: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    agency: Mapped[str] = mapped_column(Text, default="")
    submit_place: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list] = mapped_column(JSON, default=list)
    conditions: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[list] = mapped_column(JSON, default=list)
    source_url: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list] = mapped_column(JSON, default=list)
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    # Staff-owned: an import never writes these.
    spoken_summary: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Diacritic-folded name + aliases + code, for staff search with LIKE.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    channels: Mapped[list[ChannelRow]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="ChannelRow.position"
    )
    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="DocumentRow.position"
    )
    aliases: Mapped[list[AliasRow]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="AliasRow.id"
    )


class ChannelRow(Base):
    __tablename__ = "procedure_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16))
    time_text: Mapped[str] = mapped_column(Text, default="")
    days: Mapped[float | None] = mapped_column(Float, nullable=True)
    day_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    fee_text: Mapped[str] = mapped_column(Text, default="")
    fee_vnd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="channels")


class DocumentRow(Base):
    __tablename__ = "procedure_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(Text, default="")
    copies: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="documents")


class AliasRow(Base):
    __tablename__ = "procedure_aliases"
    __table_args__ = (UniqueConstraint("procedure_id", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))

    procedure: Mapped[Procedure] = relationship(back_populates="aliases")


class AuditEntry(Base):
    """One changed field of one procedure: who, when, what, old and new value."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_code_at", "procedure_code", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    procedure_code: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))  # create, import, update, publish, unpublish, delete, alias
    field: Mapped[str] = mapped_column(String(64), default="")
    old_value: Mapped[object | None] = mapped_column(JSON, nullable=True)
    new_value: Mapped[object | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ProcedureVersion(Base):
    """A full snapshot per version, for history and diffs."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    snapshot: Mapped[dict] = mapped_column(JSON)
