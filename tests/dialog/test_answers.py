"""Spoken answers composed from procedure records."""

from __future__ import annotations

import re

from dialog.answers import (
    CHUNK_CHARS,
    CHUNK_ITEMS,
    documents_chunks,
    fee_text,
    money_text,
    place_text,
    spoken_name,
    steps_chunks,
    summary,
    time_text,
    topic_answer,
)
from knowledge.records import Channel, Document, ProcedureRecord


def _record(**overrides) -> ProcedureRecord:
    base = dict(
        code="1.004222",
        name="Thủ tục đăng ký thường trú",
        levels=["xã"],
        field="Đăng ký, quản lý cư trú",
        agency="Công an cấp xã",
        channels=[
            Channel("direct", days=7, day_kind="working", fee_vnd=15000),
            Channel("online", days=7, day_kind="working", fee_vnd=7000),
        ],
        steps=[f"Bước việc số {i}" for i in range(1, 8)],
        documents=[
            Document("Tờ khai thay đổi thông tin cư trú", copies="1 bản chính"),
            Document("Giấy tờ chứng minh chỗ ở hợp pháp", copies="1 bản sao"),
            Document("Căn cước", copies="xuất trình bản chính", group="Giấy tờ phải xuất trình"),
        ],
        result="Thông tin cư trú được cập nhật vào cơ sở dữ liệu",
    )
    base.update(overrides)
    return ProcedureRecord(**base)


def test_long_names_are_cut_at_a_clause() -> None:
    long = (
        "Thủ tục: Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất trong các trường "
        "hợp chuyển đổi quyền sử dụng đất nông nghiệp; chuyển nhượng, thừa kế, tặng cho quyền sử dụng đất "
        "(theo Nghị định số 101)"
    )
    name = spoken_name(_record(name=long))
    assert name.startswith("đăng ký biến động quyền sử dụng đất")
    assert len(name) <= 110 and "(" not in name and not name.endswith(",")
    assert spoken_name(_record(name="Cấp hộ chiếu (thực hiện tại cấp tỉnh)")) == "cấp hộ chiếu"


def test_urls_are_not_read() -> None:
    record = _record(submit_place="Cổng thông tin (https://www.xuatnhapcanh.gov.vn) hoặc trụ sở")
    assert "http" not in place_text(record) and "Cổng thông tin hoặc trụ sở" in place_text(record)


def test_per_case_figures_become_a_range() -> None:
    record = _record(
        channels=[
            Channel("direct", days=37, day_kind="calendar", fee_vnd=0),
            Channel("direct", days=87, day_kind="calendar", fee_vnd=500000),
            Channel("online", days=42, day_kind="calendar", fee_vnd=0),
        ]
    )
    assert (
        time_text(record) == "Thời gian giải quyết tùy trường hợp, từ ba mươi bảy ngày đến tám mươi bảy ngày."
    )
    assert fee_text(record) == "Lệ phí tùy trường hợp, có trường hợp miễn phí, cao nhất là 500.000 đồng."


def test_spoken_name_drops_the_prefix() -> None:
    assert spoken_name(_record()) == "đăng ký thường trú"
    assert spoken_name(_record(name="Cấp hộ chiếu phổ thông")) == "cấp hộ chiếu phổ thông"
    assert spoken_name(_record(name="UBND cấp giấy phép")) == "UBND cấp giấy phép"


def test_composed_summary_has_place_time_and_fee() -> None:
    seg = summary(_record())
    assert seg.key == "proc:1.004222:summary"
    assert seg.text.startswith("Về thủ tục đăng ký thường trú:")
    assert "Công an cấp xã" in seg.text
    assert "trực tiếp hoặc trực tuyến" in seg.text
    assert "7 ngày làm việc" in seg.spoken or "bảy ngày làm việc" in seg.spoken
    assert "Lệ phí khi nộp trực tiếp là 15.000 đồng, khi nộp trực tuyến là 7.000 đồng." in seg.text
    spoken = seg.spoken
    assert "mười lăm nghìn đồng" in spoken and "bảy nghìn đồng" in spoken
    assert not re.search(r"\d", spoken)


def test_staff_summary_wins() -> None:
    record = _record(spoken_summary="Ông bà nộp ở công an xã, mất 7 ngày, lệ phí 15.000 đồng.")
    seg = summary(record)
    assert (
        seg.text == "Về thủ tục đăng ký thường trú: ông bà nộp ở công an xã, mất 7 ngày, lệ phí 15.000 đồng."
    )
    assert "bảy ngày" in seg.spoken and "mười lăm nghìn đồng" in seg.spoken
    after_topic = summary(record, without="fee")
    assert after_topic.key == "proc:1.004222:summary:bare"
    assert not after_topic.text.startswith("Về thủ tục")


def test_summary_without_the_topic_just_answered() -> None:
    seg = summary(_record(), without="fee")
    assert seg.key == "proc:1.004222:summary:no-fee"
    assert "đồng" not in seg.text and "ngày làm việc" in seg.text


