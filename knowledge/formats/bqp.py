"""The structured "ChiTietTTHC_<code>.doc" export (metadata / content / tables),
as published for Ministry of Defence procedures."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from knowledge.formats.errors import RecordFormatError, checked_code, text_field
from knowledge.formats.portal import add_completeness_flags
from knowledge.parsing.channels import channel_kind
from knowledge.parsing.documents import split_form
from knowledge.parsing.durations import parse_duration
from knowledge.parsing.fees import parse_fee
from knowledge.parsing.legal import CODE, legal_entry
from knowledge.parsing.levels import parse_levels
from knowledge.parsing.outcome import Parsed
from knowledge.parsing.steps import parse_steps
from knowledge.parsing.text import clean_block, clean_inline
from knowledge.records import Channel, Document, ProcedureRecord

SECTIONS = ("metadata", "content", "tables")


def looks_like(obj: Mapping) -> bool:
    return all(isinstance(obj.get(k), Mapping) for k in SECTIONS)


def parse_bqp(obj: Mapping) -> ProcedureRecord:
    """One structured export record -> ProcedureRecord."""
    if not isinstance(obj, Mapping) or not looks_like(obj):
        raise RecordFormatError("not a structured export record (needs metadata, content and tables objects)")
    meta, content, tables = (obj[k] for k in SECTIONS)

    def m(key: str) -> str:
        return text_field(meta, key, where="metadata.")

    def c(key: str) -> str:
        return text_field(content, key, where="content.")

    code = checked_code(m("mã_thủ_tục") or text_field(obj, "thu_tuc_id"))
    name = clean_inline(m("tên_thủ_tục"))
    if not name:
        raise RecordFormatError(f"{code}: missing procedure name (metadata.tên_thủ_tục)")
    record = ProcedureRecord(
        code=code,
        name=name,
        field=clean_inline(m("lĩnh_vực")),
        audience=clean_inline(c("đối_tượng_thực_hiện")),
        agency=clean_inline(c("cơ_quan_thực_hiện")) or clean_inline(c("cơ_quan_có_thẩm_quyền")),
        submit_place=clean_block(c("địa_chỉ_tiếp_nhận_hs")),
        steps=parse_steps(c("trình_tự_thực_hiện")),
        conditions=clean_block(c("yêu_cầu_điều_kiện_thực_hiện")),
        result=clean_block(c("kết_quả_thực_hiện")),
        decision=decision_number(m("số_quyết_định")),
    )
    levels = parse_levels(m("cấp_thực_hiện"))
    _merge(record, "metadata.cấp_thực_hiện", m("cấp_thực_hiện"), levels)
    record.levels = levels.value
    channels = parse_channel_rows(_rows(tables, "hinh_thuc_nop"))
    _merge(record, "tables.hinh_thuc_nop", _rows(tables, "hinh_thuc_nop"), channels)
    record.channels = channels.value
    record.documents = [document_row(r) for r in _rows(tables, "thanh_phan_ho_so")]
    record.legal_basis = [e for e in (legal_row(r) for r in _rows(tables, "can_cu_phap_ly")) if e]
    add_completeness_flags(record)
    return record


def decision_number(text: str) -> str:
    """ "Quyết định số 6225/QĐ-BQP" -> "6225/QĐ-BQP"; "3980 /QĐ-BQP" -> "3980/QĐ-BQP"."""
    out = re.sub(r"^Quyết định\s*(?:số)?\s*", "", clean_inline(text), flags=re.IGNORECASE)
    return re.sub(r"\s*/\s*", "/", out)


def parse_channel_rows(rows: list[Mapping]) -> Parsed[list[Channel]]:
    result: Parsed[list[Channel]] = Parsed([])
    for row in rows:
        kind = channel_kind(_cell(row, "hinh_thuc"))
        if kind is None:
            result.flag("channel_unknown")
            continue
        time = parse_duration(_cell(row, "thoi_han_giai_quyet"))
        fee = parse_fee(_cell(row, "phi_le_phi"))
        result.value.append(
            Channel(
                channel=kind, time_text=time.value.text, days=time.value.days, day_kind=time.value.day_kind,
                fee_text=fee.value.text, fee_vnd=fee.value.vnd, note=clean_inline(_cell(row, "mo_ta")),
            )
        )
        for f in time.flags + fee.flags:
            result.flag(f)
    return result


def document_row(row: Mapping) -> Document:
    """The export shifts columns: "so_luong" holds the template file and
    "ghi_chu" the counts ("Bản chính: 1\\nBản sao: 0")."""
    name = clean_inline(_cell(row, "ten_giay_to"))
    form = clean_inline(_cell(row, "so_luong"))
    copies = copies_text(_cell(row, "ghi_chu"))
    if form and not copies and re.fullmatch(r"\d+", form):
        form, copies = "", f"{int(form)} bản chính"
    if not form:
        name, form, _ = split_form(name)
        name = clean_inline(name)
    return Document(name=name, form=form, copies=copies)


def copies_text(text: str) -> str:
    """ "Bản chính: 1\\nBản sao: 0" -> "1 bản chính" (the portal's wording)."""
    counts = {k.lower(): int(v) for k, v in re.findall(r"(Bản chính|Bản sao)\s*:\s*(\d+)", text, re.IGNORECASE)}
    if not counts:
        return clean_inline(text)
    parts = [f"{counts.get('bản chính', 0)} bản chính"]
    if counts.get("bản sao"):
        parts.append(f"{counts['bản sao']} bản sao")
    return ", ".join(parts)


def legal_row(row: Mapping) -> str:
    code = clean_inline(_cell(row, "so_ky_hieu"))
    if not CODE.search(code):
        code = ""  # e.g. "12": a fragment, not a document code
    return legal_entry(_cell(row, "trich_yeu"), code)


def _rows(tables: Mapping, key: str) -> list[Mapping]:
    rows = tables.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise RecordFormatError(f"tables.{key} should be a list of objects")
    return rows


def _cell(row: Mapping, key: str) -> str:
    value = row.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordFormatError(f"table cell {key!r} should be text, not {type(value).__name__}")
    return value


def _merge(record: ProcedureRecord, key: str, source, parsed: Parsed) -> None:
    for f in parsed.flags:
        if f not in record.flags:
            record.flags.append(f)
    if parsed.flags:
        record.raw[key] = source if isinstance(source, str) else json.dumps(source, ensure_ascii=False)
