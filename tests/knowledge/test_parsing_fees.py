import pytest

from knowledge.parsing.fees import Fee, closing_paren, mentions_money, parse_amount, parse_fee


@pytest.mark.parametrize(
    ("digits", "value"),
    [("10,000", 10000), ("2.000.000", 2000000), ("0", 0), ("150", 150), ("1.5", 1.5), ("1,2,3", None)],
)
def test_parse_amount(digits, value):
    assert parse_amount(digits) == value


@pytest.mark.parametrize(
    ("text", "vnd", "flags"),
    [
        ("Phí : 0 Đồng", 0, []),
        ("Phí : Không Đồng", 0, []),
        ("Phí : 2.000.000 Đồng (Thẩm định cấp phép)", 2000000, []),
        ("Phí : 100.000 Đồng\nLệ phí : 50.000 Đồng", 150000, []),
        ("Lệ phí : 1.5 USD", None, []),
        ("Lệ phí : 03 USD (Lệ phí: 03 USD/Giấy phép)", None, []),
        ("Phí : o Đồng", None, ["fee_unparsed"]),
        ("Phí : Mức thu bằng 50% mức thu phí quy định tại Mục I", None, ["fee_unparsed"]),
        ("Phí :  Đồng (Theo quy định của Bộ Tài chính)", None, ["fee_amount_missing"]),
        ("Lệ phí :   (Thông tư số 249/2016/TT-BTC)", None, ["fee_amount_missing"]),
        ("Phí : 0 Đồng (Thu 500.000 đồng/lần)", None, ["fee_note_conflict"]),
        ("", None, []),
    ],
)
def test_parse_fee_cell(text, vnd, flags):
    parsed = parse_fee(text)
    assert parsed.value.vnd == vnd
    assert parsed.flags == flags


def test_fee_text_keeps_everything():
    assert parse_fee("Phí : 2.000.000 Đồng (Thẩm định)").value == Fee("Phí : 2.000.000 Đồng (Thẩm định)", 2000000)


def test_money_in_text():
    assert mentions_money("Cho một loại hình: 8.000.000/lần")
    assert mentions_money("20.000 vnđ /tờ khai")
    assert mentions_money("100 USD/thẻ")
    assert not mentions_money("Thông tư số 60/2023/TT-BTC ngày 07/9/2023")


def test_closing_paren_nested_and_unbalanced():
    assert closing_paren("(a (b) c)d", 0) == 9
    assert closing_paren("(a (b c", 0) == 7
