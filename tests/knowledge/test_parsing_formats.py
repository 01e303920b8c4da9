"""Format detection and whole-record conversion on hand-made objects."""

import json

import pytest

from knowledge.formats import RecordFormatError, detect_format, parse_json, parse_record
from knowledge.formats.bqp import copies_text, decision_number
from knowledge.records import Channel, Document, ProcedureRecord

PORTAL = {
    "ma_thu_tuc": "1.001193",
    "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd",
    "ten_thu_tuc": "Thủ tục  đăng ký khai sinh",
    "so_quyet_dinh": "163/QĐ-BTP",
    "cap_thuc_hien": "Cấp xã",
    "linh_vuc": "Hộ tịch",
    "doi_tuong_thuc_hien": "Công dân Việt Nam",
    "co_quan_co_tham_quyen": "",
    "dia_chi_tiep_nhan": "",
    "co_quan_thuc_hien": "Không có thông tin",
    "trinh_tu_thuc_hien": "- Nộp hồ sơ.\n- Nhận kết quả.",
    "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíTrực tiếp1Miễn phí",
    "thanh_phan_ho_so": "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Giấy chứng sinh.1 bản chính",
    "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnLuật Hộ tịch60/2014/QH13",
    "yeu_cau_dieu_kien": "Không có thông tin",
    "ket_qua_xu_ly": "Giấy khai sinhMã: KQ.G15.000031Từ khóaKhông có thông tinChọn cơ quan thực hiệnNộp hồ sơ",
}

BQP = {
    "thu_tuc_id": "1.013124",
    "source_file": "ChiTietTTHC_1.013124.doc",
    "metadata": {
        "mã_thủ_tục": "1.013124",
        "tên_thủ_tục": "Thủ tục phê duyệt kế hoạch ứng phó sự cố tràn dầu",
        "số_quyết_định": "Quyết định số 6225/QĐ-BQP",
        "cấp_thực_hiện": "Cấp Bộ",
        "lĩnh_vực": "Ứng phó sự cố tràn dầu",
    },
    "content": {
        "trình_tự_thực_hiện": "Bước 1: Gửi hồ sơ. Bước 2: Phê duyệt.",
        "đối_tượng_thực_hiện": "Doanh nghiệp",
        "cơ_quan_thực_hiện": "Văn phòng Ủy ban Quốc gia",
        "địa_chỉ_tiếp_nhận_hs": "Không có thông tin",
        "kết_quả_thực_hiện": "Quyết định phê duyệt.",
        "yêu_cầu_điều_kiện_thực_hiện": "Không",
    },
    "tables": {
        "hinh_thuc_nop": [
            {"hinh_thuc": "Trực tiếp", "thoi_han_giai_quyet": "30 Ngày làm việc", "phi_le_phi": "Phí : 0 Đồng"},
            {"hinh_thuc": "Dịch vụ bưu chính", "thoi_han_giai_quyet": "01 Giờ",
             "phi_le_phi": "Phí : 2.000.000 Đồng (Thẩm định)", "mo_ta": "Gửi qua bưu điện"},
        ],
        "thanh_phan_ho_so": [
            {"ten_giay_to": "Văn bản đề nghị", "so_luong": "", "ghi_chu": "Bản chính: 1\nBản sao: 0"},
            {"ten_giay_to": "Kế hoạch theo mẫu", "so_luong": "5-PHLCII.doc", "ghi_chu": "Bản chính: 0\nBản sao: 1"},
        ],
        "can_cu_phap_ly": [
            {"so_ky_hieu": "12", "trich_yeu": "Quyết định số 12/2021/QĐ-TTg ban hành Quy chế"},
            {"so_ky_hieu": "77/2017/NĐ-CP", "trich_yeu": "Nghị định quy định về quản lý biên giới"},
        ],
    },
}


def test_detect_format():
    assert detect_format(PORTAL) == "portal"
    assert detect_format(BQP) == "bqp"


