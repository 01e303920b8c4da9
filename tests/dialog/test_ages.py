import math

import pytest

from dialog.ages import admits, age_limits, limit_words, spoken_age
from dialog.matcher import Matcher
from dialog.normalize import normalize
from knowledge.records import ProcedureRecord


@pytest.mark.parametrize(
    ("text", "years", "words"),
    [
        ("bé nhà em năm tuổi", 5, "năm tuổi"),
        ("má tui sáu chục tuổi rồi", 60, "sáu chục tuổi"),
        ("con mười bốn tuổi", 14, "mười bốn tuổi"),
        ("đủ hai mươi lăm tuổi", 25, "hai mươi lăm tuổi"),
        ("ông hai lăm tuổi", 25, "hai lăm tuổi"),
        ("bà bảy mươi tuổi", 70, "bảy mươi tuổi"),
        ("con tui mười tuổi", 10, "mười tuổi"),
        ("be 3 tuoi", 3, "3 tuoi"),
        ("thang con tui muoi lam tuoi", 15, "muoi lam tuoi"),
        ("hai muoi lam tuoi", 25, "hai muoi lam tuoi"),
        ("căn cước cho trẻ dưới mười bốn tuổi", 13, "dưới mười bốn tuổi"),  # a limit, not an age
        ("thẻ bảo hiểm y tế trẻ dưới 6 tuổi", 5, "dưới 6 tuổi"),
        ("người trên sáu mươi tuổi", 61, "trên sáu mươi tuổi"),
    ],
)
def test_spoken_age(text: str, years: int, words: str) -> None:
    said = normalize(text).split()
    age = spoken_age(said)
    assert age is not None and age.years == years
    assert " ".join(said[i] for i in age.positions) == words


@pytest.mark.parametrize("text", ["tuổi", "mươi tuổi", "hết tuổi lao động", "không tuổi", "làm căn cước"])
def test_no_age(text: str) -> None:
    assert spoken_age(normalize(text).split()) is None


def test_age_limits_of_names() -> None:
    assert age_limits("cấp thẻ căn cước cho người dưới 14 tuổi") == (0.0, 14.0)
    assert age_limits("cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên") == (14.0, math.inf)
    assert age_limits("đăng ký khai sinh") is None
    assert limit_words("cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên") == {"từ", "đủ", "14", "tuổi", "trở", "lên"}
    assert admits((0.0, 14.0), 5) and not admits((0.0, 14.0), 14) and admits(None, 99)


def test_spoken_age_is_checked_against_the_names_limits() -> None:
    records = [
        ProcedureRecord(code="1.014061", name="Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"),
        ProcedureRecord(code="1.014062", name="Cấp thẻ căn cước cho người dưới 14 tuổi"),
        ProcedureRecord(code="1.014063", name="Cấp đổi thẻ căn cước"),
    ]
    matcher = Matcher(records)
    assert matcher.match("bé nhà em năm tuổi làm thẻ căn cước").candidates[0].code == "1.014062"
    assert matcher.match("ông ngoại tám chục tuổi làm thẻ căn cước").candidates[0].code == "1.014061"
    # The age describes the person; what the caller wants done still decides.
    assert matcher.match("má tui sáu chục tuổi phải đi đổi thẻ căn cước").candidates[0].code == "1.014063"


def test_a_limit_said_by_the_caller_selects_that_limit() -> None:
    records = [
        ProcedureRecord(code="1.014061", name="Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"),
        ProcedureRecord(code="1.014062", name="Cấp thẻ căn cước cho người dưới 14 tuổi"),
    ]
    matcher = Matcher(records)
    assert matcher.match("căn cước dưới 14 tuổi").candidates[0].code == "1.014062"
    assert matcher.match("làm căn cước cho trẻ dưới mười bốn tuổi").candidates[0].code == "1.014062"
