from knowledge.parsing.legal import HEADER, legal_entry, parse_legal


def test_titles_glued_to_codes():
    text = (
        HEADER
        + "Luật Hộ tịch60/2014/QH13"
        + "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết Luật Hộ tịch123/2015/NĐ-CP"
        + "Quyết định 601/QĐ-BTC601/QĐ-BTC"
        + "Nghị quyết về cắt giảm thủ tục66.7/2025/NQ-CP"
        + "Quyết định của Thủ tướng22/2025/QĐ-TTg"
    )
    parsed = parse_legal(text)
    assert parsed.flags == []
    assert parsed.value == [
        "Luật Hộ tịch (60/2014/QH13)",
        "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết Luật Hộ tịch",
        "Quyết định 601/QĐ-BTC",
        "Nghị quyết về cắt giảm thủ tục (66.7/2025/NQ-CP)",
        "Quyết định của Thủ tướng (22/2025/QĐ-TTg)",
    ]


def test_title_containing_its_code_glued_to_the_code():
    assert parse_legal(HEADER + "Luật 60/2014/QH1360/2014/QH13Thông tư hướng dẫn04/2020/TT-BTP").value == [
        "Luật 60/2014/QH13",
        "Thông tư hướng dẫn (04/2020/TT-BTP)",
    ]


def test_five_glued_digits():
    assert parse_legal(HEADER + "Luật Thi hành án dân sự số 106/2025/QH15106/2025/QH15").value == [
        "Luật Thi hành án dân sự số 106/2025/QH15"
    ]


def test_code_glued_after_a_year_or_a_full_stop():
    assert parse_legal(HEADER + "Luật Công chứng năm 202446/2024/QH15").value == [
        "Luật Công chứng năm 2024 (46/2024/QH15)"
    ]
    assert parse_legal(HEADER + "Thông tư số 55/2026/TT-BTC ngày 15/5/2026.55/2026/TT-BTC").value == [
        "Thông tư số 55/2026/TT-BTC ngày 15/5/2026"
    ]
    assert parse_legal(HEADER + "Quy định về đào tạo lái xe.160/2024/NĐ-CP").value == [
        "Quy định về đào tạo lái xe (160/2024/NĐ-CP)"
    ]


def test_cut_code_and_unreadable_rest():
    assert parse_legal(HEADER + "Nghị định số 46/2020/NĐ-CP46/2020").value == ["Nghị định số 46/2020/NĐ-CP"]
    parsed = parse_legal(HEADER + "Luật Thú y 2015")
    assert parsed.value == ["Luật Thú y 2015"]
    assert parsed.flags == ["legal_unparsed"]


def test_legal_entry_and_empty():
    assert legal_entry("Luật Cư trú", "68/2020/QH14") == "Luật Cư trú (68/2020/QH14)"
    assert legal_entry("Luật 68/2020/QH14 Cư trú", "68/2020/QH14") == "Luật 68/2020/QH14 Cư trú"
    assert legal_entry("", "68/2020/QH14") == "68/2020/QH14"
    assert parse_legal("Không có thông tin").value == []
