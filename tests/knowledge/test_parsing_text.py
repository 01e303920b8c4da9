from knowledge.parsing.text import (
    clean_block,
    clean_inline,
    is_empty,
    normalize,
    strip_page_footer,
    strip_placeholder,
)


def test_placeholder_means_empty():
    assert clean_inline("Không có thông tin") == ""
    assert clean_inline("  không có thông tin  ") == ""
    assert is_empty("Không có thông tin")
    assert is_empty(None)
    assert is_empty(" \t\n")
    assert not is_empty("Không")  # "no" is an answer, not a placeholder


def test_whitespace_is_collapsed():
    assert clean_inline("Bộ\u00a0Tư  pháp\t\n Hà Nội ") == "Bộ Tư pháp Hà Nội"
    assert clean_block("  a  b \n\n \n c\u200b ") == "a b\nc"


def test_decomposed_unicode_is_composed():
    decomposed = "Ha\u0300 No\u0323\u0302i"
    assert normalize(decomposed) == "Hà Nội"


def test_embedded_placeholders_are_removed():
    assert strip_placeholder("Không có thông tinTại Trung tâm Không có thông tin") == "Tại Trung tâm"


def test_page_footer_is_cut():
    assert strip_page_footer("Là công dân Việt Nam.\nTừ khóa:") == "Là công dân Việt Nam.\n"
    assert strip_page_footer("Không có thông tinTừ khóaKhông có thông tinMô tảKhông có thông tin") == "Không có thông tin"
    assert strip_page_footer("Giấy phépChọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ") == "Giấy phép"
    assert strip_page_footer("Từ khóa của hồ sơ") == "Từ khóa của hồ sơ"
