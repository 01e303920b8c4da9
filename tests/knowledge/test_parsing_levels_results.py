from knowledge.parsing.levels import parse_levels
from knowledge.parsing.results import parse_result


def test_levels():
    assert parse_levels("Cấp bộ, Cấp xã").value == ["bộ", "xã"]
    assert parse_levels("Cấp Bộ, Cấp Tỉnh, Cấp Xã, Cơ quan khác").value == ["bộ", "tỉnh", "xã", "khác"]
    assert parse_levels("Cấp huyện").value == ["huyện"]
    assert parse_levels("").value == []
    odd = parse_levels("Cấp tỉnh, Cấp vũ trụ")
    assert (odd.value, odd.flags) == (["tỉnh"], ["level_unknown"])


def test_result_without_page_footer():
    text = (
        "Giấy khai sinhMã: KQ.G15.000031Từ khóaKhông có thông tinMô tảKhông có thông tin"
        "Chọn cơ quan thực hiệnTỉnh/ Thành phốBộ ngành-- Chọn Tỉnh/ Thành phố --Nộp hồ sơ"
    )
    assert parse_result(text) == "Giấy khai sinh"


def test_several_results():
    text = "Giấy chứng nhận cải tạoMã: KQ.G04.000501Tem kiểm địnhMã: KQ.G04.000495Từ khóaKhông có thông tin"
    assert parse_result(text) == "Giấy chứng nhận cải tạo; Tem kiểm định"
    assert parse_result("Quyết định phê duyệt.") == "Quyết định phê duyệt."
    assert parse_result("") == ""


def test_result_code_variants():
    assert parse_result("Đề án phê duyệtMã: KQ-G10-KQ00009Từ khóa:") == "Đề án phê duyệt"
    assert parse_result("Văn bản chấp thuậnMã: KQ.g19.000556Văn bản không chấp thuậnMã: KQ.G19.000557") == (
        "Văn bản chấp thuận; Văn bản không chấp thuận"
    )
    assert parse_result("Giấy phépMã: 000.00.00.G01-KQ0001Từ khóaKhông có thông tin") == "Giấy phép"
