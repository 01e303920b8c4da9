"""Fixed texts the hotline says: greeting, reprompts, menus, goodbye.

Short (a phone line, not a web page), polite ("ông/bà", "ạ"), no abbreviations.
Digits stay digits in the text ("Bấm 1"), so the text channel shows them;
``Segment.spoken`` turns them into words for the voice.
"""

from __future__ import annotations

from dialog.events import Segment

FIXED: dict[str, str] = {
    "greeting": ("Xin chào, đây là tổng đài hỏi đáp thủ tục hành chính. Ông/bà cần hỏi về thủ tục gì ạ?"),
    "no_input_1": "Xin lỗi, tôi chưa nghe thấy ông/bà nói. Ông/bà cần hỏi về thủ tục gì ạ?",
    "reprompt_1": (
        "Xin lỗi, tôi chưa hiểu ý ông/bà. Ông/bà vui lòng nói ngắn gọn tên thủ tục, "
        "ví dụ: làm giấy khai sinh, đăng ký kết hôn."
    ),
    "no_input_2": (
        "Tôi vẫn chưa nghe thấy ông/bà. Ông/bà hãy nói tên thủ tục, hoặc bấm phím 9 để chọn theo danh mục."
    ),
    "reprompt_2": (
        "Xin lỗi, tôi vẫn chưa hiểu. Ông/bà hãy nói lại thật ngắn tên thủ tục, "
        "hoặc bấm phím 9 để chọn theo danh mục."
    ),
    "confirm_reprompt": "Ông/bà vui lòng bấm 1 nếu đúng, bấm 2 nếu không phải.",
    "confirm_first": "Dạ, để trả lời đúng, ông/bà cho biết trước:",
    "choose_first": "Dạ, để trả lời đúng, ông/bà cho biết trước:",
    "choose_reprompt": "Ông/bà vui lòng bấm số của thủ tục cần hỏi, hoặc nói lại tên thủ tục.",
    "not_these": "Dạ, vậy ông/bà vui lòng nói lại tên thủ tục cần hỏi.",
    "ask_another": "Dạ, ông/bà cần hỏi về thủ tục nào ạ?",
    "offer": (
        "Ông/bà bấm 1 để nghe các bước, 2 để nghe giấy tờ cần chuẩn bị, 3 để nghe lại, "
        "4 để hỏi thủ tục khác, 0 để gặp nhân viên."
    ),
    "offer_no_operator": (
        "Ông/bà bấm 1 để nghe các bước, 2 để nghe giấy tờ cần chuẩn bị, 3 để nghe lại, 4 để hỏi thủ tục khác."
    ),
    "offer_again": "Ông/bà còn cần hỏi gì nữa không ạ?",
    "offer_unclear": "Xin lỗi, tôi chưa rõ ý ông/bà.",
    "more": "Bấm 1 để nghe tiếp, bấm 2 để dừng.",
    "list_end": "Đã hết danh sách.",
    "slower": "Dạ, tôi sẽ nói chậm hơn.",
    "transfer": "Dạ, tôi xin chuyển máy cho nhân viên. Ông/bà vui lòng giữ máy.",
    "operator_unavailable": (
        "Xin lỗi, hiện chưa có nhân viên trực. Ông/bà có muốn tiếp tục hỏi không ạ? "
        "Bấm 1 để tiếp tục, bấm 2 để kết thúc."
    ),
    "continue_asking": "Dạ, mời ông/bà nói tên thủ tục cần hỏi, hoặc bấm phím 9 để chọn theo danh mục.",
    "goodbye": "Cảm ơn ông/bà đã gọi tổng đài. Chúc ông/bà một ngày tốt lành. Xin chào.",
    "goodbye_unresolved": (
        "Xin lỗi, tôi chưa giúp được ông/bà lần này. Ông/bà vui lòng gọi lại sau, "
        "hoặc hỏi trực tiếp tại bộ phận một cửa của ủy ban nhân dân xã, phường. Xin chào."
    ),
    "menu_intro": "Mời ông/bà chọn lĩnh vực.",
    "menu_none": "Xin lỗi, danh mục hiện chưa có thủ tục nào.",
    "menu_reprompt": "Xin lỗi, tôi chưa nhận được lựa chọn của ông/bà.",
    "invalid_digit": "Xin lỗi, phím này không có trong lựa chọn.",
    "no_steps": "Xin lỗi, tổng đài chưa có thông tin về các bước của thủ tục này.",
    "no_documents": "Xin lỗi, tổng đài chưa có thông tin về giấy tờ của thủ tục này.",
    "ended": "Cuộc gọi đã kết thúc.",
}


def fixed(name: str) -> Segment:
    """The fixed prompt ``name`` as a segment keyed ``fixed:<name>``."""
    return Segment(FIXED[name], f"fixed:{name}")


def digit_list(n: int) -> str:
    """ "1, 2 hoặc 3" for the digits 1..n."""
    digits = [str(i) for i in range(1, n + 1)]
    if len(digits) == 1:
        return digits[0]
    return ", ".join(digits[:-1]) + " hoặc " + digits[-1]


def confirm(code: str, name: str) -> Segment:
    return Segment(
        f"Có phải ông/bà hỏi thủ tục {name} không ạ? Bấm 1 nếu đúng, bấm 2 nếu không.",
        f"proc:{code}:confirm",
    )


def choose(options: list[tuple[str, str]]) -> Segment:
    """Two or three candidates as (code, spoken name): "Ông/bà hỏi về A, B hay C ạ? Bấm 1, 2 hoặc 3."."""
    names = [name for _, name in options]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " hay " + names[-1]
    text = f"Ông/bà hỏi về {listed} ạ? Bấm {digit_list(len(names))}."
    return Segment(text, "choose:" + "|".join(code for code, _ in options))


def menu_groups(labels: list[str], *, operator: bool) -> Segment:
    parts = [FIXED["menu_intro"]]
    parts += [f"Bấm {i}: {label}." for i, label in enumerate(labels, start=1)]
    if operator:
        parts.append("Bấm 0 để gặp nhân viên.")
    return Segment(" ".join(parts), "menu:groups")


def menu_page(group_index: int, page: int, label: str, names: list[str], *, more: bool) -> Segment:
    """One page of procedures of a group; the digits 1..len(names) pick one."""
    parts = [f"Lĩnh vực {label}." if page == 0 else f"Lĩnh vực {label}, tiếp theo."]
    parts += [f"Bấm {i}: {name}." for i, name in enumerate(names, start=1)]
    if more:
        parts.append(f"Bấm {len(names) + 1} để nghe thêm.")
    parts.append("Bấm 9 để quay lại.")
    return Segment(" ".join(parts), f"menu:group:{group_index}:page:{page}")
