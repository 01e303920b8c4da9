"""Whole conversations driven turn by turn through the dialog manager, with the real matcher."""

from __future__ import annotations

import json

import pytest

from dialog.manager import MAX_REPROMPTS, DialogManager, MenuGroup, Turn, default_menu
from dialog.matcher import Matcher
from knowledge.records import Channel, Document, ProcedureRecord


def _ch(kind: str, days: float, fee: int) -> Channel:
    return Channel(kind, days=days, day_kind="working", fee_vnd=fee)


RECORDS = [
    ProcedureRecord(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        levels=["xã"],
        field="Hộ tịch",
        agency="Ủy ban nhân dân cấp xã",
        submit_place="Ủy ban nhân dân xã, phường nơi cư trú",
        channels=[_ch("direct", 1, 0), _ch("online", 1, 0)],
        documents=[
            Document("Tờ khai đăng ký khai sinh", copies="1 bản chính"),
            Document("Giấy chứng sinh", copies="1 bản chính"),
            Document("Văn bản ủy quyền nếu nhờ người khác đi đăng ký", copies="1 bản chính"),
            Document(
                "Căn cước của người đi đăng ký",
                copies="xuất trình bản chính",
                group="Giấy tờ phải xuất trình",
            ),
        ],
        steps=[
            "Nộp tờ khai và giấy chứng sinh tại bộ phận một cửa",
            "Cán bộ kiểm tra hồ sơ",
            "Công chức hộ tịch ghi vào sổ hộ tịch",
            "Người yêu cầu nhận Giấy khai sinh",
        ],
        result="Giấy khai sinh",
        aliases=["làm giấy khai sinh", "khai sinh cho con"],
        keywords=["khai sinh", "giấy khai sinh"],
    ),
    ProcedureRecord(
        code="2.000528",
        name="Thủ tục đăng ký khai sinh có yếu tố nước ngoài",
        levels=["xã"],
        field="Hộ tịch",
        channels=[_ch("direct", 15, 0)],
        aliases=["khai sinh cho con lai"],
    ),
    ProcedureRecord(
        code="1.004884",
        name="Thủ tục đăng ký lại khai sinh",
        levels=["xã"],
        field="Hộ tịch",
        channels=[_ch("direct", 5, 0)],
        aliases=["làm lại giấy khai sinh", "mất giấy khai sinh"],
    ),
    ProcedureRecord(
        code="1.000894",
        name="Thủ tục đăng ký kết hôn",
        levels=["xã"],
        field="Hộ tịch",
        submit_place="Ủy ban nhân dân xã, phường nơi cư trú của một trong hai bên",
        channels=[_ch("direct", 1, 0), _ch("online", 1, 0)],
        aliases=["làm giấy kết hôn", "đăng ký cưới"],
    ),
    ProcedureRecord(
        code="1.000001",
        name="Cấp giấy xác nhận tình trạng hôn nhân",
        levels=["xã"],
        field="Hộ tịch",
        channels=[_ch("direct", 3, 0)],
    ),
    ProcedureRecord(
        code="1.004222",
        name="Đăng ký thường trú",
        levels=["xã"],
        field="Đăng ký, quản lý cư trú",
        agency="Công an cấp xã",
        channels=[_ch("direct", 7, 15000), _ch("online", 7, 7000)],
        aliases=["nhập hộ khẩu", "đăng ký hộ khẩu"],
    ),
    ProcedureRecord(
        code="2.002202",
        name="Cấp hộ chiếu phổ thông ở trong nước",
        levels=["tỉnh"],
        field="Quản lý xuất nhập cảnh",
        agency="Phòng Quản lý xuất nhập cảnh Công an tỉnh",
        channels=[_ch("direct", 8, 200000), _ch("online", 8, 200000)],
        documents=[Document("Tờ khai đề nghị cấp hộ chiếu", copies="1 bản chính")],
        aliases=["làm hộ chiếu", "làm passport"],
    ),
    ProcedureRecord(
        code="2.002204",
        name="Cấp hộ chiếu phổ thông ở nước ngoài",
        levels=["bộ"],
        field="Quản lý xuất nhập cảnh",
        channels=[_ch("direct", 8, 0)],
    ),
    ProcedureRecord(
        code="1.009994",
        name="Cấp giấy phép xây dựng nhà ở riêng lẻ",
        levels=["xã"],
        field="Hoạt động xây dựng",
        channels=[_ch("direct", 15, 75000)],
        aliases=["xin phép xây nhà"],
    ),
]
CATALOGUE = {r.code: r for r in RECORDS}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(RECORDS)


