import pytest

from knowledge.parsing.channels import HEADER, channel_kind, parse_channels, resolve_bare_times
from knowledge.parsing.durations import UNIT_MISSING
from knowledge.records import Channel

ONE = f"1 {UNIT_MISSING}"  # "1 theo Cổng dịch vụ công, không ghi rõ đơn vị"


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


def test_bare_number_is_kept_in_words_without_a_number_of_days():
    # 1.007695 / 1.010339 / 2.002036 ("75"): no unit in the source, so none is assumed; days=1.0
    # would have callers told "một ngày".
    parsed = parse("Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp75Miễn phí")
    assert parsed.flags == ["time_unit_missing"]
    assert [(c.channel, c.time_text, c.days, c.day_kind, c.fee_vnd) for c in parsed.value] == [
        ("online", ONE, None, None, 0),
        ("postal", ONE, None, None, 0),
        ("direct", f"75 {UNIT_MISSING}", None, None, 0),
    ]


def test_zero_time_is_not_a_number():
    parsed = parse("Trực tiếp0Không có thông tinỦy ban nhân dân cấp tỉnh quy định")
    (row,) = parsed.value
    assert (row.time_text, row.days, row.day_kind) == (f"0 {UNIT_MISSING}", None, None)
    assert parsed.flags == ["time_unit_missing", "time_zero"]


def test_hours_and_calendar_days():
    parsed = parse("Trực tuyến8 GiờMiễn phíTrực tiếp15 NgàyMiễn phí")
    assert [(c.time_text, c.days, c.day_kind) for c in parsed.value] == [
        ("8 giờ", 1.0, "working"),
        ("15 ngày", 15.0, "calendar"),
    ]


def test_free_but_the_note_states_a_fee_is_unknown_and_flagged():
    parsed = parse(
        "Trực tuyến12 NgàyMiễn phí(Cho một loại hình sản phẩm hoặc dịch vụ: 8.000.000/lần; "
        "thêm một loại hình sản phẩm hoặc dịch vụ: 2.000.000/lần.)"
    )
    (row,) = parsed.value
    assert row.fee_vnd is None
    # The misleading label goes; the note is what a caller can be told.
    assert row.fee_text.startswith("Cho một loại hình sản phẩm hoặc dịch vụ: 8.000.000/lần;")
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
    assert (row.time_text, row.days, row.fee_vnd) == (ONE, None, 20000)
    (row,) = parse("Trực tiếp1100,000 VNĐ(- Phí công bố: 100.000 đồng/lần)").value
    assert (row.time_text, row.days, row.fee_vnd) == (ONE, None, 100000)


def test_ambiguous_glue_is_not_guessed():
    parsed = parse("Trực tuyến125 VNĐ")
    (row,) = parsed.value
    assert (row.time_text, row.days, row.fee_vnd) == ("", None, None)
    assert row.fee_text == "125 VNĐ"
    assert parsed.flags == ["time_fee_glued"]


def test_glue_settled_by_the_amount_in_the_note():
    parsed = parse("Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)")
    (row,) = parsed.value
    assert (row.time_text, row.days, row.fee_vnd) == (ONE, None, 20000)
    assert set(parsed.flags) == {"fee_from_note", "time_unit_missing"}


def test_time_glued_to_a_fee_in_thousands_the_note_writes_out():
    # 1.013092: time "1" + fee "23" (thousands): not "123 VNĐ", not 23 đồng.
    parsed = parse(
        "Trực tuyến123 VNĐ(- Giá dịch vụ in lại giấy chứng nhận: 23.000 đồng/01 Giấy chứng nhận kiểm định "
        "tem kiểm định xe cơ giới.)"
    )
    (row,) = parsed.value
    assert (row.time_text, row.days, row.day_kind, row.fee_vnd) == (ONE, None, None, 23000)
    assert set(parsed.flags) == {"fee_from_note", "time_unit_missing"}


