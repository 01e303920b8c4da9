"""Normalisation: one canonical spelling for every way a syllable can be written."""

from __future__ import annotations

import unicodedata

import pytest

from dialog.normalize import normalize, strip_diacritics, syllables


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hoà Bình", "hòa bình"),
        ("hòa bình", "hòa bình"),
        ("Thuý", "thúy"),
        ("thúy", "thúy"),
        ("sức khoẻ", "sức khỏe"),
        ("Uỷ ban nhân dân", "ủy ban nhân dân"),
        ("tuỳ", "tùy"),
        ("quý", "quý"),
        ("giữa", "giữa"),
        ("người", "người"),
        ("ngoài", "ngoài"),
        ("hoàng", "hoàng"),
        ("khuyến", "khuyến"),
        ("THỦ TỤC: Đăng ký khai sinh!!", "thủ tục đăng ký khai sinh"),
        ("  dạ,   alo...  ", "dạ alo"),
        ("lệ phí 150.000 đồng", "lệ phí 150 000 đồng"),
        ("mất 7 ngày?", "mất 7 ngày"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_decomposed_input_equals_composed() -> None:
    composed = "đăng ký thường trú"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalize(decomposed) == composed


def test_both_tone_placements_meet() -> None:
    for old, new in [("hòa", "hoà"), ("khỏe", "khoẻ"), ("thủy", "thuỷ"), ("xóa", "xoá"), ("tòa", "toà")]:
        assert normalize(old) == normalize(new) == old


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("đăng ký khai sinh", "dang ky khai sinh"),
        ("Đường", "Duong"),
        ("giấy phép lái xe", "giay phep lai xe"),
        ("thường trú", "thuong tru"),
        ("abc 123", "abc 123"),
    ],
)
def test_strip_diacritics(raw: str, expected: str) -> None:
    assert strip_diacritics(raw) == expected


def test_syllables() -> None:
    assert syllables("Cho em hỏi, làm CCCD ở đâu?") == ["cho", "em", "hỏi", "làm", "cccd", "ở", "đâu"]
    assert syllables("") == []


def test_phonetic_key_merges_southern_rhymes_and_finals() -> None:
    from dialog.index import phonetic_key

    assert phonetic_key("kiem") == phonetic_key("kim")  # kiểm / kỉm
    assert phonetic_key("nuoi") == phonetic_key("nui")  # nuôi / nui
    assert phonetic_key("nguoi") == phonetic_key("ngui")  # người / ngừi
    assert phonetic_key("thuong") == phonetic_key("thuon")  # finals ng / n
    assert phonetic_key("truong") == phonetic_key("chuong")  # initials tr / ch
    assert phonetic_key("kiem") != phonetic_key("kem")
    assert phonetic_key("phap") == phonetic_key("phat")  # stop finals: pháp heard as phát
