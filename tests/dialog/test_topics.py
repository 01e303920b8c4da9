"""What the caller wants to know: fee, time, documents, steps, place, conditions, online, result."""

from __future__ import annotations

import pytest

from dialog.topics import TOPICS, detect_topic, topic_phrases


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("làm căn cước bao nhiêu tiền", "fee"),
        ("lệ phí làm hộ chiếu", "fee"),
        ("le phi lam ho chieu", "fee"),
        ("hổng biết có tốn tiền hông", "fee"),
        ("co mat phi khong", "fee"),
        ("đăng ký kết hôn mất mấy ngày", "time"),
        ("làm khai sinh bao lâu thì có", "time"),
        ("làm passport mất bao lâu", "time"),
        ("khi nào có kết quả", "time"),
        ("bao giờ lấy được", "time"),
        ("cần giấy tờ gì", "documents"),
        ("ho so gom nhung gi", "documents"),
        ("phải mang theo những gì", "documents"),
        ("các bước làm sổ đỏ", "steps"),
        ("trình tự thực hiện thế nào", "steps"),
        ("nộp hồ sơ ở đâu", "place"),
        ("nhan ket qua o dau", "place"),
        ("làm ở chỗ nào vậy chị", "place"),
        ("cần điều kiện gì", "conditions"),
        ("mấy tuổi thì được làm căn cước", "conditions"),
        ("làm online được không", "online"),
        ("nộp qua mạng được hông", "online"),
        ("có làm trên dịch vụ công được không", "online"),
        ("làm xong thì được cấp giấy gì", "result"),
    ],
)
def test_detect_topic(text: str, topic: str) -> None:
    assert detect_topic(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        "làm giấy khai sinh cho con",
        "đăng ký thường trú",
        "đất phi nông nghiệp",  # "phi" is not "phí"
        "dat phi nong nghiep",
        "alo",
        "",
    ],
)
def test_plain_mentions_have_no_topic(text: str) -> None:
    assert detect_topic(text) is None


def test_phrases_are_normalised_and_cover_every_topic() -> None:
    phrases = topic_phrases()
    assert set(phrases) == set(TOPICS)
    for topic, items in phrases.items():
        assert items, topic
        for p in items:
            assert p == p.strip().lower()
            assert detect_topic(p) is not None
