from knowledge.parsing.documents import HEADER, form_start, parse_documents, parse_row, split_form
from knowledge.records import Document


def test_groups_rows_quantities():
    text = (
        "* Giấy tờ phải nộp:" + HEADER
        + "- Tờ khai đăng ký khai sinh theo mẫu;Tờ khai đăng ký khai sinh.docx1 bản chính"
        + "- Giấy chứng sinh.1 bản chính"
        + "* Giấy tờ phải xuất trình:" + HEADER
        + "- Hộ chiếu hoặc thẻ căn cước0 bản chính,1 bản sao"
    )
    parsed = parse_documents(text)
    assert parsed.flags == []
    assert parsed.value == [
        Document("Tờ khai đăng ký khai sinh theo mẫu;", "Tờ khai đăng ký khai sinh.docx", "1 bản chính", "Giấy tờ phải nộp"),
        Document("Giấy chứng sinh.", "", "1 bản chính", "Giấy tờ phải nộp"),
        Document("Hộ chiếu hoặc thẻ căn cước", "", "0 bản chính, 1 bản sao", "Giấy tờ phải xuất trình"),
    ]


def test_case_heading_and_dash_heading():
    text = (
        "--" + HEADER + "Đơn đề nghị1 bản chính"
        + "Trường hợp ủy quyền thực hiện thủ tục:" + HEADER + "Văn bản ủy quyền01 bản chính"
    )
    docs = parse_documents(text).value
    assert [(d.name, d.copies, d.group) for d in docs] == [
        ("Đơn đề nghị", "1 bản chính", ""),
        ("Văn bản ủy quyền", "01 bản chính", "Trường hợp ủy quyền thực hiện thủ tục"),
    ]


def test_quantity_inside_prose_is_not_a_row_end():
    docs = parse_documents(HEADER + "Bản sao 01 bản chính giấy phép kinh doanh1 bản sao").value
    assert docs == [Document("Bản sao 01 bản chính giấy phép kinh doanh", "", "1 bản sao", "")]


def test_several_forms_and_lowercase_row_starts():
    text = (
        HEADER
        + "Danh sách theo mẫu;Mẫu số 05-PLIII-LS.docxMẫu số 06-PLIII-LS.docx1 bản chính"
        + "b) Phương án huy động vốn;1 bản chính"
    )
    docs = parse_documents(text).value
    assert docs[0] == Document("Danh sách theo mẫu;", "Mẫu số 05-PLIII-LS.docx; Mẫu số 06-PLIII-LS.docx", "1 bản chính")
    assert docs[1] == Document("b) Phương án huy động vốn;", "", "1 bản chính")


def test_form_glued_without_punctuation():
    assert split_form("Văn bản đề nghị điều chỉnh dự án đầu tưMẫu I.1.8.c.docx")[:2] == (
        "Văn bản đề nghị điều chỉnh dự án đầu tư", "Mẫu I.1.8.c.docx"
    )
    assert split_form("theo Mẫu 04 Phụ lục I Thông tư ngày 26/01/2026Mau so 04.docx")[1] == "Mau so 04.docx"
    assert split_form("Nghị định số 33/2026/NĐ-CP.Mus12-PhlcIII.docx")[1] == "Mus12-PhlcIII.docx"
    assert split_form("theo Thông tư số 94/2025/TT-BNNMTthuyết minh.pdf")[1] == "thuyết minh.pdf"
    assert split_form("Hộ chiếu của người đến liên hệ.Phụ lục VI - NĐ56.docx")[1] == "Phụ lục VI - NĐ56.docx"
    assert split_form("trữ lượng khoáng sảnMau 08-Phu luc_39.2025.TT-BNNMT_02.7.2025.docx")[:2] == (
        "trữ lượng khoáng sản", "Mau 08-Phu luc_39.2025.TT-BNNMT_02.7.2025.docx"
    )
    assert split_form("(theo mẫu tại Phụ lục số 01 ban hành kèm theo Thông tư 11/2014/TT-NHNN)Phuluc01.docx")[:2] == (
        "(theo mẫu tại Phụ lục số 01 ban hành kèm theo Thông tư 11/2014/TT-NHNN)", "Phuluc01.docx"
    )
    assert split_form("theo Thông tư số 21/2015/TT-BNNPTNT)Bieu mau 2.docx")[1] == "Bieu mau 2.docx"
    assert split_form("ngày 30/6/2023 của Bộ Công an.NA5 (1).doc")[1] == "NA5 (1).doc"
    assert split_form("đóng dấu giáp lai.31-Mẫu số 1a-BCA(X13)-2014.doc")[1] == "31-Mẫu số 1a-BCA(X13)-2014.doc"
    assert form_start("Đơn xin nhận con nuôi;1.nxinnhnconnui.doc") == len("Đơn xin nhận con nuôi;")


def test_form_in_a_name_without_a_boundary_is_flagged():
    name, form, flags = split_form("THUỐC THÚ Y NGOÀI DANH MỤC ĐƯỢC PHÉP LƯU HÀNH.docx")
    assert (form, flags) == ("", ["document_form_unsplit"])
    assert name.endswith(".docx")


def test_unsplit_first_form_keeps_the_later_ones_once():
    name, form, flags = split_form("ĐƠN XIN CẤP PHÉP.docxMẫu số 02.docx")
    assert (name, form, flags) == ("ĐƠN XIN CẤP PHÉP.docx", "Mẫu số 02.docx", ["document_form_unsplit"])


def test_row_without_form():
    assert parse_row("- Giấy chứng sinh;1 bản chính", "G").value == Document("Giấy chứng sinh;", "", "1 bản chính", "G")


def test_missing_quantity_and_missing_table():
    assert parse_documents(HEADER + "Đơn đề nghị1 bản chính----").value == [Document("Đơn đề nghị", "", "1 bản chính")]
    parsed = parse_documents(HEADER + "Đơn đề nghị1 bản chínhBản sao giấy phép")
    assert parsed.value[-1] == Document("Bản sao giấy phép")
    assert parsed.flags == ["document_quantity_missing"]
    steps_in_wrong_field = parse_documents("Bước 1. Nộp hồ sơ.\nBước 2. Nhận kết quả.")
    assert (steps_in_wrong_field.value, steps_in_wrong_field.flags) == ([], ["documents_unparsed"])
    assert parse_documents("Không có thông tin").value == []


def test_row_without_a_name_takes_the_heading():
    parsed = parse_documents("Bản sao hộ chiếu còn hiệu lực. " + HEADER + "****1 bản chính,1 bản sao")
    assert parsed.value == [
        Document("Bản sao hộ chiếu còn hiệu lực.", "", "1 bản chính, 1 bản sao", "Bản sao hộ chiếu còn hiệu lực.")
    ]
    assert parsed.flags == ["document_name_in_heading"]


def test_row_followed_by_a_numbered_heading():
    text = HEADER + "Bản sao hợp lệ0 bản chính,1 bản sao1. Trường hợp hưởng một lần" + HEADER + "Đơn đề nghị1 bản chính"
    assert parse_documents(text).value == [
        Document("Bản sao hợp lệ", "", "0 bản chính, 1 bản sao", ""),
        Document("Đơn đề nghị", "", "1 bản chính", "1. Trường hợp hưởng một lần"),
    ]