def test_portal_record():
    record = parse_record(PORTAL)
    assert isinstance(record, ProcedureRecord)
    assert record.code == "1.001193"
    assert record.name == "Thủ tục đăng ký khai sinh"
    assert record.levels == ["xã"]
    assert record.field == "Hộ tịch"
    assert record.agency == ""
    assert record.steps == ["Nộp hồ sơ.", "Nhận kết quả."]
    bare = "1 theo Cổng dịch vụ công, không ghi rõ đơn vị"  # the portal gives "1" with no unit: no number of days is assumed
    assert record.channels == [Channel("online", bare, None, None, "Miễn phí", 0), Channel("direct", bare, None, None, "Miễn phí", 0)]
    assert record.documents == [Document("Giấy chứng sinh.", "", "1 bản chính", "Giấy tờ phải nộp")]
    assert record.legal_basis == ["Luật Hộ tịch (60/2014/QH13)"]
    assert record.result == "Giấy khai sinh"
    assert record.conditions == ""
    assert record.decision == "163/QĐ-BTP"
    assert record.source_url.startswith("https://dichvucong.gov.vn/")
    assert record.flags == ["time_unit_missing"]
    assert record.raw == {"cach_thuc_thuc_hien": PORTAL["cach_thuc_thuc_hien"]}
    # Survives the store's JSON round trip unchanged.
    again = ProcedureRecord.from_dict(json.loads(json.dumps(record.to_dict(), ensure_ascii=False)))
    assert again.source_hash() == record.source_hash()


def test_bqp_record():
    record = parse_record(BQP)
    assert (record.code, record.decision, record.levels) == ("1.013124", "6225/QĐ-BQP", ["bộ"])
    assert record.steps == ["Bước 1: Gửi hồ sơ.", "Bước 2: Phê duyệt."]
    assert record.agency == "Văn phòng Ủy ban Quốc gia"
    assert record.submit_place == ""
    assert record.channels == [
        Channel("direct", "30 ngày làm việc", 30.0, "working", "Phí : 0 Đồng", 0, ""),
        Channel("postal", "1 giờ", 0.125, "working", "Phí : 2.000.000 Đồng (Thẩm định)", 2000000, "Gửi qua bưu điện"),
    ]
    assert record.documents == [
        Document("Văn bản đề nghị", "", "1 bản chính"),
        Document("Kế hoạch theo mẫu", "5-PHLCII.doc", "0 bản chính, 1 bản sao"),
    ]
    assert record.legal_basis == [
        "Quyết định số 12/2021/QĐ-TTg ban hành Quy chế",
        "Nghị định quy định về quản lý biên giới (77/2017/NĐ-CP)",
    ]
    assert record.flags == []
    assert record.raw == {}


def test_bqp_flags_keep_the_raw_table():
    obj = json.loads(json.dumps(BQP))
    obj["tables"]["hinh_thuc_nop"][0]["phi_le_phi"] = "Phí : o Đồng"
    obj["tables"]["hinh_thuc_nop"].append({"hinh_thuc": "Fax", "thoi_han_giai_quyet": "", "phi_le_phi": ""})
    record = parse_record(obj)
    assert record.flags == ["fee_unparsed", "channel_unknown"]
    assert "Phí : o Đồng" in record.raw["tables.hinh_thuc_nop"]
    assert [c.channel for c in record.channels] == ["direct", "postal"]


def test_missing_parts_are_flagged():
    obj = dict(PORTAL, cach_thuc_thuc_hien="Không có thông tin", trinh_tu_thuc_hien="")
    assert parse_record(obj).flags == ["channels_missing", "steps_missing"]