def _expect(matcher: Matcher, text: str, action: str) -> None:
    """Precondition on the matcher, so a changed decision fails here with a clear message."""
    result = matcher.match(text)
    assert result.action == action, f"matcher now decides {result.action} for {text!r}: {result.candidates}"


class Call:
    """A call in a test: say(), press(), silence(); remembers every turn."""

    def __init__(
        self, matcher: Matcher, *, operator: bool = False, menu: list[MenuGroup] | None = None
    ) -> None:
        self.dm = DialogManager(CATALOGUE, matcher, operator_available=operator, menu=menu)
        self.turns: list[Turn] = [self.dm.start()]

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    def say(self, text: str) -> Turn:
        self.turns.append(self.dm.handle(text))
        return self.last

    def press(self, digits: str) -> Turn:
        self.turns.append(self.dm.handle(digits=digits))
        return self.last

    def silence(self) -> Turn:
        self.turns.append(self.dm.handle())
        return self.last


def self_name(code: str) -> str:
    return CATALOGUE[code].name.removeprefix("Thủ tục ").lower()


def keys(turn: Turn) -> list[str]:
    return [s.key for s in turn.segments]


# --- greeting, direct answers, topics ------------------------------------------


def test_greeting(matcher: Matcher) -> None:
    call = Call(matcher)
    turn = call.last
    assert keys(turn) == ["fixed:greeting"]
    assert "Ông/bà cần hỏi" in turn.reply
    assert turn.action == "continue" and turn.expects == "speech"
    assert call.dm.state == "listen"
    assert turn.event.decision == "greeting" and turn.event.index == 0


def test_direct_answer_then_goodbye(matcher: Matcher) -> None:
    _expect(matcher, "làm giấy khai sinh", "answer")
    call = Call(matcher)
    turn = call.say("dạ cho em hỏi làm giấy khai sinh")
    assert turn.event.decision == "answer"
    assert turn.event.procedure_code == "1.001193"
    assert keys(turn) == ["proc:1.001193:summary", "fixed:offer_no_operator"]
    assert "Về thủ tục đăng ký khai sinh" in turn.reply
    assert "Ủy ban nhân dân xã" in turn.reply and "miễn phí" in turn.reply
    assert "một ngày làm việc" in turn.reply
    assert "Bấm 1 để nghe các bước".lower() in turn.reply.lower()
    assert "0 để gặp nhân viên" not in turn.reply  # no operator on duty
    assert turn.event.candidates[0][0] == "1.001193"
    assert call.dm.state == "offer" and turn.expects == "any"

    bye = call.say("cảm ơn, không còn gì")
    assert bye.action == "hangup" and keys(bye) == ["fixed:goodbye"]
    assert "Cảm ơn ông/bà" in bye.reply
    assert call.dm.finished
    after = call.say("alo")
    assert after.action == "hangup" and after.segments == [] and after.event.decision == "ended"


def test_fee_question_answers_the_fee_first(matcher: Matcher) -> None:
    _expect(matcher, "nhập hộ khẩu mất bao nhiêu tiền", "answer")
    call = Call(matcher)
    turn = call.say("nhập hộ khẩu mất bao nhiêu tiền")
    assert turn.event.procedure_code == "1.004222" and turn.event.topic == "fee"
    assert keys(turn)[:2] == ["proc:1.004222:fee", "proc:1.004222:summary:no-fee"]
    first = turn.segments[0]
    assert "15.000 đồng" in first.text and "7.000 đồng" in first.text
    assert "mười lăm nghìn đồng" in first.spoken
    assert "đồng" not in turn.segments[1].text  # the fee is not said twice
    assert "bảy ngày làm việc" in turn.segments[1].text


def test_time_question_answers_the_time_first(matcher: Matcher) -> None:
    call = Call(matcher)
    turn = call.say("làm passport mất mấy ngày")
    assert turn.event.procedure_code == "2.002202" and turn.event.topic == "time"
    assert turn.segments[0].key == "proc:2.002202:time"
    assert "tám ngày làm việc" in turn.segments[0].text


