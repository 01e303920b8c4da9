from knowledge.parsing.steps import parse_steps


def test_bullets_and_numbered_lines():
    text = "Bước 1: Nộp hồ sơ.\n- Cán bộ kiểm tra hồ sơ.\n+ Trường hợp thiếu, hướng dẫn bổ sung.\n(i) Trả kết quả."
    assert parse_steps(text) == [
        "Bước 1: Nộp hồ sơ.",
        "Cán bộ kiểm tra hồ sơ.",
        "Trường hợp thiếu, hướng dẫn bổ sung.",
        "(i) Trả kết quả.",
    ]


def test_lines_broken_by_the_crawl_are_joined():
    text = "- Người yêu cầu nộp hồ sơ tại Trung \ntâm Phục vụ hành chính công.\n- Nhận kết quả."
    assert parse_steps(text) == ["Người yêu cầu nộp hồ sơ tại Trung tâm Phục vụ hành chính công.", "Nhận kết quả."]


def test_inline_steps_and_glued_sentences():
    text = "Bước 1: Gửi hồ sơ. Bước 2: Thẩm định hồ sơ.Cục Hàng không trả kết quả."
    assert parse_steps(text) == ["Bước 1: Gửi hồ sơ.", "Bước 2: Thẩm định hồ sơ.", "Cục Hàng không trả kết quả."]


def test_heading_ending_with_colon_keeps_its_sub_items():
    assert parse_steps("a) Nộp hồ sơ TTHC:\n- Tổ chức nộp hồ sơ.") == ["a) Nộp hồ sơ TTHC:", "Tổ chức nộp hồ sơ."]


def test_empty_and_placeholder():
    assert parse_steps("") == []
    assert parse_steps("Không có thông tin") == []
    assert parse_steps("-\n+\n") == []


def test_long_paragraphs_are_cut_at_sentence_ends():
    sentence = "Cơ quan hải quan kiểm tra hồ sơ trong thời hạn hai ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
    long_step = f"Bước 2: {sentence}. {sentence}; - {sentence}. {sentence}: + {sentence}."
    assert len(long_step) > 400
    assert parse_steps(long_step) == [f"Bước 2: {sentence}.", f"{sentence};", f"{sentence}.", f"{sentence}:", f"{sentence}."]
    short = f"Bước 2: {sentence}. {sentence}."
    assert parse_steps(short) == [short]