def test_free_and_unknown_fees() -> None:
    free = _record(channels=[Channel("direct", days=1, day_kind="working", fee_vnd=0)])
    assert fee_text(free) == "Thủ tục này miễn phí."
    paid = _record(channels=[Channel("direct", fee_vnd=200000), Channel("online", fee_vnd=200000)])
    assert fee_text(paid) == "Lệ phí là 200.000 đồng."
    described = _record(channels=[Channel("direct", fee_text="Theo quy định của Bộ Tài chính")])
    assert fee_text(described) == "Lệ phí: Theo quy định của Bộ Tài chính."
    assert fee_text(_record(channels=[])) == ""
    assert money_text(1500000) == "1.500.000 đồng"


def test_time_texts() -> None:
    assert time_text(_record()) == "Thời gian giải quyết là bảy ngày làm việc."
    mixed = _record(
        channels=[
            Channel("direct", days=5, day_kind="working"),
            Channel("online", days=3, day_kind="working"),
        ]
    )
    assert time_text(mixed) == (
        "Thời gian giải quyết khi nộp trực tiếp là năm ngày làm việc, khi nộp trực tuyến là ba ngày làm việc."
    )
    described = _record(channels=[Channel("direct", time_text="Trong ngày làm việc")])
    assert time_text(described) == "Thời gian giải quyết: Trong ngày làm việc."


def test_a_figure_known_for_some_ways_only_is_said_for_those() -> None:
    # 2.002233-like: the portal gives a time and fee for direct submission only.
    partial = _record(
        channels=[
            Channel("direct", days=6, day_kind="working", fee_vnd=50000),
            Channel("online", time_text="1 theo Cổng dịch vụ công, không ghi rõ đơn vị"),
            Channel("postal"),
        ]
    )
    assert time_text(partial) == "Thời gian giải quyết khi nộp trực tiếp là sáu ngày làm việc."
    assert fee_text(partial) == "Lệ phí khi nộp trực tiếp là 50.000 đồng."


def test_place_prefers_submit_place_then_agency_then_level() -> None:
    assert place_text(_record(submit_place="Bộ phận một cửa xã")).startswith(
        "Ông/bà nộp hồ sơ tại Bộ phận một cửa xã."
    )
    assert place_text(_record()).startswith("Cơ quan giải quyết là Công an cấp xã.")
    assert place_text(_record(agency="", channels=[])) == "Thủ tục được giải quyết ở cấp xã."


def test_topic_answers() -> None:
    record = _record()
    fee = topic_answer(record, "fee")
    assert fee is not None and fee.key == "proc:1.004222:fee"
    assert "15.000 đồng" in fee.text
    online = topic_answer(record, "online")
    assert online is not None and "trực tuyến" in online.text
    result = topic_answer(record, "result")
    assert result is not None and "cơ sở dữ liệu" in result.text
    conditions = topic_answer(record, "conditions")
    assert conditions is not None and "chưa có thông tin" in conditions.text
    assert topic_answer(record, "steps") is None  # read in chunks instead


def test_steps_are_read_in_short_numbered_chunks() -> None:
    chunks = steps_chunks(_record())
    assert [c.key for c in chunks] == [
        "proc:1.004222:steps:0",
        "proc:1.004222:steps:1",
        "proc:1.004222:steps:2",
    ]
    assert chunks[0].text.startswith("Các bước làm thủ tục đăng ký thường trú.")
    assert "Bước 1:" in chunks[0].text and "Bước 3:" in chunks[0].text and "Bước 4:" not in chunks[0].text
    assert "Bước 7:" in chunks[2].text
    assert all(len(re.findall(r"Bước \d+:", c.text)) <= CHUNK_ITEMS for c in chunks)
    assert "Bước bảy" in chunks[2].spoken


def test_long_step_is_split_at_sentences() -> None:
    long_step = " ".join(
        f"Câu thứ {i} của bước này khá dài để thử cắt đoạn cho điện thoại." for i in range(1, 15)
    )
    chunks = steps_chunks(_record(steps=[long_step, "Nhận kết quả"]))
    assert len(chunks) >= 3
    assert all(len(c.text) <= CHUNK_CHARS + 80 for c in chunks)
    assert "Nhận kết quả" in chunks[-1].text


def test_documents_have_copies_and_group_headings() -> None:
    chunks = documents_chunks(_record())
    assert len(chunks) == 1
    text = chunks[0].text
    assert text.startswith("Giấy tờ cần chuẩn bị cho thủ tục đăng ký thường trú.")
    assert "Thứ 1: Tờ khai thay đổi thông tin cư trú, 1 bản chính." in text
    assert "Giấy tờ phải xuất trình: Thứ 3: Căn cước, xuất trình bản chính." in text
    assert "Thứ nhất" in chunks[0].spoken and "một bản sao" in chunks[0].spoken


def test_no_steps_or_documents_gives_no_chunks() -> None:
    empty = _record(steps=[], documents=[])
    assert steps_chunks(empty) == [] and documents_chunks(empty) == []
