import pytest

from knowledge.parsing.durations import (
    Duration,
    format_number,
    match_duration,
    parse_duration,
    unit_from_text,
)


@pytest.mark.parametrize(
    ("text", "expected", "flags"),
    [
        ("7 Ngày làm việc", Duration("7 ngày làm việc", 7.0, "working"), []),
        ("07 Ngày làm việc", Duration("7 ngày làm việc", 7.0, "working"), []),
        ("15 Ngày", Duration("15 ngày", 15.0, "calendar"), []),
        ("8 Giờ", Duration("8 giờ", 1.0, "working"), []),
        ("2 Giờ", Duration("2 giờ", 0.25, "working"), []),
        ("1.5 Ngày làm việc", Duration("1,5 ngày làm việc", 1.5, "working"), []),
        ("2 Tuần", Duration("2 tuần", 14.0, "calendar"), []),
        ("3 Tháng", Duration("3 tháng", None, None), []),
        ("1", Duration("1 theo Cổng dịch vụ công, không ghi rõ đơn vị"), ["time_unit_missing"]),
        ("Không có thông tin", Duration(), []),
        ("", Duration(), []),
        ("Không quy định", Duration("Không quy định"), []),
        ("Chậm nhất là ngay trước khi tàu rời cảng", Duration("Chậm nhất là ngay trước khi tàu rời cảng"),
         ["time_unparsed"]),
        ("10-25", Duration("10-25"), ["time_unparsed"]),
        ("0", Duration("0 theo Cổng dịch vụ công, không ghi rõ đơn vị"), ["time_unit_missing", "time_zero"]),
        ("0 Ngày làm việc", Duration("0 ngày làm việc"), ["time_zero"]),
    ],
)
def test_parse_duration(text, expected, flags):
    parsed = parse_duration(text)
    assert parsed.value == expected
    assert parsed.flags == flags


def test_leading_number_with_trailing_words_keeps_the_words():
    parsed = parse_duration("30 Ngày làm việc kể từ ngày nhận đủ hồ sơ")
    assert parsed.value == Duration("30 Ngày làm việc kể từ ngày nhận đủ hồ sơ", 30.0, "working")
    assert parsed.flags == []


def test_match_duration_stops_at_the_glued_next_cell():
    found = match_duration("7 Ngày làm việc10,000 Việt Nam Đồng")
    assert found == (Duration("7 ngày làm việc", 7.0, "working"), len("7 Ngày làm việc"))
    assert match_duration("15 NgàyMiễn phí") == (Duration("15 ngày", 15.0, "calendar"), len("15 Ngày"))
    assert match_duration("Miễn phí") is None


def test_format_number():
    assert format_number(7.0) == "7"
    assert format_number(0.5) == "0,5"


def test_unit_from_text():
    steps = "Trong thời hạn 03 (ba) ngày làm việc kể từ ngày nhận đủ hồ sơ, cơ quan cấp giấy phép."
    assert unit_from_text(3.0, steps) == "ngày làm việc"
    assert unit_from_text(3.0, "trả lời trong 3 giờ") == "giờ"
    assert unit_from_text(3.0, "Thông tư 13 ngày 3/5; xử lý trong 23 ngày") is None
    assert unit_from_text(3.0, "3 ngày làm việc, hoặc 3 ngày nếu gửi bưu chính") is None  # two units: no choice
    assert unit_from_text(1.5, "1.5 ngày") is None
    assert unit_from_text(0.0, "0 ngày") is None
