from knowledge.parsing.channels import HEADER, channel_kind, parse_channels, resolve_bare_times
from knowledge.records import Channel


def parse(rows: str):
    return parse_channels(HEADER + rows)


def test_three_rows_with_working_days_and_fees():
    parsed = parse(
        "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(Trường hợp nộp trực tuyến)"
        "Dịch vụ bưu chính7 Ngày làm việc70,000 VNĐ"
        "Trực tiếp7 Ngày làm việc20,000 Việt Nam ĐồngNộp tại Công an cấp xã."
    )
    assert parsed.flags == []
    assert parsed.value == [
        Channel("online", "7 ngày làm việc", 7.0, "working", "10,000 Việt Nam Đồng (Trường hợp nộp trực tuyến)", 10000, ""),
        Channel("postal", "7 ngày làm việc", 7.0, "working", "70,000 VNĐ", 70000, ""),
        Channel("direct", "7 ngày làm việc", 7.0, "working", "20,000 Việt Nam Đồng", 20000, "Nộp tại Công an cấp xã."),
    ]


def test_bare_number_is_kept_with_a_flag():
    parsed = parse("Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí")
    assert parsed.flags == ["time_unit_missing"]
    assert [(c.channel, c.time_text, c.days, c.day_kind, c.fee_vnd) for c in parsed.value] == [
        ("online", "1", 1.0, None, 0),
        ("postal", "1", 1.0, None, 0),
        ("direct", "1", 1.0, None, 0),
    ]


def test_zero_time_is_not_a_number():
    parsed = parse("Trực tiếp0Không có thông tinỦy ban nhân dân cấp tỉnh quy định")
    (row,) = parsed.value
    assert (row.time_text, row.days, row.day_kind) == ("0", None, None)
    assert parsed.flags == ["time_unit_missing", "time_zero"]


def test_hours_and_calendar_days():
    parsed = parse("Trực tuyến8 GiờMiễn phíTrực tiếp15 NgàyMiễn phí")
    assert [(c.time_text, c.days, c.day_kind) for c in parsed.value] == [
        ("8 giờ", 1.0, "working"),
        ("15 ngày", 15.0, "calendar"),
    ]


def test_free_but_the_note_states_a_fee_is_flagged():
    parsed = parse(
        "Trực tuyến12 NgàyMiễn phí(Cho một loại hình sản phẩm hoặc dịch vụ: 8.000.000/lần; "
        "thêm một loại hình sản phẩm hoặc dịch vụ: 2.000.000/lần.)"
    )
    (row,) = parsed.value
    assert row.fee_vnd == 0
    assert row.fee_text.startswith("Miễn phí (Cho một loại hình")
    assert row.note == ""
    assert parsed.flags == ["fee_note_conflict"]


def test_unknown_fee_and_description_column():
    parsed = parse("Trực tuyến3 Ngày làm việcKhông có thông tin- Nộp hồ sơ trên Cổng dịch vụ công.")
    (row,) = parsed.value
    assert (row.fee_text, row.fee_vnd) == ("", None)
    assert row.note == "- Nộp hồ sơ trên Cổng dịch vụ công."
    assert parsed.flags == []


def test_foreign_currency_is_not_a_vnd_amount():
    (row,) = parse("Trực tiếp6 Tháng100 USD(100 USD/thẻ.)").value
    assert (row.time_text, row.days, row.fee_text, row.fee_vnd) == ("6 tháng", None, "100 USD (100 USD/thẻ.)", None)


def test_time_glued_to_a_grouped_fee_is_split_unambiguously():
    (row,) = parse("Trực tuyến120,000 VNĐ(Theo khoản 1 Điều 3 Thông tư số 172/2010/TT-BTC)").value
    assert (row.time_text, row.days, row.fee_vnd) == ("1", 1.0, 20000)
    (row,) = parse("Trực tiếp1100,000 VNĐ(- Phí công bố: 100.000 đồng/lần)").value
    assert (row.days, row.fee_vnd) == (1.0, 100000)


def test_ambiguous_glue_is_not_guessed():
    parsed = parse("Trực tuyến125 VNĐ")
    (row,) = parsed.value
    assert (row.time_text, row.days, row.fee_vnd) == ("", None, None)
    assert row.fee_text == "125 VNĐ"
    assert parsed.flags == ["time_fee_glued"]


def test_glue_settled_by_the_amount_in_the_note():
    parsed = parse("Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)")
    (row,) = parsed.value
    assert (row.days, row.fee_vnd) == (1.0, 20000)
    assert set(parsed.flags) == {"fee_from_note", "time_unit_missing"}


def test_identical_glued_sibling_is_settled_the_same_way():
    parsed = parse("Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐDịch vụ bưu chính125 VNĐ")
    assert [(c.channel, c.days, c.fee_vnd) for c in parsed.value] == [
        ("online", 1.0, 20000),
        ("direct", 1.0, 20000),
        ("postal", None, None),
    ]
    assert set(parsed.flags) == {"fee_from_note", "time_unit_missing", "time_fee_glued"}


def test_labels_inside_descriptions_do_not_start_rows():
    parsed = parse(
        "Trực tuyến2 Ngày làm việcMiễn phí+ Kê khai trực tiếp tại cơ quan. Trực tuyến: nộp qua Cổng."
        "\nDịch vụ bưu chính\t02 Ngày làm việc\tPhí : Đồng\nTrực tiếp2 Ngày làm việcMiễn phí"
    )
    assert [c.channel for c in parsed.value] == ["online", "direct"]
    assert "Dịch vụ bưu chính\t02" not in parsed.value[0].note
    assert parsed.value[0].note.startswith("+ Kê khai trực tiếp")


def test_sentence_time_cell_and_bare_khong():
    parsed = parse(
        "Trực tiếpHệ thống phản hồi tự động.Không có thông tinTại Trung tâm, xãTrực tuyếnKhôngMiễn phíQua Cổng."
    )
    assert [(c.channel, c.time_text, c.fee_vnd, c.note) for c in parsed.value] == [
        ("direct", "Hệ thống phản hồi tự động.", None, "Tại Trung tâm, xã"),
        ("online", "Không", 0, "Qua Cổng."),
    ]
    assert parsed.flags == ["time_unparsed"]


def test_unreadable_table_and_empty_text():
    assert parse_channels("Không có thông tin").value == []
    assert parse_channels("Không có thông tin").flags == []
    broken = parse_channels(HEADER + "Nộp ở đâu cũng được")
    assert (broken.value, broken.flags) == ([], ["channels_unparsed"])


def test_channel_kind():
    assert channel_kind("Trực tuyến") == "online"
    assert channel_kind("trực tiếp") == "direct"
    assert channel_kind("Dịch vụ bưu chính") == "postal"
    assert channel_kind("Fax") is None


def test_bare_times_get_the_unit_the_text_gives():
    rows = parse("Trực tuyến3Miễn phíTrực tiếp5Miễn phí05 (năm) ngày làm việc kể từ ngày nhận hồ sơ.").value
    resolved = resolve_bare_times(rows, "Bước 2: Trong thời hạn 03 ngày làm việc, Sở trả kết quả.")
    assert [(c.time_text, c.days, c.day_kind) for c in resolved.value] == [
        ("3 ngày làm việc", 3.0, "working"),
        ("5 ngày làm việc", 5.0, "working"),
    ]
    assert resolved.flags == ["time_unit_from_text"]
    still_bare = resolve_bare_times(rows, "")
    assert [(c.days, c.day_kind) for c in still_bare.value] == [(3.0, None), (5.0, "working")]
    assert still_bare.flags == ["time_unit_missing", "time_unit_from_text"]
