"""General spoken-Vietnamese knowledge for matching: colloquial synonyms and
words that carry no procedure meaning (fillers, pronouns, function words).

Only general language lives here. What a particular procedure is called by the
public belongs in that record's staff-curated aliases and keywords.
"""

from __future__ import annotations

from dialog.normalize import normalize, strip_diacritics

# Colloquial or abbreviated wording -> the official wording used in procedure names.
_SYNONYMS: dict[str, str] = {
    "tui": "tôi",
    "hổng": "không",
    "passport": "hộ chiếu",
    "online": "trực tuyến",
    "pass port": "hộ chiếu",
    "pát po": "hộ chiếu",
    "visa": "thị thực",
    "bằng lái xe": "giấy phép lái xe",
    "bằng lái": "giấy phép lái xe",
    "bằng xe": "giấy phép lái xe",
    "sổ đỏ": "giấy chứng nhận quyền sử dụng đất",
    "sổ hồng": "giấy chứng nhận quyền sử dụng đất quyền sở hữu nhà ở",
    "giấy đỏ": "giấy chứng nhận quyền sử dụng đất",
    "giấy chủ quyền": "giấy chứng nhận quyền sử dụng đất",
    "nhập hộ khẩu": "đăng ký thường trú",
    "đăng ký hộ khẩu": "đăng ký thường trú",
    "cắt hộ khẩu": "xóa đăng ký thường trú",
    "xóa hộ khẩu": "xóa đăng ký thường trú",
    "hộ khẩu": "thường trú",
    "kt3": "tạm trú",
    "cccd": "căn cước",
    "căn cước công dân": "căn cước",
    "thẻ căn cước công dân": "thẻ căn cước",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh nhân dân",
    "chứng minh thư": "chứng minh nhân dân",
    "giấy chứng tử": "khai tử",
    "giấy báo tử": "khai tử",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "mst": "mã số thuế",
    "ubnd": "ủy ban nhân dân",
    "gplx": "giấy phép lái xe",
    "lý lịch tư pháp số": "lý lịch tư pháp",
    # Southern wording
    "sanh": "sinh",
    "cà vẹt": "chứng nhận đăng ký xe",
    "cà vẹt xe": "chứng nhận đăng ký xe",
    "cất nhà": "xây nhà",
    "lề đường": "vỉa hè",
    "một cục": "một lần",  # paid out at once ("lãnh bảo hiểm một cục")
    "lãnh lương": "lĩnh lương",
    "lãnh tiền": "lĩnh tiền",
    "lãnh thay": "lĩnh thay",
    "lãnh trợ cấp": "lĩnh trợ cấp",
    # "đăng kiểm" is what everyone calls the inspection the names call "kiểm định".
    "đăng kiểm": "kiểm định",
    "hôn thú": "kết hôn",
    "giấy hôn thú": "giấy chứng nhận kết hôn",
    "vneid": "định danh điện tử",
    "vn eid": "định danh điện tử",
    # Names say where a person "cư trú"; callers say where they live or lived.
    "sinh sống": "cư trú",
    "sống ở": "cư trú ở",
    "sống tại": "cư trú tại",
    "từng": "đã",
    # The army as names say it ("giấy phép lái xe quân sự", "nghĩa vụ quân sự").
    "bộ đội": "quân sự",
    "quân đội": "quân sự",
    # Can't find it: lost ("lục hoài không thấy cuốn sổ đỏ").
    "thất lạc": "mất",
    "tìm không thấy": "mất",
    "tìm không ra": "mất",
    "kiếm không thấy": "mất",
    "kiếm không ra": "mất",
    "không tìm thấy": "mất",
    "không thấy": "mất",
    # Dropped it somewhere: lost ("làm rơi thẻ căn cước ở chợ"); see _MARKED_ONLY.
    "rơi": "mất",
    # Grandparents and grandchildren are persons: "ngoại" there is not "ngoài" (nước
    # ngoài), "nội" not "nội dung".
    "ông ngoại": "ông",
    "bà ngoại": "bà",
    "ông nội": "ông",
    "bà nội": "bà",
    "ông bà ngoại": "ông bà",
    "ông bà nội": "ông bà",
    "cháu ngoại": "cháu",
    "cháu nội": "cháu",
    # A birth parent, as names say it ("nhận cha, mẹ, con").
    "bố đẻ": "cha",
    "bố ruột": "cha",
    "ba ruột": "cha",
    "ba đẻ": "cha",
    "cha ruột": "cha",
    "cha đẻ": "cha",
    "qua đời": "chết",
    "từ trần": "chết",
}

