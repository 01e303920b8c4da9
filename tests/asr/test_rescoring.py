from asr.base import Hints
from asr.rescoring import fuzzy_rank, softmax_confidences, splice


def test_splice_replaces_most_similar_window():
    sp = splice("tôi muốn hỏi về phố tôn khí khai xinh", "khai sinh")
    assert (sp.before, sp.phrase, sp.after) == ("tôi muốn hỏi về phố tôn khí", "khai sinh", "")
    sp = splice("làm hồ chiếu ở đâu", "hộ chiếu")
    assert (sp.before, sp.phrase, sp.after) == ("làm", "hộ chiếu", "ở đâu")
    assert sp.similarity > 80
    sp = splice("", "kết hôn")
    assert (sp.before, sp.phrase, sp.after) == ("", "kết hôn", "")


def test_fuzzy_rank_orders_candidates():
    ranked = fuzzy_rank("tôi muốn đăng ký kết hôn", ["khai sinh", "kết hôn", "hộ chiếu"])
    assert ranked[0].text == "kết hôn" and ranked[0].confidence == 1.0
    assert [h.text for h in fuzzy_rank("", ["a", "b"])] == ["a", "b"]
    # The longer phrase wins only when it was heard in full.
    yes_no = ["có", "không", "đúng rồi", "không phải"]
    assert fuzzy_rank("không phải đâu", yes_no)[0].text == "không phải"
    assert fuzzy_rank("không.", yes_no)[0].text == "không"


def test_softmax_confidences():
    confs = softmax_confidences([-1.0, -2.0, -5.0])
    assert abs(sum(confs) - 1) < 1e-9 and confs[0] > confs[1] > confs[2]
    assert softmax_confidences([]) == []


def test_hints_validation():
    import pytest

    with pytest.raises(ValueError):
        Hints(expect="maybe")
    with pytest.raises(TypeError):
        Hints(phrases="khai sinh")
    assert "một" in Hints(expect="digits").vocabulary()
    assert "không phải" in Hints(expect="yes_no").vocabulary()
    assert Hints(phrases=("có",), expect="yes_no").vocabulary() == ("có",)
    assert Hints().vocabulary() == ()
