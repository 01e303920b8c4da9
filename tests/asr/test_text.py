from asr.text import collapse_repeats, compression_ratio, fold, is_looping, normalize, syllables


def test_fold_strips_diacritics_and_punctuation():
    assert fold("Đăng ký Khai sinh, HỘ CHIẾU!") == "dang ky khai sinh ho chieu"
    assert fold("Lý lịch tư pháp") == "ly lich tu phap"


def test_normalize_keeps_diacritics():
    assert normalize(" Tôi muốn  hỏi, về KHAI SINH. ") == "tôi muốn hỏi về khai sinh"
    assert syllables("hộ kinh doanh") == ["hộ", "kinh", "doanh"]


def test_loop_detection():
    loop = "tôi muốn hỏi " + "về khai sinh " * 8
    assert is_looping(loop)
    assert compression_ratio(loop) > 2.4
    assert not is_looping("tôi muốn hỏi về thủ tục đăng ký khai sinh cho con")
    assert not is_looping("từ từ thôi")


def test_collapse_repeats_keeps_one_copy():
    assert collapse_repeats("tôi muốn tôi muốn tôi muốn hỏi về khai sinh") == "tôi muốn hỏi về khai sinh"
    assert collapse_repeats("a b a b a b c") == "a b c"
    assert collapse_repeats("có có có có") == "có"
    # Reduplication and single repeats are ordinary Vietnamese.
    assert collapse_repeats("đi từ từ thôi") == "đi từ từ thôi"
    assert collapse_repeats("") == ""
