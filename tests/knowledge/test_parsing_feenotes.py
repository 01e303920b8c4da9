"""What a fee cell's note says: snippets of real portal notes (code in the comment)."""

import pytest

from knowledge.parsing.feenotes import (
    amounts_in,
    clauses,
    in_thousands,
    is_list_marker,
    mentions_money,
    names_a_fee,
    opens_with_fee,
    unwrap,
)
from knowledge.parsing.fees import Fee, settle


@pytest.mark.parametrize(
    "note",
    [
        # 1.012785, 1.013995, 1.012781, 1.012787 (land records)
        "Theo quy định của Luật phí và lệ phí và các văn bản quy phạm pháp luật hướng dẫn Luật phí và lệ phí.",
        "Theo quy định của Hội đồng nhân dân cấp tỉnh",  # 1.013226
        "do Ủy ban nhân dân cấp tỉnh quy định.",
        # 2.000547: a schedule, waived for some callers only, plus an extra on request
        "Theo mức thu lệ phí do Hội đồng nhân dân cấp tỉnh quy định. Miễn lệ phí cho người thuộc gia đình có "
        "công với cách mạng; người thuộc hộ nghèo; người khuyết tật. Phí cấp bản sao Trích lục (nếu có yêu cầu) "
        "thực hiện theo quy định tại Thông tư số 281/2016/TT-BTC ngày 14/11/2016 của Bộ Tài chính.",
        # 2.002038: waived for some callers, so the others pay
        "Miễn lệ phí đối với người mất quốc tịch xin trở lại quốc tịch Việt Nam mà có hoàn cảnh kinh tế khó khăn.",
        "Miễn lệ phí cho người thuộc gia đình có công với cách mạng; người thuộc hộ nghèo; người khuyết tật.",
        # 1.013206
        "Lệ phí cấp giấy chứng nhận: 40.000 đồng/01 Giấy chứng nhận, riêng đối với ô tô dưới 10 chỗ ngồi "
        "(không bao gồm xe cứu thương): 90.000 đồng/01 Giấy chứng nhận.",
        "Theo quy định của Bộ trưởng Bộ Tài chính.",  # 1.013101
        # 1.002338, 2.000873
        "Phí kiểm dịch động vật, sản phẩm động vật (bao gồm cả thủy sản): theo quy định tại Thông tư số "
        "101/2020/TT-BTC ngày 23/11/2020 của Bộ trưởng Bộ Tài chính",
        "Chi phí khác: Văn bản giá hiện hành của cơ quan có thẩm quyền theo Luật Giá và Nghị định 85/2024/NĐ-CP",
        "Thông tư số 94/2021/TT-BTC",  # 1.003563
        "Cho một loại hình sản phẩm hoặc dịch vụ: 8.000.000/lần",
        "Lệ phí cấp mới 200 USD/lần; lệ phí cấp lại hoặc gia hạn 100 USD/lần.",
        "* Theo quy định tại Thông tư 25/2022/TT-BTC ngày 28/4/2022: 01 triệu đồng/lần cấp.",
        "Phê duyệt đánh giá an ninh cảng thủy nội địa: 20% của 11.000.000 đồng",
        "Phí thẩm định",
        "Phí, lệ phí",
        "Mức lệ phí (nếu có) theo quyết định của Hội đồng nhân dân cấp tỉnh.",
        # an exemption of one fee next to another that is charged
        "không thu phí cấp Giấy chứng nhận kiểm định phương tiện phòng cháy và chữa cháy; phí in và dán tem "
        "kiểm định được quy định tại Thông tư số 02/2021/TT-BTC",
        "Tổ chức khoa học và công nghệ được miễn lệ phí đăng ký kinh doanh",
    ],
)
def test_notes_that_name_a_fee(note):
    assert names_a_fee(note)


@pytest.mark.parametrize(
    "note",
    [
        "",
        "Không",
        "Không có.",
        "Không quy định.",
        "Chưa quy định.",
        "Không thu lệ phí",
        "Miễn lệ phí",
        "- Miễn lệ phí (Thông tư số 47/2019/TT-BTC).",
        "Không được quy định tại Biểu phí, lệ phí đăng ký doanh nghiệp ban hành kèm theo Thông tư số 47/2019/TT-BTC.",
        "Không thu lệ phí đăng ký đối với tổ hợp tác theo quy định tại khoản 2 Điều 22 Luật Hợp tác xã 2023.",
        "(1) Chấp thuận tổ chức lại: Không có.",
        "- Đối với thủ tục kiểm tra nhà nước về an toàn thực phẩm nhập khẩu: Không",
        # the registration is free; only a copy asked for costs
        "(Miễn lệ phí. Phí cấp bản sao Trích lục kết hôn (nếu có yêu cầu) thực hiện theo quy định tại Thông tư "
        "số 281/2016/TT-BTC ngày 14/11/2016 của Bộ Tài chính.)",
        "Cấp lại giấy chứng nhận đủ điều kiện kinh doanh dịch vụ thẩm định giá.",
        "a",
    ],
)
def test_notes_that_leave_free_standing(note):
    assert not names_a_fee(note)