# Function words: they carry no procedure meaning on either side, in what a
# caller says or in a procedure's name.
_FUNCTION_TEXT = (
    "của cho và các những với về để được tại ở theo đối hoặc là có khi thì mà này đó một đã đang sẽ "
    "việc thủ tục"
)
# Words a caller says around the procedure: fillers, greetings, pronouns, question
# words. They weigh nothing in what the caller said, but still match inside a
# procedure's name ("nhận con nuôi", "bản sao"), where they are real words. In speech
# "hết" is mostly an intensifier ("không có gì hết", "mờ hết chữ"; "hết hạn" still
# tells by "hạn") and "xong" says when ("cưới vợ xong").
_FILLER_TEXT = (
    "ờ ơ ừ ừm ưm à á ạ dạ vâng alo lô a ô ơi ê nè nha nhé nhỉ hả hở ha hen đấy chào cảm cám ơn "
    "chị anh em cô chú bác ông bà tôi tao mình bạn tớ cháu con mẹ ba bố chồng vợ nó ổng bả "
    "hỏi xin muốn cần biết làm sao thế nào như không vậy đi rồi giùm giúp dùm giờ bây hiện nay "
    "kia đâu nói thăm thưa ai mấy bao nhiêu gì nào phải hay cũng nữa luôn hết xong nghe coi xem "
    "ra vô lên xuống tới đến hông hem hổng nhờ đây kìa ấy chứ nhưng nếu cái mới"
)
# Not here although they are function words in speech: "lại", "trong", "ngoài", which
# tell procedures apart ("đăng ký lại", "nước ngoài").
FUNCTION_WORDS: frozenset[str] = frozenset(normalize(_FUNCTION_TEXT).split())
# Words of call control ("nghe tiếp", "nói lại", "bấm hai", "thôi khỏi") and numbers.
# They are real words in procedure names ("tiếp tục kinh doanh", "cấp lại"), so they
# keep their weight there; an utterance made of nothing else names no procedure.
DIALOG_WORDS: frozenset[str] = frozenset(
    normalize(
        "tiếp tục lại bấm nhấn phím số quay lặp nhắc đọc chậm nhanh từ dừng ngừng đủ khỏi xong rõ kịp "
        "khoan đợi chờ chút lát thôi "
        "thêm khác hai ba bốn năm sáu bảy tám chín mười trăm không"
    ).split()
)
STOPWORDS: frozenset[str] = FUNCTION_WORDS | frozenset(normalize(_FILLER_TEXT).split())


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(normalize(phrase).split())


# Callers name the country where procedure names say "nước ngoài" (yếu tố nước ngoài,
# người nước ngoài): "chồng em là người hàn quốc", "làm hôn thú bên mỹ". Only in those
# constructions, so that "việt nam đá với thái lan" stays football, and short names
# cannot be part of another word ("cập nhật", "mỹ phẩm", "tư pháp").
_COUNTRIES = (
    "hàn quốc",
    "hàn",
    "trung quốc",
    "tàu",
    "đài loan",
    "nhật bản",
    "nhật",
    "hoa kỳ",
    "mỹ",
    "thái lan",
    "campuchia",
    "lào",
    "singapore",
    "malaysia",
    "ấn độ",
    "hà lan",
    "canada",
    "nga",
    "pháp",
    "úc",
    "đức",
)
for _c in _COUNTRIES:
    for _before in ("người", "bên", "ở", "chồng", "vợ", "của"):
        _SYNONYMS.setdefault(f"{_before} {_c}", f"{_before} nước ngoài")
_SYNONYMS["việt kiều"] = "người việt nam định cư ở nước ngoài"