def test_identical_glued_sibling_is_settled_the_same_way():
    parsed = parse("Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐDịch vụ bưu chính125 VNĐ")
    assert [(c.channel, c.time_text, c.fee_vnd) for c in parsed.value] == [
        ("online", ONE, 20000),
        ("direct", ONE, 20000),
        ("postal", "", None),
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
    assert [(c.time_text, c.days, c.day_kind) for c in still_bare.value] == [
        (f"3 {UNIT_MISSING}", None, None),
        ("5 ngày làm việc", 5.0, "working"),
    ]
    assert still_bare.flags == ["time_unit_missing", "time_unit_from_text"]


# Slips found by reading seed records against the portal text; each row is the portal's own text.
LAND = "(Theo quy định của Luật phí và lệ phí và các văn bản quy phạm pháp luật hướng dẫn Luật phí và lệ phí.)"


def test_free_label_over_a_provincial_fee_schedule_is_unknown():
    # 1.013995: two rows name the fee law, the postal row is a bare "Miễn phí" (the pick list's default).
    parsed = parse(
        f"Trực tuyến8 Ngày làm việcMiễn phí{LAND}Dịch vụ bưu chính18 Ngày làm việcMiễn phí"
        f"Trực tiếp5 Ngày làm việcMiễn phí{LAND}"
    )
    assert [(c.channel, c.days, c.fee_vnd) for c in parsed.value] == [
        ("online", 8.0, None), ("postal", 18.0, None), ("direct", 5.0, None),
    ]
    assert {c.fee_text for c in parsed.value} == {LAND.strip("()")}
    assert parsed.flags == ["fee_note_conflict"]


def test_free_label_over_the_local_council_fee():
    # 1.013226
    parsed = parse("Trực tuyến20 NgàyMiễn phí(Theo quy định của Hội đồng nhân dân cấp tỉnh)")
    (row,) = parsed.value
    assert (row.time_text, row.fee_text, row.fee_vnd) == ("20 ngày", "Theo quy định của Hội đồng nhân dân cấp tỉnh", None)
    assert parsed.flags == ["fee_note_conflict", "fee_set_locally"]


def test_free_label_over_two_amounts_is_unknown_not_one_of_them():
    # 1.013206: 40.000 or 90.000 đồng depending on the vehicle.
    parsed = parse(
        "Trực tuyến1Miễn phí(Lệ phí cấp giấy chứng nhận: 40.000 đồng/01 Giấy chứng nhận, riêng đối với ô tô dưới "
        "10 chỗ ngồi (không bao gồm xe cứu thương): 90.000 đồng/01 Giấy chứng nhận.)"
    )
    (row,) = parsed.value
    assert (row.time_text, row.days, row.fee_vnd) == (ONE, None, None)
    assert row.fee_text.startswith("Lệ phí cấp giấy chứng nhận: 40.000 đồng")
    assert row.fee_text.endswith("90.000 đồng/01 Giấy chứng nhận.")
    assert set(parsed.flags) == {"fee_note_conflict", "time_unit_missing"}


@pytest.mark.parametrize(
    "row",
    [
        "Trực tuyến1Miễn phí(Theo quy định của Bộ trưởng Bộ Tài chính.)",  # 1.013101
        "Trực tiếp1Miễn phí(Thông tư số 94/2021/TT-BTC)",  # 1.003563
        # 1.002338
        "Trực tiếp1Miễn phí(Phí kiểm dịch động vật, sản phẩm động vật (bao gồm cả thủy sản): theo quy định tại "
        "Thông tư số 101/2020/TT-BTC ngày 23/11/2020 của Bộ trưởng Bộ Tài chính quy định về mức thu.)",
        # 2.002038
        "Trực tiếp85Miễn phí(Miễn lệ phí đối với người mất quốc tịch xin trở lại quốc tịch Việt Nam mà có hoàn "
        "cảnh kinh tế khó khăn, có xác nhận của Ủy ban nhân dân cấp xã, nơi cư trú.)",
    ],
)
def test_free_label_over_a_named_fee_is_unknown(row):
    parsed = parse(row)
    (channel,) = parsed.value
    assert channel.fee_vnd is None and channel.fee_text and not channel.fee_text.startswith("Miễn phí")
    assert channel.days is None and channel.time_text.endswith(UNIT_MISSING)
    assert set(parsed.flags) == {"fee_note_conflict", "time_unit_missing"}


def test_free_label_confirmed_by_its_note_stays_free():
    parsed = parse(
        "Trực tuyến5 Ngày làm việcMiễn phí(Không thu lệ phí)Trực tiếp5 Ngày làm việcMiễn phí(Miễn lệ phí. Phí cấp "
        "bản sao Trích lục kết hôn (nếu có yêu cầu) thực hiện theo quy định tại Thông tư số 281/2016/TT-BTC.)"
    )
    assert [c.fee_vnd for c in parsed.value] == [0, 0]
    assert parsed.flags == []


def test_amount_typed_in_thousands_is_read_from_the_note():
    # 3.000349
    parsed = parse("Trực tiếp5 Ngày làm việc135 VNĐ(Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)")
    (row,) = parsed.value
    assert (row.fee_vnd, row.fee_text) == (135000, "135 VNĐ (Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)")
    assert parsed.flags == ["fee_in_thousands"]


def test_implausible_amount_the_note_does_not_confirm_is_unknown():
    parsed = parse(
        "Trực tuyến7 Ngày làm việc40 Việt Nam Đồng(4.000 đ/giấy thông hành (áp dụng đến hết ngày 31/12/2026))"
        "Trực tiếp7 Ngày làm việc850 VNĐ"
        "Dịch vụ bưu chính7 Ngày làm việc155 VNĐ(Thẻ tạm trú có thời hạn từ trên 02 năm đến 05 năm: 155 USD/thẻ.)"
    )
    assert [(c.fee_vnd, c.fee_text) for c in parsed.value] == [
        (None, "4.000 đ/giấy thông hành (áp dụng đến hết ngày 31/12/2026)"),
        (None, ""),
        (None, "Thẻ tạm trú có thời hạn từ trên 02 năm đến 05 năm: 155 USD/thẻ."),
    ]
    assert parsed.flags == ["fee_implausible"]


@pytest.mark.parametrize(
    ("row", "vnd"),
    [
        ("Trực tuyến15 Ngày làm việc800,000 VNĐ(đồng/lần)", 800000),  # 1.004363: comma groups thousands
        ("Trực tuyến7 Ngày làm việc230,000 Việt Nam Đồng(Kiểm tra điều kiện cơ sở buôn bán thuốc thú y, "
         "thuốc thú y thủy sản: 230.000/lần)07 ngày làm việc kể từ ngày nhận hồ sơ hợp lệ.", 230000),  # 1.001686
    ],
)
def test_comma_grouped_amounts(row, vnd):
    parsed = parse(row)
    assert [c.fee_vnd for c in parsed.value] == [vnd]
    assert parsed.flags == []


def test_a_note_cut_at_its_first_list_number_is_read_whole():
    # 3.000380: "(a)" closed the bracket the note opened; the fee table runs on to the real ")".
    parsed = parse(
        "Trực tuyến5 Ngày làm việcMiễn phí(a) Cung cấp dịch vụ tại cảng hàng không quốc tế: - Cấp lại do thay đổi "
        "nội dung: 30.000.000 đồng; - Cấp lại do bị mất, rách, hỏng: 5.000.000 đồng.  b) Cung cấp dịch vụ tại cảng "
        "hàng không khác: - Cấp lại do bị mất, rách, hỏng: 5.000.000 đồng.)- Đối với giấy phép cấp lại do thay "
        "đổi nội dung: Trong thời hạn 05 ngày làm việc kể từ ngày nhận đủ hồ sơ."
    )
    (row,) = parsed.value
    assert row.fee_vnd is None
    assert row.fee_text.startswith("a) Cung cấp dịch vụ tại cảng hàng không quốc tế")
    assert row.fee_text.endswith("5.000.000 đồng.")
    assert row.note.startswith("- Đối với giấy phép cấp lại")
    assert parsed.flags == ["fee_note_conflict"]


def test_a_list_number_that_opens_the_description_stays_there():
    # 1.012413: "(i)" opens the description column; nothing closes it, nothing names a fee.
    parsed = parse(
        "Trực tuyến20 Ngày làm việcMiễn phí(i) Trường hợp diện tích rừng tạm sử dụng thuộc phạm vi quản lý của "
        "chủ rừng: 20 ngày làm việc, kể từ ngày Sở nhận được hồ sơ hợp lệ. (ii) Trường hợp khác: 30 ngày."
    )
    (row,) = parsed.value
    assert (row.fee_vnd, row.fee_text) == (0, "Miễn phí (i)")
    assert row.note.startswith("Trường hợp diện tích rừng")
    assert parsed.flags == []


def test_amount_the_note_contradicts_is_unknown_but_parts_that_add_up_are_not():
    parsed = parse(
        "Trực tuyến15 Ngày làm việc800,000 Việt Nam Đồng((áp dụng mức phí 400.000 đồng/hồ sơ kể từ ngày 01/7/2025 "
        "đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC))"
        "Trực tiếp15 Ngày làm việc4,500,000 Việt Nam Đồng(gồm 3.000.000 đồng thẩm định tiêu chuẩn; 1.500.000 đồng "
        "thẩm định điều kiện hoạt động)"
    )
    online, direct = parsed.value
    assert online.fee_vnd is None and online.fee_text.startswith("800,000 Việt Nam Đồng (")
    assert direct.fee_vnd == 4500000
    assert parsed.flags == ["fee_note_differs"]
