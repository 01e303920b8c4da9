"""The procedure edit form: record -> form values, posted form -> field changes.

Pure: no web framework here. List fields are one item per line; channels and
documents are table rows named ``channels-<i>-<field>`` / ``documents-<i>-<field>``
(a row left empty is dropped, so a blank row at the end adds one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from knowledge.records import Channel, Document, ProcedureRecord

TEXT_FIELDS = ("name", "field", "audience", "agency", "submit_place", "conditions", "result", "source_url",
               "decision", "spoken_summary")
LINE_FIELDS = ("levels", "steps", "legal_basis", "keywords", "aliases", "flags")
CHANNEL_KINDS = ("direct", "online", "postal")
DAY_KINDS = ("", "working", "calendar")
MAX_ROWS = 100


class FormError(ValueError):
    """A value the form cannot take; the message is for the staff member (Vietnamese)."""


@dataclass(frozen=True, slots=True)
class ParsedForm:
    changes: dict
    errors: list[str]


def lines(value: str) -> list[str]:
    return [" ".join(x.split()) for x in value.splitlines() if x.strip()]


def _number(raw: str, what: str, kind: type):
    raw = raw.strip().replace(" ", "")
    if not raw:
        return None
    try:
        return kind(raw.replace(".", "").replace(",", "")) if kind is int else kind(raw.replace(",", "."))
    except ValueError as exc:
        raise FormError(f"{what}: không đọc được số {raw!r}") from exc


def parse(form: Mapping[str, str], current: ProcedureRecord) -> ParsedForm:
    """Field changes from a posted form (only fields present in the form and different)."""
    errors: list[str] = []
    new: dict = {}
    for name in TEXT_FIELDS:
        if name in form:
            new[name] = str(form[name]).strip()
    for name in LINE_FIELDS:
        if name in form:
            new[name] = lines(str(form[name]))
    if "name" in new and not new["name"]:
        errors.append("Tên thủ tục không được để trống.")
    if "channels-count" in form:
        channels = []
        for i in range(min(int(form.get("channels-count") or 0), MAX_ROWS)):
            get = lambda k, i=i: str(form.get(f"channels-{i}-{k}", "")).strip()  # noqa: E731
            if not any(get(k) for k in ("time_text", "days", "fee_text", "fee_vnd", "note")):
                continue
            kind = get("channel") or "direct"
            day_kind = get("day_kind")
            if kind not in CHANNEL_KINDS or day_kind not in DAY_KINDS:
                errors.append(f"Cách thức dòng {i + 1}: giá trị không hợp lệ.")
                continue
            try:
                days = _number(get("days"), f"Cách thức dòng {i + 1}, số ngày", float)
                fee = _number(get("fee_vnd"), f"Cách thức dòng {i + 1}, lệ phí (đồng)", int)
            except FormError as exc:
                errors.append(str(exc))
                continue
            if (days is not None and days < 0) or (fee is not None and fee < 0):
                errors.append(f"Cách thức dòng {i + 1}: số không được âm.")
                continue
            channels.append(Channel(channel=kind, time_text=get("time_text"), days=days,  # type: ignore[arg-type]
                                    day_kind=day_kind or None, fee_text=get("fee_text"), fee_vnd=fee,  # type: ignore[arg-type]
                                    note=get("note")))
        new["channels"] = channels
    if "documents-count" in form:
        docs = []
        for i in range(min(int(form.get("documents-count") or 0), MAX_ROWS)):
            get = lambda k, i=i: str(form.get(f"documents-{i}-{k}", "")).strip()  # noqa: E731
            if get("name"):
                docs.append(Document(name=get("name"), form=get("form"), copies=get("copies"), group=get("group")))
        new["documents"] = docs
    old = current.to_dict()
    changes = {}
    for key, value in new.items():
        as_dict = [asdict(v) for v in value] if key in ("channels", "documents") else value
        if old.get(key) != as_dict:
            changes[key] = as_dict
    return ParsedForm(changes, errors)