SYNONYMS: dict[tuple[str, ...], tuple[str, ...]] = {_key(k): _key(v) for k, v in _SYNONYMS.items()}
# Without marks "roi" is far more often "rồi" (already) than "rơi" (dropped).
_MARKED_ONLY = frozenset({_key("rơi")})
_STRIPPED_SYNONYMS: dict[tuple[str, ...], tuple[str, ...]] = {
    tuple(strip_diacritics(s) for s in k): v for k, v in SYNONYMS.items() if k not in _MARKED_ONLY
}
_MAX_LEN = max(len(k) for k in SYNONYMS)


# "Mất" is "lost" ("mất căn cước", "bị mất") except when a person "mất" and the clause
# ends there ("ba tui mới mất thì ...", "má em mất rồi"): then it is "died", which names
# say as "chết".
_PERSONS = frozenset(normalize(
    "ba bố cha má mẹ ông bà chồng vợ con anh chị em cô chú bác dì cậu cháu người nội ngoại nó"
).split())
_CLAUSE_END = frozenset(normalize(
    "rồi thì nên mà hôm năm tháng tuần cách được vì do để lúc hồi từ giờ vậy ạ"
    # where, or what the family does next: "mất ở nhà", "mất bên mỹ", "mất làm khai tử"
    " ở tại bên ngoài làm không chưa"
).split())


def _died(words: list[str], bare: list[str], i: int) -> bool:
    if bare[i] != "mat" or (words[i] != "mất" and words[i] != "mat"):
        return False
    if i + 1 < len(words) and bare[i + 1] not in _BARE_CLAUSE_END:
        return False
    if i > 0 and bare[i - 1] in _BARE_LOSING:  # "bị mất", "làm mất": lost
        return False
    # The person may be the subject a few words back ("ba em đang hưởng lương hưu mới mất").
    return any(bare[j] in _BARE_PERSONS for j in range(max(0, i - 6), i))


_BARE_PERSONS = frozenset(strip_diacritics(w) for w in _PERSONS)
_BARE_LOSING = frozenset(("bi", "lam", "danh", "lo", "de"))
_BARE_CLAUSE_END = frozenset(strip_diacritics(w) for w in _CLAUSE_END)


# "Đất ở" is residential land ("chuyển đất lúa sang đất ở", names: "đất ở tại nông thôn"),
# unless a place follows, when "ở" is "in" ("đất ở quận bảy giá bao nhiêu").
_PLACES = frozenset(normalize(
    "quận huyện xã phường tỉnh thành thị trấn ấp thôn xóm làng bản khu vùng miền quê đâu đây đó "
    "kia gần bên trên dưới trong ngoài chỗ cạnh mặt sài hà"
).split())
_BARE_PLACES = frozenset(strip_diacritics(w) for w in _PLACES)


def _residential(words: list[str], i: int) -> bool:
    if i + 1 >= len(words) or words[i] not in ("đất", "dat") or words[i + 1] not in ("ở", "o"):
        return False
    if i + 2 >= len(words):
        return True
    after = words[i + 2]
    return after not in (_BARE_PLACES if after.isascii() else _PLACES)


def apply_synonyms(words: list[str]) -> list[str]:
    """Replace colloquial phrases (longest first, also when written without
    diacritics) by their official wording."""
    out: list[str] = []
    unmarked = [w.isascii() for w in words]  # normalised Vietnamese words: ASCII = no marks
    bare = [w if u else strip_diacritics(w) for w, u in zip(words, unmarked, strict=True)]
    i = 0
    while i < len(words):
        for n in range(min(_MAX_LEN, len(words) - i), 0, -1):
            span = tuple(words[i : i + n])
            repl = SYNONYMS.get(span)
            # Without marks, or with a misheard tone on a phrase of two or more words
            # ("sổ đõ"), the phrase is recognised by its letters.
            if repl is None and (n > 1 or all(unmarked[i : i + n])):
                repl = _STRIPPED_SYNONYMS.get(tuple(bare[i : i + n]))
            if repl is not None:
                out.extend(repl)
                i += n
                break
        else:
            if _residential(words, i):
                out.extend(("đất", "thổ", "cư"))
                i += 2
                continue
            out.append("chết" if _died(words, bare, i) else words[i])
            i += 1
    return out