def test_fields_cut_by_the_crawler_are_read_from_the_page_text():
    page = (
        "Trình Tự Thực HiệnBước 1. Lập hồ sơ theo mục 9.3 (Thành phần hồ sơ) và nộp cho cơ quan BHXH.\n"
        "Bước 2. Nhận kết quả.Cách Thức Thực HiệnHình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việc"
        "Miễn phíThành phần hồ sơTên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị (Mẫu số 14-HSB)1 bản chính"
        "Căn cứ pháp lýTên văn bản pháp lýMã văn bảnLuật Bảo hiểm xã hội41/2024/QH15"
    )
    obj = dict(
        PORTAL,
        trinh_tu_thuc_hien="Bước 1. Lập hồ sơ theo mục 9.3 (",
        thanh_phan_ho_so=") và nộp cho cơ quan BHXH.\nBước 2. Nhận kết quả.",
        raw_text=page,
    )
    record = parse_record(obj)
    assert record.documents == [Document("Đơn đề nghị (Mẫu số 14-HSB)", "", "1 bản chính")]
    assert record.steps == [
        "Bước 1. Lập hồ sơ theo mục 9.3 (Thành phần hồ sơ) và nộp cho cơ quan BHXH.",
        "Bước 2. Nhận kết quả.",
    ]
    assert "documents_from_page_text" in record.flags
    assert record.raw["thanh_phan_ho_so"] == obj["thanh_phan_ho_so"]
    without_page = parse_record(dict(obj, raw_text=""))
    assert without_page.documents == []
    assert "documents_unparsed" in without_page.flags


def test_bqp_helpers():
    assert decision_number("3980 /QĐ-BQP") == "3980/QĐ-BQP"
    assert decision_number("Quyết định số 4777") == "4777"
    assert copies_text("Bản chính: 1\nBản sao: 1") == "1 bản chính, 1 bản sao"
    assert copies_text("Bản chính: 0\nBản sao: 0") == "0 bản chính"


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ([1, 2], "a procedure record is a JSON object, not list"),
        ("1.001193", "a procedure record is a JSON object, not str"),
        ({}, "unknown record format (keys: none)"),
        ({"title": "x", "body": "y"}, "unknown record format (keys: body, title)"),
        (dict(PORTAL, ma_thu_tuc=""), "missing procedure code"),
        (dict(PORTAL, ma_thu_tuc="abc"), "procedure code 'abc' is not of the form 1.001193"),
        (dict(PORTAL, ten_thu_tuc="Không có thông tin"), "1.001193: missing procedure name (ten_thu_tuc)"),
        (dict(PORTAL, cach_thuc_thuc_hien=["Trực tuyến"]), "field 'cach_thuc_thuc_hien' should be text, not list"),
        (dict(BQP, metadata={"mã_thủ_tục": 1013124}), "field metadata.'mã_thủ_tục' should be text, not int"),
        (dict(BQP, tables={"hinh_thuc_nop": "Trực tiếp"}), "tables.hinh_thuc_nop should be a list of objects"),
        (dict(BQP, tables={"hinh_thuc_nop": [{"hinh_thuc": 3}]}), "table cell 'hinh_thuc' should be text, not int"),
    ],
)
def test_broken_or_foreign_objects_raise_with_a_reason(obj, reason):
    with pytest.raises(RecordFormatError) as err:
        parse_record(obj)
    assert err.value.reason == reason
    assert str(err.value) == reason


def test_parse_json_from_file_contents():
    text = json.dumps(PORTAL, ensure_ascii=False)
    assert parse_json(text) == parse_record(PORTAL)
    assert parse_json(b"\xef\xbb\xbf" + text.encode("utf-8")).code == "1.001193"  # BOM tolerated


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"ma_thu_tuc": "1.001193",', "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 27"),
        ("", "not valid JSON: Expecting value at line 1 column 1"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
        ("null", "a procedure record is a JSON object, not NoneType"),
    ],
)
def test_parse_json_broken_files(content, reason):
    with pytest.raises(RecordFormatError) as err:
        parse_json(content)
    assert err.value.reason == reason
