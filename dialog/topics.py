"""What a caller wants to know about a procedure: fee, time, documents, ...

Callers ask with a question phrase ("bao nhiêu tiền", "mất mấy ngày", "cần giấy
tờ gì", "nộp ở đâu"). Each topic has a list of such phrases; the longest phrase
found in the normalised utterance decides (so "khi nào có kết quả" is a time
question, not a result question). Input without diacritics is matched against
the stripped phrases, but only phrases of two or more syllables, because a
single stripped syllable is too ambiguous ("phi" is "phí" or "phi nông nghiệp").
"""

from __future__ import annotations

from typing import Literal, get_args

from dialog.normalize import normalize, strip_diacritics

Topic = Literal["fee", "time", "documents", "steps", "place", "conditions", "online", "result"]
TOPICS: tuple[Topic, ...] = get_args(Topic)

_PHRASES: dict[Topic, tuple[str, ...]] = {
    "fee": (
        "bao nhiêu tiền",
        "nhiêu tiền",
        "mấy tiền",
        "lệ phí",
        "phí",
        "chi phí",
        "mất tiền",
        "tốn tiền",
        "tốn bao nhiêu",
        "hết bao nhiêu",
        "đóng bao nhiêu",
        "đóng tiền",
        "nộp tiền",
        "trả tiền",
        "miễn phí",
        "có mất phí",
        "mất phí",
        "mất bao nhiêu",
        "mất bao nhiêu tiền",
        "mất mấy trăm",
        "giá bao nhiêu",
        "tốn kém",
        "tiền bao nhiêu",
        "bao nhiêu phí",
    ),
    "time": (
        "bao lâu",
        "mất bao lâu",
        "mất thời gian",
        "mất mấy",
        "mấy ngày",
        "bao nhiêu ngày",
        "mất mấy ngày",
        "mấy hôm",
        "mấy tuần",
        "mấy tháng",
        "thời gian",
        "thời hạn",
        "bao giờ",
        "khi nào có",
        "khi nào lấy",
        "khi nào nhận",
        "lâu không",
        "lâu hông",
        "có lâu",
        "nhanh không",
        "mấy bữa",
        "khi nào có kết quả",
        "bao lâu có kết quả",
        "bao giờ có kết quả",
        "mấy ngày làm việc",
        "lâu chưa",
        "chờ bao lâu",
        "đợi bao lâu",
    ),
    "documents": (
        "giấy tờ",
        "giấy tờ gì",
        "giấy tờ nào",
        "cần giấy tờ",
        "hồ sơ gồm",
        "hồ sơ cần",
        "hồ sơ gì",
        "hồ sơ những gì",
        "hồ sơ gồm những gì",
        "thành phần hồ sơ",
        "cần mang",
        "mang theo",
        "mang gì",
        "mang những gì",
        "đem theo",
        "đem gì",
        "chuẩn bị gì",
        "chuẩn bị những gì",
        "cần những gì",
        "cần gì",
        "cần có gì",
        "cần những giấy",
        "giấy gì",
        "bộ hồ sơ",
        "mẫu đơn",
        "tờ khai",
        "cần chuẩn bị",
    ),
    "steps": (
        "các bước",
        "mấy bước",
        "những bước",
        "từng bước",
        "trình tự",
        "quy trình",
        "cách làm",
        "cách thức",
        "hướng dẫn",
        "bước nào",
        "bước đầu",
        "làm những bước",
        "trình tự thực hiện",
    ),
    "place": (
        "ở đâu",
        "chỗ nào",
        "nơi nào",
        "đâu vậy",
        "đâu ạ",
        "nộp ở",
        "nộp tại",
        "làm ở",
        "làm tại",
        "đến đâu",
        "tới đâu",
        "đi đâu",
        "ra đâu",
        "cơ quan nào",
        "địa chỉ",
        "ở mô",
        "chỗ mô",
        "nộp chỗ nào",
        "ở chỗ nào",
        "nơi nộp",
        "nơi làm",
        "ủy ban nào",
    ),
    "conditions": (
        "điều kiện",
        "đủ điều kiện",
        "yêu cầu gì",
        "mấy tuổi",
        "bao nhiêu tuổi",
        "đủ tuổi",
        "ai được",
        "ai được làm",
        "có được làm",
        "có được phép",
        "đối tượng",
        "trường hợp nào",
    ),
    "online": (
        "online",
        "onl",
        "trực tuyến",
        "qua mạng",
        "trên mạng",
        "dịch vụ công",
        "qua internet",
        "trên điện thoại",
        "qua điện thoại",
        "qua app",
        "trên app",
        "vneid",
        # The matcher reads "vneid" as "định danh điện tử" (the procedure that issues the
        # account); after "qua", "trên", "bằng" it is the means, not the procedure.
        "qua ứng dụng",
        "trên ứng dụng",
        "bằng ứng dụng",
        "qua định danh điện tử",
        "trên định danh điện tử",
        "bằng định danh điện tử",
        "qua ứng dụng định danh điện tử",
        "trên ứng dụng định danh điện tử",
        "qua bưu điện",
        "bưu điện",
        "bưu chính",
        "tại nhà",
        "ở nhà",
    ),
    "result": (
        "kết quả",
        "nhận được gì",
        "được cấp gì",
        "được nhận gì",
        "nhận cái gì",
        "nhận lại gì",
        "cấp cho cái gì",
        "được giấy gì",
        "cấp giấy gì",
        "được cấp giấy gì",
        "nhận giấy gì",
    ),
}
# When two topics match equally long phrases, the more specific question wins.
_PRIORITY: dict[Topic, int] = {
    t: i
    for i, t in enumerate(("fee", "time", "place", "online", "documents", "conditions", "result", "steps"))
}


_Table = dict[str, list[tuple[tuple[str, ...], Topic]]]


def _table(*, stripped: bool) -> _Table:
    """Phrases as word tuples, keyed by their first word."""
    table: _Table = {}
    for topic, phrases in _PHRASES.items():
        for p in phrases:
            words = tuple(normalize(p).split())
            if stripped:
                bare = tuple(strip_diacritics(w) for w in words)
                if len(words) < 2 and bare != words:
                    continue
                words = bare
            table.setdefault(words[0], []).append((words, topic))
    return table


_ACCENTED = _table(stripped=False)
_STRIPPED = _table(stripped=True)


def _best(words: list[str], table: _Table) -> Topic | None:
    best: tuple[int, int] | None = None
    found: Topic | None = None
    for i, w in enumerate(words):
        for phrase, topic in table.get(w, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                key = (len(phrase), -_PRIORITY[topic])
                if best is None or key > best:
                    best, found = key, topic
    return found


def detect_topic(text: str) -> Topic | None:
    """The aspect of a procedure the caller asks about, or None for a plain mention."""
    words = normalize(text).split()
    found = _best(words, _ACCENTED)
    if found is None and words and all(w.isascii() for w in words):
        found = _best(words, _STRIPPED)
    return found


def topic_phrases() -> dict[Topic, tuple[str, ...]]:
    """The normalised question phrases per topic (the matcher discounts them as non-content)."""
    return {t: tuple(normalize(p) for p in ps) for t, ps in _PHRASES.items()}
