from dialog.matcher import Matcher
from dialog.normalize import normalize
from dialog.numbered import contradicts, numbered, record_numbers
from knowledge.records import ProcedureRecord


def test_numbers_after_a_counter() -> None:
    assert numbered(normalize("vneid mức một").split()) == {"muc": {1}}
    assert numbered(normalize("định danh mức độ 02").split()) == {"muc": {2}}
    assert numbered(["dinh", "danh", "muc", "hai"]) == {"muc": {2}}
    assert numbered(normalize("lý lịch tư pháp số hai").split()) == {"so": {2}}
    assert numbered(normalize("mức phí bao nhiêu").split()) == {}
    assert numbered(["viet", "nam"]) == {}


def test_a_record_numbering_the_counter_otherwise_contradicts() -> None:
    level2 = record_numbers(["cấp tài khoản định danh điện tử mức độ 02", "định danh mức hai"])
    assert level2 == {"muc": {2}}
    assert contradicts({"muc": {1}}, level2)
    assert not contradicts({"muc": {2}}, level2)
    assert not contradicts({"muc": {1}}, {})  # a record without the counter says nothing


def test_matcher_prefers_the_sibling_with_the_said_number() -> None:
    records = [
        ProcedureRecord(code="1.011410", name="Cấp tài khoản định danh điện tử mức độ 01 cho công dân Việt Nam"),
        ProcedureRecord(
            code="3.000228",
            name="Cấp tài khoản định danh điện tử mức độ 02, căn cước điện tử cho công dân Việt Nam",
            aliases=["làm định danh điện tử", "kích hoạt vneid", "làm vneid", "định danh mức hai"],
            keywords=["vneid", "mức hai"],
        ),
        ProcedureRecord(code="1.001193", name="Đăng ký khai sinh"),
        ProcedureRecord(code="3.000346", name="Cấp giấy phép lái xe"),
        ProcedureRecord(code="2.002217", name="Cấp hộ chiếu phổ thông"),
    ]
    matcher = Matcher(records)
    assert matcher.match("vneid mức một").candidates[0].code == "1.011410"
    assert matcher.match("vneid mức hai").candidates[0].code == "3.000228"
    assert matcher.match("kích hoạt vneid").candidates[0].code == "3.000228"
