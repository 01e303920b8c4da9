"""Plain data for one procedure, shared by the importer, the seed catalogue,
the store and the dialog layer. No database or I/O here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Literal

ChannelKind = Literal["direct", "online", "postal"]
DayKind = Literal["working", "calendar"]
Status = Literal["published", "draft"]

CHANNEL_LABELS_VI: dict[str, str] = {
    "direct": "trực tiếp",
    "online": "trực tuyến",
    "postal": "qua bưu chính",
}


@dataclass(slots=True)
class Channel:
    """One row of the portal's "cách thức thực hiện" table."""

    channel: ChannelKind
    time_text: str = ""
    days: float | None = None  # normalised processing time; None when it cannot be read
    day_kind: DayKind | None = None
    fee_text: str = ""
    fee_vnd: int | None = None  # 0 = free, None = unknown or another currency
    note: str = ""  # the row's free-text description

    def __post_init__(self) -> None:
        # One canonical type, so content hashes agree before and after a database round trip.
        if self.days is not None:
            self.days = float(self.days)


@dataclass(slots=True)
class Document:
    """One required paper of "thành phần hồ sơ"."""

    name: str
    form: str = ""  # the template (mẫu đơn, tờ khai), if any
    copies: str = ""  # e.g. "1 bản chính, 1 bản sao"
    group: str = ""  # e.g. "Giấy tờ phải nộp", "Giấy tờ phải xuất trình", a case heading


@dataclass(slots=True)
class ProcedureRecord:
    """Source content of a procedure (what an import may overwrite) plus the
    staff-owned fields (which an import never overwrites)."""

    code: str
    name: str
    levels: list[str] = dc_field(default_factory=list)  # "xã", "tỉnh", "bộ", "huyện"
    field: str = ""  # lĩnh vực
    audience: str = ""
    agency: str = ""
    submit_place: str = ""
    channels: list[Channel] = dc_field(default_factory=list)
    documents: list[Document] = dc_field(default_factory=list)
    steps: list[str] = dc_field(default_factory=list)
    conditions: str = ""
    result: str = ""
    legal_basis: list[str] = dc_field(default_factory=list)
    source_url: str = ""
    decision: str = ""  # số quyết định công bố
    # Import diagnostics: machine-readable reasons a human should look at this record.
    flags: list[str] = dc_field(default_factory=list)
    # Raw source text of fields that could not be parsed, keyed by field name.
    raw: dict[str, str] = dc_field(default_factory=dict)
    # Staff-owned.
    spoken_summary: str = ""
    aliases: list[str] = dc_field(default_factory=list)
    keywords: list[str] = dc_field(default_factory=list)
    status: Status = "published"
    version: int = 1

    SOURCE_FIELDS = (
        "name", "levels", "field", "audience", "agency", "submit_place", "channels",
        "documents", "steps", "conditions", "result", "legal_basis", "source_url",
        "decision", "flags", "raw",
    )
    STAFF_FIELDS = ("spoken_summary", "aliases", "keywords", "status")

    def source_dict(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in self.SOURCE_FIELDS}

    def source_hash(self) -> str:
        """Content hash of the imported part; re-import bumps the version only when it changes."""
        return source_hash_of(self.to_dict())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ProcedureRecord:
        d = dict(d)
        d["channels"] = [c if isinstance(c, Channel) else Channel(**c) for c in d.get("channels") or []]
        d["documents"] = [x if isinstance(x, Document) else Document(**x) for x in d.get("documents") or []]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def source_hash_of(record_dict: dict) -> str:
    """`ProcedureRecord.source_hash` from an already computed `to_dict()` (saves a deep copy)."""
    source = {k: record_dict[k] for k in ProcedureRecord.SOURCE_FIELDS}
    blob = json.dumps(source, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
