"""The procedure edit form and the version diff (pure)."""

from __future__ import annotations

from hotline.console.diff import snapshot_diff
from hotline.console.forms import parse
from knowledge.records import Channel, Document, ProcedureRecord

REC = ProcedureRecord(code="1.1", name="Đăng ký khai sinh", levels=["xã"], steps=["Nộp hồ sơ"],
                      channels=[Channel("direct", "ngay", 0.0, "working", "Miễn phí", 0)],
                      documents=[Document("Tờ khai")])


def test_only_changed_fields_are_returned():
    form = {"name": "Đăng ký khai sinh", "levels": "xã\n", "steps": "Nộp hồ sơ\n\nNhận kết quả", "keywords": " khai  sinh "}
    parsed = parse(form, REC)
    assert parsed.errors == []
    assert parsed.changes == {"steps": ["Nộp hồ sơ", "Nhận kết quả"], "keywords": ["khai sinh"]}


def test_channel_and_document_rows():
    form = {"channels-count": "2", "channels-0-channel": "online", "channels-0-time_text": "3 ngày",
            "channels-0-days": "3,5", "channels-0-day_kind": "calendar", "channels-0-fee_vnd": "50.000",
            "channels-1-channel": "direct",  # empty row: dropped
            "documents-count": "2", "documents-0-name": "Tờ khai", "documents-1-name": "Giấy chứng sinh",
            "documents-1-copies": "1 bản chính"}
    parsed = parse(form, REC)
    assert parsed.errors == []
    assert parsed.changes["channels"] == [{"channel": "online", "time_text": "3 ngày", "days": 3.5,
                                           "day_kind": "calendar", "fee_text": "", "fee_vnd": 50000, "note": ""}]
    assert parsed.changes["documents"][1] == {"name": "Giấy chứng sinh", "form": "", "copies": "1 bản chính", "group": ""}


def test_bad_values_are_reported_in_vietnamese():
    parsed = parse({"name": " ", "channels-count": "1", "channels-0-channel": "fax", "channels-0-days": "1"}, REC)
    assert any("Tên thủ tục" in e for e in parsed.errors) and any("không hợp lệ" in e for e in parsed.errors)
    parsed = parse({"channels-count": "1", "channels-0-channel": "direct", "channels-0-fee_vnd": "-5"}, REC)
    assert parsed.errors == ["Cách thức dòng 1: số không được âm."]


def test_snapshot_diff_lines():
    old = REC.to_dict()
    new = REC.to_dict() | {"steps": ["Nộp hồ sơ", "Nhận kết quả"], "spoken_summary": "Miễn phí.", "version": 2}
    fields = {f.field: f for f in snapshot_diff(old, new)}
    assert set(fields) == {"steps", "spoken_summary"}
    assert [(line.kind, line.text) for line in fields["steps"].lines] == [(" ", "Nộp hồ sơ"), ("+", "Nhận kết quả")]
    assert ("+", "Miễn phí.") in [(line.kind, line.text) for line in fields["spoken_summary"].lines]
