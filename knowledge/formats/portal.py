"""The National Public Service Portal crawl (one flat JSON object per procedure)."""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.formats.errors import RecordFormatError, checked_code, text_field
from knowledge.parsing.channels import parse_channels, resolve_bare_times
from knowledge.parsing.documents import parse_documents
from knowledge.parsing.legal import parse_legal
from knowledge.parsing.levels import parse_levels
from knowledge.parsing.outcome import Parsed
from knowledge.parsing.results import parse_result
from knowledge.parsing.sections import documents_section, steps_section
from knowledge.parsing.steps import parse_steps
from knowledge.parsing.text import clean_block, clean_inline, strip_page_footer
from knowledge.records import ProcedureRecord

# Present in every crawled record; two of them identify the format.
SIGNATURE = ("ma_thu_tuc", "ten_thu_tuc")
CONTENT = ("cach_thuc_thuc_hien", "thanh_phan_ho_so", "trinh_tu_thuc_hien", "cap_thuc_hien")


def looks_like(obj: Mapping) -> bool:
    return all(k in obj for k in SIGNATURE) and any(k in obj for k in CONTENT)


def parse_portal(obj: Mapping) -> ProcedureRecord:
    """One crawled portal record -> ProcedureRecord with review flags and raw leftovers."""
    if not isinstance(obj, Mapping) or not looks_like(obj):
        raise RecordFormatError("not a portal record (needs ma_thu_tuc, ten_thu_tuc and content fields)")

    def field(key: str) -> str:
        return text_field(obj, key)

    code = checked_code(field("ma_thu_tuc"))
    name = clean_inline(field("ten_thu_tuc"))
    if not name:
        raise RecordFormatError(f"{code}: missing procedure name (ten_thu_tuc)")
    record = ProcedureRecord(
        code=code,
        name=name,
        field=clean_inline(field("linh_vuc")),
        audience=clean_inline(field("doi_tuong_thuc_hien")),
        agency=clean_inline(field("co_quan_thuc_hien")) or clean_inline(field("co_quan_co_tham_quyen")),
        submit_place=clean_block(field("dia_chi_tiep_nhan")),
        steps=parse_steps(field("trinh_tu_thuc_hien")),
        conditions=clean_block(strip_page_footer(field("yeu_cau_dieu_kien"))),
        result=parse_result(field("ket_qua_xu_ly")),
        source_url=clean_inline(field("detail_url")),
        decision=clean_inline(field("so_quyet_dinh")),
    )
    record.levels = _take(record, "cap_thuc_hien", field, parse_levels(field("cap_thuc_hien")))
    channels = parse_channels(field("cach_thuc_thuc_hien"))
    if "time_unit_missing" in channels.flags:
        # The steps often say "trong thời hạn 03 ngày làm việc" for a bare "3".
        resolved = resolve_bare_times(channels.value, field("trinh_tu_thuc_hien"))
        channels.value = resolved.value
        channels.flags = [f for f in channels.flags if f != "time_unit_missing"] + resolved.flags
    record.channels = _take(record, "cach_thuc_thuc_hien", field, channels)
    documents = parse_documents(field("thanh_phan_ho_so"))
    if "documents_unparsed" in documents.flags:
        _recover_from_page(record, documents, field("raw_text"))
    record.documents = _take(record, "thanh_phan_ho_so", field, documents)
    record.legal_basis = _take(record, "can_cu_phap_ly", field, parse_legal(field("can_cu_phap_ly")))
    add_completeness_flags(record)
    return record


def _take(record: ProcedureRecord, key: str, field, parsed: Parsed):
    """Merge a parser's flags into the record and keep the source text of a flagged field."""
    for f in parsed.flags:
        if f not in record.flags:
            record.flags.append(f)
    if parsed.flags:
        record.raw[key] = field(key)
    return parsed.value


def _recover_from_page(record: ProcedureRecord, documents: Parsed, page: str) -> None:
    """The crawler cut steps and documents at the wrong place: read both
    sections from the page text instead (see knowledge.parsing.sections)."""
    section = documents_section(page)
    recovered = parse_documents(section) if section else None
    if not recovered or not recovered.value or "documents_unparsed" in recovered.flags:
        return
    documents.value = recovered.value
    documents.flags = ["documents_from_page_text", *recovered.flags]
    steps = parse_steps(steps_section(page))
    if len(steps) > len(record.steps):
        record.steps = steps


def add_completeness_flags(record: ProcedureRecord) -> None:
    """What a caller would miss: no submission channel (time, fee) or no steps."""
    if not record.channels and "channels_unparsed" not in record.flags:
        record.flags.append("channels_missing")
    if not record.steps:
        record.flags.append("steps_missing")
