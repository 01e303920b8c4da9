"""Text normalisation for speech: exact outputs."""

from __future__ import annotations

import pytest

from tts.normalize import normalize, read_digits, read_number, read_number_token


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (100, "một trăm"),
        (105, "một trăm linh năm"),
        (115, "một trăm mười lăm"),
        (1005, "một nghìn không trăm linh năm"),
        (1050, "một nghìn không trăm năm mươi"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (150_000, "một trăm năm mươi nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (2_050_000, "hai triệu không trăm năm mươi nghìn"),
        (1_000_000_005, "một tỷ không trăm linh năm"),
        (10**12, "một nghìn tỷ"),
        (-3, "âm ba"),
    ],
)
def test_read_number(n: int, words: str) -> None:
    assert read_number(n) == words


@pytest.mark.parametrize(
    ("token", "money", "words"),
    [
        ("150.000", False, "một trăm năm mươi nghìn"),
        ("10,000", True, "mười nghìn"),
        ("1,234,567", False, "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy"),
        ("2,5", False, "hai phẩy năm"),
        ("0,05", False, "không phẩy không năm"),
        ("1.234,5", False, "một nghìn hai trăm ba mươi tư phẩy năm"),
        ("01", False, "không một"),
    ],
)
def test_read_number_token(token: str, money: bool, words: str) -> None:
    assert read_number_token(token, money=money) == words


def test_read_digits() -> None:
    assert read_digits("0912") == "không chín một hai"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Lệ phí là 150.000 đồng.", "Lệ phí là một trăm năm mươi nghìn đồng."),
        ("Phí 10,000 VNĐ mỗi bản.", "Phí mười nghìn đồng mỗi bản."),
        ("150.000đ", "một trăm năm mươi nghìn đồng"),
        ("10,000 Việt Nam Đồng", "mười nghìn đồng"),
        ("1,5 triệu đồng", "một phẩy năm triệu đồng"),
        ("20.000 đồng/bản", "hai mươi nghìn đồng một bản"),
        ("Nộp tại UBND xã", "Nộp tại ủy ban nhân dân xã"),
        ("Sở TN&MT", "Sở tài nguyên và môi trường"),
        ("Ủy ban nhân dân (UBND) xã", "Ủy ban nhân dân xã"),
        ("CMND/CCCD", "chứng minh nhân dân hoặc căn cước công dân"),
        ("Sổ BHXH, thẻ BHYT", "Sổ bảo hiểm xã hội, thẻ bảo hiểm y tế"),
        ("TTHC của HĐND", "thủ tục hành chính của hội đồng nhân dân"),
        ("Thời hạn: 3-5 ngày làm việc.", "Thời hạn: ba đến năm ngày làm việc."),
        (
            "Ngày 12/3/2024",
            "Ngày mười hai tháng ba năm hai nghìn không trăm hai mươi tư",
        ),
        ("từ 15.03.2024", "từ ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi tư"),
        ("tháng 4/2025", "tháng tư năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 2/9", "ngày hai tháng chín"),
        ("Giảm 2,5% lệ phí", "Giảm hai phẩy năm phần trăm lệ phí"),
        ("tăng 10%", "tăng mười phần trăm"),
        ("7h30 đến 17h", "bảy giờ ba mươi đến mười bảy giờ"),
        ("8:00", "tám giờ"),
        ("Thứ 2 - Thứ 6", "Thứ hai đến Thứ sáu"),
        ("lần thứ 1, thứ 4", "lần thứ nhất, thứ tư"),
        ("Gọi 1900 86 68 95.", "Gọi một chín không không, tám sáu, sáu tám, chín năm."),
        ("0912 345 678", "không chín một hai, ba bốn năm, sáu bảy tám"),
        (
            "Nghị định 123/2015/NĐ-CP",
            "Nghị định số một trăm hai mươi ba năm hai nghìn không trăm mười lăm của Chính phủ",
        ),
        ("Mẫu số 01/ĐKTC (bản chính)", "Mẫu số không một trên đê ca tê xê, bản chính"),
        ("Phục vụ 24/7 tại TP.HCM", "Phục vụ hai mươi tư trên bảy tại thành phố Hồ Chí Minh"),
        ("Q.1", "quận một"),
        ("100 m2, 5 km", "một trăm mét vuông, năm ki lô mét"),
        (
            "Số CCCD 001234567890",
            "Số căn cước công dân không không một hai ba bốn năm sáu bảy tám chín không",
        ),
        ("dichvucong.gov.vn", "dichvucong chấm gov chấm vê en"),
        (
            "Xin chào!\n- Bước 1: nộp hồ sơ\n- Bước 2: nhận kết quả",
            "Xin chào! Bước một: nộp hồ sơ. Bước hai: nhận kết quả",
        ),
        ("giấy tờ (nếu có)", "giấy tờ, nếu có"),
        ("“Tờ khai”  *bắt buộc*", "Tờ khai bắt buộc"),
        ("", ""),
    ],
)
def test_normalize(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


def test_normalize_leaves_no_digits_or_known_abbreviations() -> None:
    text = "UBND cấp 2 bản sao GCNQSDĐ trong 30 ngày, phí 1.000.000 VND (BHXH chi trả 80%)."
    out = normalize(text)
    assert not any(ch.isdigit() for ch in out)
    for abbr in ("UBND", "GCNQSDĐ", "VND", "BHXH", "%"):
        assert abbr not in out
    assert "một triệu đồng" in out
    assert "tám mươi phần trăm" in out


@pytest.mark.parametrize(
    "text",
    [
        "Lệ phí 150.000 đồng, nộp tại UBND (CCCD) ngày 12/3/2024 lúc 7h30.",
        "Gọi 1900 86 68 95 hoặc xem dichvucong.gov.vn; TP.HCM, Q.1, 24/7.",
        "Theo 123/2015/NĐ-CP, mẫu 01/ĐKTC - 3-5 ngày; giảm 2,5%.",
    ],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