def test_clauses():
    assert clauses("- Mức lệ phí do HĐND quyết định. - Người nộp hồ sơ nộp lệ phí; (")  == [
        "- Mức lệ phí do HĐND quyết định.",
        "- Người nộp hồ sơ nộp lệ phí;",
    ]


def test_money_in_text():
    assert mentions_money("Cho một loại hình: 8.000.000/lần")
    assert mentions_money("Phí hải quan 50USD/chuyến bay")
    assert mentions_money("01 triệu đồng/lần cấp")
    assert mentions_money("20% của 11.000.000 đồng")
    assert not mentions_money("Thông tư số 60/2023/TT-BTC ngày 07/9/2023")


def test_markers_openers_and_unwrap():
    assert is_list_marker("(a)") and is_list_marker(" (1) ") and is_list_marker("(ii)")
    assert not is_list_marker("(Không)")
    assert opens_with_fee("Phí : Thông tư số 261/2016/TT-BTC ngày 05/01/2016")
    assert opens_with_fee("- Các loại phí được quy định tại: + Thông tư số 261/2016/TT-BTC")
    assert not opens_with_fee("Nộp hồ sơ tại Bộ phận một cửa theo quy định")
    assert unwrap("((Theo quy định (HĐND)))") == "Theo quy định (HĐND)"
    assert unwrap("(a) b (c)") == "(a) b (c)"


def test_amounts_typed_in_thousands():
    assert amounts_in("Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần; 1,200,000 VNĐ; năm 2016") == [135000, 1200000]
    assert in_thousands(135, "(Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)") == 135000  # 3.000349
    assert in_thousands(40, "(4.000 đ/giấy thông hành ...)") is None  # 4.000 or 40.000? not said
    assert in_thousands(830, "((nộp 1 lần duy nhất ngay khi nhận công văn ...))") is None
    assert in_thousands(1500, "1.500.000 đồng") is None  # already plausible: not touched


def test_settle():
    assert settle(Fee("Miễn phí", 0), "") == (Fee("Miễn phí", 0), [])
    assert settle(Fee("Miễn phí (Theo quy định của Hội đồng nhân dân cấp tỉnh)", 0),
                  "(Theo quy định của Hội đồng nhân dân cấp tỉnh)") == (
        Fee("Theo quy định của Hội đồng nhân dân cấp tỉnh", None), ["fee_note_conflict", "fee_set_locally"])
    assert settle(Fee("135 VNĐ (135.000 đồng/lần)", 135), "(135.000 đồng/lần)") == (
        Fee("135 VNĐ (135.000 đồng/lần)", 135000), ["fee_in_thousands"])
    assert settle(Fee("850 VNĐ", 850), "") == (Fee("", None), ["fee_implausible"])
    # "(a)" then the rest of the note in the next column: the rest is the witness.
    fee, flags = settle(Fee("Miễn phí (a)", 0), "(a)", "Cung cấp dịch vụ tại cảng hàng không quốc tế: 30.000.000 đồng")
    assert (fee.vnd, flags) == (None, ["fee_note_conflict"])
    assert fee.text.startswith("(a) Cung cấp dịch vụ")
    # An empty note and a description that opens with the fee.
    fee, flags = settle(Fee("Miễn phí", 0), "", "Phí : Thông tư số 261/2016/TT-BTC ngày 05/01/2016")
    assert (fee.vnd, flags) == (None, ["fee_note_conflict"])
    # A description about something else is no witness.
    assert settle(Fee("Miễn phí", 0), "", "Nộp hồ sơ theo quy định của pháp luật.") == (Fee("Miễn phí", 0), [])
    assert settle(Fee("20,000 VNĐ", 20000), "") == (Fee("20,000 VNĐ", 20000), [])


def test_contradicts():
    from knowledge.parsing.feenotes import contradicts

    assert contradicts(800000, "(áp dụng mức phí 400.000 đồng/hồ sơ kể từ ngày 01/7/2025)")
    assert not contradicts(4500000, "gồm 3.000.000 đồng ...; 1.500.000 đồng ...")
    assert not contradicts(50000, "Phí sơ tuyển: 50.000 đồng/hồ sơ. Riêng ngành năng khiếu: 120.000 đồng/hồ sơ")
    assert not contradicts(50000, "Thông tư số 25/2021/TT-BTC ngày 07/4/2021")  # no amount: nothing to contradict
