"""Numbers, money, dates, codes and abbreviations read as Vietnamese words."""

from __future__ import annotations

import re

import pytest

from dialog.verbalize import (
    date_words,
    days_words,
    decimal_words,
    digits_words,
    money_words,
    number_words,
    verbalize,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh tư"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (999, "chín trăm chín mươi chín"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (2025, "hai nghìn không trăm hai mươi lăm"),
        (10000, "mười nghìn"),
        (15000, "mười lăm nghìn"),
        (150000, "một trăm năm mươi nghìn"),
        (200000, "hai trăm nghìn"),
        (1500000, "một triệu năm trăm nghìn"),
        (1000500, "một triệu không nghìn năm trăm"),
        (2000000, "hai triệu"),
        (1000000000, "một tỷ"),
        (1500000000, "một tỷ năm trăm triệu"),
        (2000000000000, "hai nghìn tỷ"),
        (-5, "âm năm"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


def test_money_and_codes() -> None:
    assert money_words(10000) == "mười nghìn đồng"
    assert money_words(0) == "miễn phí"
    assert money_words(1500000) == "một triệu năm trăm nghìn đồng"
    assert digits_words("1.001193") == "một chấm không không một một chín ba"
    assert decimal_words("0", "05") == "không phẩy không năm"


@pytest.mark.parametrize(
    ("days", "kind", "words"),
    [
        (7, "working", "bảy ngày làm việc"),
        (1, "working", "một ngày làm việc"),
        (15, "calendar", "mười lăm ngày"),
        (3, None, "ba ngày"),
        (0.5, "working", "nửa ngày làm việc"),
        (1.5, "working", "một ngày rưỡi làm việc"),
        (0, "working", "ngay trong ngày"),
    ],
)
def test_days_words(days: float, kind: str | None, words: str) -> None:
    assert days_words(days, kind) == words


def test_date_words() -> None:
    assert date_words(12, 6, 2025) == "ngày mười hai tháng sáu năm hai nghìn không trăm hai mươi lăm"
    assert date_words(None, 4, 2024) == "tháng tư năm hai nghìn không trăm hai mươi tư"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("150.000 đồng", "một trăm năm mươi nghìn đồng"),
        ("Lệ phí 150.000đ", "Lệ phí một trăm năm mươi nghìn đồng"),
        ("10,000 Việt Nam Đồng", "mười nghìn đồng"),
        ("1.500.000 VNĐ", "một triệu năm trăm nghìn đồng"),
        ("50.000 đồng/bản", "năm mươi nghìn đồng một bản"),
        ("7 ngày làm việc", "bảy ngày làm việc"),
        ("trong 24 giờ", "trong hai mươi tư giờ"),
        ("sau 15 giờ", "sau mười lăm giờ"),
        ("từ 3-5 ngày", "từ ba đến năm ngày"),
        ("12/6/2025", "ngày mười hai tháng sáu năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 12/06/2025", "ngày mười hai tháng sáu năm hai nghìn không trăm hai mươi lăm"),
        ("tháng 4/2025", "tháng tư năm hai nghìn không trăm hai mươi lăm"),
        ("từ 8h đến 17h30", "từ tám giờ đến mười bảy giờ ba mươi phút"),
        ("lúc 08:00", "lúc tám giờ"),
        ("mã 1.001193", "mã một chấm không không một một chín ba"),
        ("gọi 1900 86 68 95", "gọi một chín không không, tám sáu, sáu tám, chín năm"),
        ("Nghị định 123/2015/NĐ-CP", "Nghị định số một trăm hai mươi ba năm hai nghìn không trăm mười lăm"),
        ("10%", "mười phần trăm"),
        ("1,5", "một phẩy năm"),
        ("0,5 ha", "không phẩy năm héc ta"),
        ("100 m2", "một trăm mét vuông"),
        ("Mẫu số 01", "Mẫu số không một"),
        ("thứ 4", "thứ tư"),
        ("lần 1", "lần thứ nhất"),
        ("Bước 1: nộp hồ sơ", "Bước một: nộp hồ sơ"),
        ("2 bản sao", "hai bản sao"),
        ("104 người", "một trăm linh tư người"),
        ("Nộp tại UBND xã", "Nộp tại ủy ban nhân dân xã"),
        ("mang CCCD", "mang căn cước công dân"),
        ("TTHC về BHXH, BHYT", "thủ tục hành chính về bảo hiểm xã hội, bảo hiểm y tế"),
        ("HĐND tỉnh", "hội đồng nhân dân tỉnh"),
        ("GCN QSDĐ", "giấy chứng nhận quyền sử dụng đất"),
        ("CA xã", "công an xã"),
        ("TP.HCM", "thành phố Hồ Chí Minh"),
        ("nộp trên ứng dụng VNeID", "nộp trên ứng dụng định danh quốc gia"),
        ("xã/phường", "xã hoặc phường"),
        ("phục vụ 24/7", "phục vụ hai mươi tư trên bảy"),
        ("trước ngày 15/3", "trước ngày mười lăm tháng ba"),
        ("tờ khai CT01", "tờ khai CT không một"),
        ("bằng lái hạng A1", "bằng lái hạng A một"),
        ("Ông/bà bấm 1", "Ông bà bấm một"),
    ],
)
def test_verbalize_text(text: str, spoken: str) -> None:
    assert verbalize(text) == spoken


def test_lower_case_words_are_not_abbreviations() -> None:
    # "ca" (a shift) and "tt" in running text stay as they are.
    assert verbalize("làm ca đêm") == "làm ca đêm"


def test_verbalized_text_has_no_digits_left() -> None:
    text = "Lệ phí 200.000 đồng, trả kết quả sau 8 ngày làm việc, từ 7h30 ngày 1/7/2025, hotline 1900 1234"
    spoken = verbalize(text)
    assert not re.search(r"\d", spoken), spoken
    assert "hai trăm nghìn đồng" in spoken
    assert "tám ngày làm việc" in spoken
    assert "ngày một tháng bảy năm hai nghìn không trăm hai mươi lăm" in spoken


def test_verbalize_is_stable_on_words() -> None:
    words = "Về thủ tục đăng ký khai sinh: thủ tục này miễn phí."
    assert verbalize(words) == words
    assert verbalize(verbalize("150.000 đồng")) == "một trăm năm mươi nghìn đồng"
    assert verbalize("") == ""