def test_documents_question_reads_the_documents(matcher: Matcher) -> None:
    call = Call(matcher)
    turn = call.say("làm hộ chiếu cần giấy tờ gì")
    assert turn.event.procedure_code == "2.002202" and turn.event.topic == "documents"
    assert keys(turn)[0] == "proc:2.002202:documents:0"
    assert "Tờ khai đề nghị cấp hộ chiếu" in turn.reply
    assert call.dm.state == "offer"  # one chunk only: straight back to the offer


def test_topic_question_about_the_current_procedure(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    turn = call.say("thế có mất tiền không")
    assert turn.event.decision == "topic" and turn.event.topic == "fee"
    assert turn.event.procedure_code == "1.001193"
    assert keys(turn) == ["proc:1.001193:fee", "fixed:offer_no_operator"]
    assert "miễn phí" in turn.reply


# --- confirmation ---------------------------------------------------------------


def _to_confirm(matcher: Matcher, **kw) -> Call:
    _expect(matcher, "đăng ký hôn nhân", "confirm")
    call = Call(matcher, **kw)
    turn = call.say("đăng ký hôn nhân")
    assert turn.event.decision == "confirm"
    assert call.dm.state == "confirm" and turn.expects == "yes_no"
    assert turn.segments[0].key.endswith(":confirm")
    assert turn.reply.startswith("Có phải ông/bà hỏi thủ tục")
    assert "Bấm 1 nếu đúng, bấm 2 nếu không" in turn.reply
    return call


@pytest.mark.parametrize("reply", ["dạ đúng rồi", "vâng", "ừ", "có", "phải", "ok", "dung roi", "bấm một"])
def test_confirmation_yes_by_speech(matcher: Matcher, reply: str) -> None:
    call = _to_confirm(matcher)
    proposed = call.last.event.procedure_code
    turn = call.say(reply)
    assert turn.event.decision == "yes"
    assert turn.event.procedure_code == proposed
    assert call.dm.state == "offer"
    assert turn.segments[0].key == f"proc:{proposed}:summary"


def test_confirmation_yes_by_digit(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    proposed = call.last.event.procedure_code
    turn = call.press("1")
    assert turn.event.decision == "yes" and turn.event.procedure_code == proposed
    assert turn.event.digits == "1" and turn.event.heard_text is None


def test_rejected_confirmation_offers_the_next_candidates(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    first = call.last.event.procedure_code
    ranked = [c[0] for c in call.last.event.candidates]
    turn = call.press("2")
    assert turn.event.decision == "no"
    offered = [c for c in ranked if c != first]
    assert turn.event.procedure_code == offered[0]
    assert self_name(first) not in turn.reply
    assert call.dm.state in ("choose", "confirm")
    # Rejecting everything asks again for the name.
    turn = call.say("không phải")
    while call.dm.state == "confirm":
        turn = call.say("không")
    assert call.dm.state == "listen"
    assert keys(turn) == ["fixed:not_these"]


def test_no_with_a_correction_answers_the_correction(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    turn = call.say("không phải, tôi hỏi đăng ký kết hôn")
    assert turn.event.procedure_code == "1.000894"
    assert call.dm.state == "offer"
    assert "Về thủ tục đăng ký kết hôn" in turn.reply


def test_confirmation_keeps_the_asked_topic(matcher: Matcher) -> None:
    _expect(matcher, "đăng ký hôn nhân mất bao nhiêu tiền", "confirm")
    call = Call(matcher)
    call.say("đăng ký hôn nhân mất bao nhiêu tiền")
    code = call.last.event.procedure_code
    turn = call.press("1")
    assert turn.segments[0].key == f"proc:{code}:fee"


def test_question_before_confirming_is_answered_after(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    code = call.last.event.procedure_code
    turn = call.say("mất bao lâu")
    assert turn.event.decision == "topic" and turn.event.topic == "time"
    assert call.dm.state == "confirm"
    assert keys(turn) == ["fixed:confirm_first", f"proc:{code}:confirm"]
    answer = call.say("đúng rồi")
    assert answer.segments[0].key == f"proc:{code}:time"


def test_another_procedure_instead_of_confirming(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    turn = call.say("thôi tôi hỏi thủ tục khác")
    assert keys(turn) == ["fixed:ask_another"] and call.dm.state == "listen"


def test_confirmation_silence_reprompts_then_menu(matcher: Matcher) -> None:
    call = _to_confirm(matcher)
    first = call.silence()
    assert keys(first)[0] == "fixed:confirm_reprompt" and call.dm.state == "confirm"
    assert first.event.reprompt_count == 1
    call.silence()
    third = call.silence()
    assert call.dm.state == "menu_groups" and third.expects == "digits"


# --- disambiguation -------------------------------------------------------------


def _to_choose(matcher: Matcher) -> Call:
    _expect(matcher, "cấp hộ chiếu phổ thông", "disambiguate")
    call = Call(matcher)
    turn = call.say("cấp hộ chiếu phổ thông")
    assert turn.event.decision == "disambiguate"
    assert call.dm.state == "choose"
    assert turn.reply.startswith("Ông/bà hỏi về")
    assert " hay " in turn.reply and "Bấm 1 hoặc 2" in turn.reply
    assert turn.segments[0].key.startswith("choose:")
    assert set(turn.segments[0].key.removeprefix("choose:").split("|")) == {"2.002202", "2.002204"}
    return call


def _options(call: Call) -> list[str]:
    return call.last.segments[0].key.removeprefix("choose:").split("|")


def test_disambiguation_by_digit(matcher: Matcher) -> None:
    call = _to_choose(matcher)
    options = _options(call)
    turn = call.press("2")
    assert turn.event.decision == "choose" and turn.event.procedure_code == options[1]
    assert call.dm.state == "offer"


@pytest.mark.parametrize(("said", "code"), [("ở nước ngoài", "2.002204"), ("cái ở trong nước", "2.002202")])
def test_disambiguation_by_naming_one(matcher: Matcher, said: str, code: str) -> None:
    call = _to_choose(matcher)
    turn = call.say(said)
    assert turn.event.procedure_code == code
    assert call.dm.state == "offer"


def test_disambiguation_by_position(matcher: Matcher) -> None:
    call = _to_choose(matcher)
    options = _options(call)
    turn = call.say("cái thứ hai")
    assert turn.event.procedure_code == options[1]
    call = _to_choose(matcher)
    turn = call.say("bấm một")
    assert turn.event.procedure_code == options[0]


def test_question_while_choosing_is_answered_after(matcher: Matcher) -> None:
    call = _to_choose(matcher)
    options = _options(call)
    turn = call.say("bao nhiêu tiền")
    assert turn.event.decision == "topic" and call.dm.state == "choose"
    assert keys(turn)[0] == "fixed:choose_first"
    answer = call.press("1")
    assert answer.segments[0].key == f"proc:{options[0]}:fee"


def test_disambiguation_rejected(matcher: Matcher) -> None:
    call = _to_choose(matcher)
    turn = call.say("không phải")
    assert keys(turn) == ["fixed:not_these"] and call.dm.state == "listen"
    turn = call.say("đăng ký kết hôn")
    assert turn.event.procedure_code == "1.000894"


def test_disambiguation_bad_digit(matcher: Matcher) -> None:
    call = _to_choose(matcher)
    turn = call.press("7")
    assert keys(turn)[0] == "fixed:invalid_digit" and call.dm.state == "choose"


# --- reprompts, keypad menu, operator ------------------------------------------


def test_no_input_reprompts_then_menu_then_goodbye(matcher: Matcher) -> None:
    call = Call(matcher)
    assert keys(call.silence()) == ["fixed:no_input_1"]
    second = call.silence()
    assert keys(second) == ["fixed:no_input_2"] and "bấm phím 9" in second.reply
    assert second.event.reprompt_count == 2
    menu = call.silence()
    assert call.dm.state == "menu_groups" and keys(menu) == ["menu:groups"]
    assert "Bấm 1: hộ tịch" in menu.reply and menu.expects == "digits"
    for _ in range(MAX_REPROMPTS):
        turn = call.silence()
        assert turn.action == "continue" and call.dm.state == "menu_groups"
        assert keys(turn)[0] == "fixed:menu_reprompt"
    end = call.silence()
    assert end.action == "hangup" and keys(end) == ["fixed:goodbye_unresolved"]
    assert call.dm.finished


def test_no_match_reprompts_then_menu_then_operator(matcher: Matcher) -> None:
    _expect(matcher, "xổ số miền bắc hôm nay", "no_match")
    call = Call(matcher, operator=True)
    first = call.say("xổ số miền bắc hôm nay")
    assert keys(first) == ["fixed:reprompt_1"] and first.event.decision == "no_match"
    assert keys(call.say("thời tiết ngày mai thế nào")) == ["fixed:reprompt_2"]
    menu = call.say("số điện thoại của anh Nam")
    assert call.dm.state == "menu_groups"
    assert "Bấm 0 để gặp nhân viên" in menu.reply
    call.press("8")
    call.press("8")
    end = call.press("8")
    assert end.action == "transfer" and keys(end) == ["fixed:transfer"]


def test_keypad_menu_walk(matcher: Matcher) -> None:
    call = Call(matcher)
    menu = call.press("9")
    assert call.dm.state == "menu_groups"
    labels = [g.label for g in call.dm.menu]
    assert labels[0].startswith("hộ tịch")
    page = call.press("1")
    assert call.dm.state == "menu_procs" and keys(page) == ["menu:group:0:page:0"]
    assert "Bấm 4 để nghe thêm" in page.reply and "Bấm 9 để quay lại" in page.reply
    hotich = call.dm.menu[0].codes
    assert len(hotich) == 5
    page2 = call.press("4")
    assert keys(page2) == ["menu:group:0:page:1"]
    assert "Bấm 3" not in page2.reply and "nghe thêm" not in page2.reply  # two left: no more pages
    back = call.press("9")
    assert keys(back) == ["menu:groups"]
    call.press("1")
    turn = call.press("1")
    assert turn.event.procedure_code == hotich[0] and call.dm.state == "offer"
    assert menu.event.decision == "menu"


def test_keypad_menu_by_speech(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("cho nghe danh mục")
    assert call.dm.state == "menu_groups"
    page = call.say("hộ tịch")
    assert call.dm.state == "menu_procs"
    turn = call.say("đăng ký kết hôn")
    assert turn.event.procedure_code == "1.000894"
    assert page.event.decision == "menu_group"


def test_menu_accepts_a_procedure_name(matcher: Matcher) -> None:
    call = Call(matcher)
    call.press("9")
    turn = call.say("làm giấy khai sinh")
    assert turn.event.procedure_code == "1.001193" and call.dm.state == "offer"


def test_menu_unclear_speech_is_not_called_a_wrong_key(matcher: Matcher) -> None:
    call = Call(matcher)
    call.press("9")
    turn = call.say("xổ số miền bắc hôm nay")
    assert keys(turn)[0] == "fixed:offer_unclear" and call.dm.state == "menu_groups"
    assert keys(call.press("7"))[0] == "fixed:invalid_digit"


@pytest.mark.parametrize("how", ["gặp nhân viên", "cho tôi nói chuyện với người thật", "#0"])
def test_operator_request_with_operator(matcher: Matcher, how: str) -> None:
    call = Call(matcher, operator=True)
    call.say("làm giấy khai sinh")
    turn = call.press(how[1:]) if how.startswith("#") else call.say(how)
    assert turn.action == "transfer" and keys(turn) == ["fixed:transfer"]
    assert turn.event.decision == "operator" and turn.event.procedure_code == "1.001193"
    assert call.dm.finished


def test_operator_request_without_operator(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    turn = call.say("gặp nhân viên")
    assert turn.action == "continue" and keys(turn) == ["fixed:operator_unavailable"]
    assert "chưa có nhân viên" in turn.reply and turn.expects == "yes_no"
    again = call.press("1")  # continue: back to what the caller was doing
    assert call.dm.state == "offer" and again.event.decision == "yes"
    call.press("0")
    bye = call.say("không")
    assert bye.action == "hangup" and keys(bye) == ["fixed:goodbye"]


def test_operator_unavailable_at_start_then_continue(matcher: Matcher) -> None:
    call = Call(matcher)
    call.press("0")
    turn = call.say("vâng")
    assert call.dm.state == "listen" and keys(turn) == ["fixed:continue_asking"]
    turn = call.say("nhập hộ khẩu")
    assert turn.event.procedure_code == "1.004222"


# --- repeat, slower, chunks, another procedure -----------------------------------


def test_repeat(matcher: Matcher) -> None:
    call = Call(matcher)
    answer = call.say("làm giấy khai sinh")
    again = call.say("nói lại đi")
    assert again.event.decision == "repeat"
    assert keys(again) == keys(answer) and again.reply == answer.reply
    assert call.dm.state == "offer"
    by_digit = call.press("3")
    assert by_digit.segments[0].key == "proc:1.001193:summary"
    greeting_again = Call(matcher).say("lặp lại")
    assert keys(greeting_again) == ["fixed:greeting"]


def test_slower_sets_the_rate_and_repeats(matcher: Matcher) -> None:
    call = Call(matcher)
    answer = call.say("làm giấy khai sinh")
    assert not answer.slow and answer.rate == 1.0
    slow = call.say("nói chậm lại")
    assert slow.slow and slow.rate < 1.0
    assert keys(slow) == ["fixed:slower", *keys(answer)]
    assert call.press("1").slow  # stays slow for the rest of the call


def test_steps_in_chunks_with_continue(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    first = call.press("1")
    assert keys(first) == ["proc:1.001193:steps:0", "fixed:more"]
    assert "Bấm 1 để nghe tiếp" in first.reply and "Bước 1:" in first.reply
    assert call.dm.state == "reading"
    second = call.say("nghe tiếp")
    assert keys(second) == ["proc:1.001193:steps:1", "fixed:offer_no_operator"]
    assert "Bước 4:" in second.reply and call.dm.state == "offer"


def test_documents_in_chunks_stop_early(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    first = call.press("2")
    assert keys(first) == ["proc:1.001193:documents:0", "fixed:more"]
    assert "Tờ khai đăng ký khai sinh" in first.reply
    stop = call.press("2")
    assert stop.event.decision == "stop" and call.dm.state == "offer"
    assert keys(stop) == ["fixed:offer_no_operator"]


def test_documents_continue_by_digit(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    call.say("cần giấy tờ gì")
    assert call.dm.state == "reading"
    turn = call.press("1")
    assert "Giấy tờ phải xuất trình" in turn.reply and call.dm.state == "offer"


def test_continue_with_nothing_left(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    turn = call.say("nghe tiếp")
    assert keys(turn) == ["fixed:list_end", "fixed:offer_no_operator"]


def test_long_official_names_are_shortened_in_prompts(matcher: Matcher) -> None:
    long = ProcedureRecord(
        code="1.012345",
        name=(
            "Thủ tục đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất trong các "
            "trường hợp chuyển đổi quyền sử dụng đất nông nghiệp; chuyển nhượng, thừa kế, tặng cho quyền sử "
            "dụng đất, quyền sở hữu tài sản gắn liền với đất; cho thuê, cho thuê lại quyền sử dụng đất"
        ),
        field="Đất đai",
        channels=[_ch("direct", 10, 0)],
    )
    records = [*RECORDS, long]
    dm = DialogManager({r.code: r for r in records}, Matcher(records))
    dm.start()
    dm.handle(digits="9")
    page = dm.handle(digits="3")  # đất đai, nhà ở và xây dựng
    assert page.segments[0].key == "menu:group:2:page:0"
    assert "đăng ký biến động quyền sử dụng đất" in page.reply
    assert "cho thuê lại" not in page.reply and len(page.reply) < 400
    codes = dm.menu[2].codes
    answer = dm.handle(digits=str(codes.index("1.012345") + 1))
    assert answer.event.procedure_code == "1.012345"
    assert "cho thuê lại" not in answer.reply


def test_another_procedure_by_digit_and_by_name(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    ask = call.press("4")
    assert keys(ask) == ["fixed:ask_another"] and call.dm.state == "listen"
    turn = call.say("đăng ký kết hôn")
    assert turn.event.procedure_code == "1.000894"
    direct = call.say("còn xin phép xây nhà thì sao")
    assert direct.event.procedure_code == "1.009994"
    assert "75.000 đồng" in direct.reply
    assert call.dm.current_procedure == "1.009994"


def test_no_after_an_answer_means_goodbye(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    call.press("4")
    bye = call.say("thôi")
    assert bye.action == "hangup" and keys(bye) == ["fixed:goodbye"]


def test_silence_after_an_answer_ends_politely(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    first = call.silence()
    assert keys(first)[0] == "fixed:offer_again"
    call.silence()
    end = call.silence()
    assert end.action == "hangup" and keys(end) == ["fixed:goodbye"]


# --- events ----------------------------------------------------------------------


def test_every_turn_has_an_event(matcher: Matcher) -> None:
    call = Call(matcher)
    call.say("làm giấy khai sinh")
    call.press("1")
    call.silence()
    call.say("tạm biệt")
    events = call.dm.events
    assert [e.index for e in events] == list(range(len(call.turns)))
    assert [e.decision for e in events] == ["greeting", "answer", "steps", "no_input", "goodbye"]
    assert [e.action for e in events] == ["continue", "continue", "continue", "continue", "hangup"]
    assert events[1].heard_text == "làm giấy khai sinh" and events[2].digits == "1"
    assert events[1].state_before == "listen" and events[1].state_after == "offer"
    for turn, event in zip(call.turns, events, strict=True):
        assert event.reply == turn.reply
    data = json.loads(json.dumps([e.to_dict() for e in events], ensure_ascii=False))
    assert data[1]["candidates"][0]["code"] == "1.001193"
    assert set(data[1]["candidates"][0]) == {"code", "name", "score"}
    assert data[1]["procedure_code"] == "1.001193"


def test_spoken_text_has_no_digits(matcher: Matcher) -> None:
    call = Call(matcher, operator=True)
    turn = call.say("nhập hộ khẩu mất bao nhiêu tiền")
    assert "bấm 1" in turn.reply
    assert not any(ch.isdigit() for ch in turn.spoken), turn.spoken
    assert "ông bà" in turn.spoken.lower()


# --- menu construction and the seed catalogue -------------------------------------


def test_default_menu_groups_by_field() -> None:
    menu = default_menu(CATALOGUE)
    labels = [g.label for g in menu]
    assert labels[0].startswith("hộ tịch")
    assert labels[1].startswith("cư trú")
    assert any(label.startswith("đất đai") for label in labels)
    by_label = {g.label.split(",")[0]: g.codes for g in menu}
    assert set(by_label["hộ tịch"]) == {"1.001193", "2.000528", "1.004884", "1.000894", "1.000001"}
    assert set(by_label["cư trú"]) == {"1.004222", "2.002202", "2.002204"}
    # Curated (aliases) first, then shorter names.
    assert by_label["hộ tịch"][0] in {"1.001193", "1.004884", "1.000894"}
    assert all(len(g.codes) > 0 for g in menu)
    draft = {**CATALOGUE, "9.9": ProcedureRecord(code="9.9", name="Nháp", field="Hộ tịch", status="draft")}
    assert "9.9" not in default_menu(draft)[0].codes


def test_custom_and_empty_menus(matcher: Matcher) -> None:
    call = Call(matcher, menu=[MenuGroup("thủ tục hay hỏi", ("1.000894",))])
    call.press("9")
    call.press("1")
    turn = call.press("1")
    assert turn.event.procedure_code == "1.000894"
    stale = Call(matcher, menu=[MenuGroup("cũ", ("9.999999",)), MenuGroup("mới", ("1.000894", "9.999998"))])
    assert [(g.label, g.codes) for g in stale.dm.menu] == [("mới", ("1.000894",))]
    no_menu = Call(matcher, menu=[])
    for _ in range(MAX_REPROMPTS):
        no_menu.silence()
    end = no_menu.silence()
    assert end.action == "hangup"


def test_seed_catalogue_conversation() -> None:
    from knowledge.seed import load_seed

    records = load_seed()
    catalogue = {r.code: r for r in records}
    dm = DialogManager(catalogue, Matcher(records))
    dm.start()
    turn = dm.handle("dạ cho em hỏi làm giấy khai sinh cho con")
    assert turn.event.procedure_code == "1.001193"
    assert turn.segments[0].key == "proc:1.001193:summary"
    assert catalogue["1.001193"].spoken_summary.split()[2] in turn.reply  # the staff summary is spoken
    steps = dm.handle(digits="1")
    assert steps.segments[0].key == "proc:1.001193:steps:0"
