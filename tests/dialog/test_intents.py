"""Yes/no, dialog commands, spoken digits and ordinal choices."""

from __future__ import annotations

import pytest

from dialog.intents import Intent, choice, command, spoken_digit, yes_no


@pytest.mark.parametrize(
    "text",
    [
        "dạ",
        "vâng",
        "vâng ạ",
        "ừ",
        "đúng rồi",
        "đúng rồi ạ",
        "dạ đúng rồi",
        "phải",
        "phải rồi",
        "có",
        "ok",
        "dạ vâng đúng rồi ạ",
        "chính xác",
        "đúng",
        "dung roi",
        "da",
        "vang",
        "Đúng rồi!",
    ],
)
def test_yes(text: str) -> None:
    assert yes_no(text) == Intent("yes")


@pytest.mark.parametrize(
    "text",
    ["không", "không phải", "dạ không", "sai rồi", "thôi", "không đúng", "khong", "khong phai", "hổng phải"],
)
def test_no(text: str) -> None:
    answer = yes_no(text)
    assert answer is not None and answer.name == "no" and answer.rest == ""


def test_no_carries_a_correction() -> None:
    answer = yes_no("không phải, tôi hỏi đăng ký kết hôn")
    assert answer is not None and answer.name == "no"
    assert "kết hôn" in answer.rest


@pytest.mark.parametrize(
    "text",
    [
        "có mất phí không",  # a question, not a yes
        "phải mang giấy tờ gì",
        "không biết lệ phí bao nhiêu",
        "làm giấy khai sinh",
        "ờ",
        "",
        None,
    ],
)
def test_neither_yes_nor_no(text: str | None) -> None:
    assert yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("nói lại", "repeat"),
        ("chị nói lại giúp em", "repeat"),
        ("lặp lại đi", "repeat"),
        ("tôi chưa nghe rõ", "repeat"),
        ("hả", "repeat"),
        ("noi lai", "repeat"),
        ("chậm lại", "slower"),
        ("nói chậm thôi", "slower"),
        ("nhanh quá", "slower"),
        ("gặp nhân viên", "operator"),
        ("cho tôi gặp tổng đài viên", "operator"),
        ("tôi muốn nói chuyện với người thật", "operator"),
        ("nhân viên", "operator"),
        ("gap nhan vien", "operator"),
        ("tạm biệt", "goodbye"),
        ("cảm ơn, không còn gì", "goodbye"),
        ("cảm ơn em", "goodbye"),
        ("thôi cảm ơn nhé", "goodbye"),
        ("tam biet", "goodbye"),
        ("nghe tiếp", "continue"),
        ("tiếp", "continue"),
        ("tiếp tục đi", "continue"),
        ("dừng lại", "stop"),
        ("hỏi thủ tục khác", "another"),
        ("tôi muốn hỏi thêm", "another"),
        ("đọc danh mục", "menu"),
    ],
)
def test_commands(text: str, name: str) -> None:
    intent = command(text)
    assert intent is not None and intent.name == name, (text, intent)


@pytest.mark.parametrize(
    "text",
    [
        "cấp thẻ nhân viên hàng không",  # names a procedure; "nhân viên" alone would be the operator
        "làm giấy khai sinh",
        "lệ phí bao nhiêu",
        "chào em",
        "cho tôi hỏi thêm về đăng ký kết hôn",  # names a procedure
        "bổ sung danh sách xuất khẩu cho cơ sở sản xuất",
        "cảm ơn, cho hỏi làm giấy khai sinh ở đâu",
        "",
    ],
)
def test_not_commands(text: str) -> None:
    assert command(text) is None


@pytest.mark.parametrize(
    ("text", "digit"),
    [
        ("1", "1"),
        ("một", "1"),
        ("bấm một", "1"),
        ("số 2", "2"),
        ("phím ba", "3"),
        ("ba", "3"),
        ("số không", "0"),
        ("bấm 0", "0"),
        ("bam mot", "1"),
        ("chín ạ", "9"),
    ],
)
def test_spoken_digit(text: str, digit: str) -> None:
    assert spoken_digit(text) == digit


@pytest.mark.parametrize("text", ["không", "một hai", "khai sinh", "thứ nhất", "", None])
def test_not_a_spoken_digit(text: str | None) -> None:
    assert spoken_digit(text) is None


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("cái thứ hai", 2),
        ("cái đầu tiên", 1),
        ("thứ nhất", 1),
        ("cái cuối", 3),
        ("số 3", 3),
        ("hai", 2),
        ("thủ tục thứ ba", 3),
        ("cai thu hai", 2),
        ("dạ cái thứ hai ạ", 2),
    ],
)
def test_choice(text: str, index: int) -> None:
    assert choice(text, 3) == index


def test_choice_out_of_range_or_unrelated() -> None:
    assert choice("cái thứ tư", 3) is None
    assert choice("khai sinh", 3) is None
    assert choice("cái cuối", 2) == 2
