"""Text normalisation for Vietnamese speech: what a TTS engine must be given instead of
the written answer (numbers, money, dates, times, phone numbers, abbreviations, symbols).

Pure functions, no I/O. ``normalize`` is idempotent, so an engine may normalise text
that the answer-audio cache already normalised for its key.

The number reader duplicates ``dialog/verbalize.py`` on purpose: ``tts/`` is a
transport-free engine and must not import ``dialog/``.
"""

from __future__ import annotations

import re
import unicodedata

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MAX_SPOKEN_DIGITS = 15  # longer digit strings are identifiers, read digit by digit

# Written abbreviations of administrative Vietnamese -> spoken form. Keys are matched
# case-sensitively as whole tokens; longer keys win.
ABBREVIATIONS: dict[str, str] = {
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "CCCD": "căn cước công dân",
    "CMND": "chứng minh nhân dân",
    "CMTND": "chứng minh thư nhân dân",
    "TTHC": "thủ tục hành chính",
    "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế",
    "BHTN": "bảo hiểm thất nghiệp",
    "GCN": "giấy chứng nhận",
    "GCNQSDĐ": "giấy chứng nhận quyền sử dụng đất",
    "QSDĐ": "quyền sử dụng đất",
    "GPLX": "giấy phép lái xe",
    "GPXD": "giấy phép xây dựng",
    "ĐKKD": "đăng ký kinh doanh",
    "ĐKDN": "đăng ký doanh nghiệp",
    "MST": "mã số thuế",
    "DN": "doanh nghiệp",
    "HTX": "hợp tác xã",
    "HKD": "hộ kinh doanh",
    "GTGT": "giá trị gia tăng",
    "TNCN": "thu nhập cá nhân",
    "TNDN": "thu nhập doanh nghiệp",
    "XNC": "xuất nhập cảnh",
    "THPT": "trung học phổ thông",
    "THCS": "trung học cơ sở",
    "CSGT": "cảnh sát giao thông",
    "CAND": "công an nhân dân",
    "BCA": "bộ công an",
    "TN&MT": "tài nguyên và môi trường",
    "TNMT": "tài nguyên và môi trường",
    "TN-MT": "tài nguyên và môi trường",
    "LĐTBXH": "lao động thương binh và xã hội",
    "LĐ-TB&XH": "lao động thương binh và xã hội",
    "KH&ĐT": "kế hoạch và đầu tư",
    "KHĐT": "kế hoạch và đầu tư",
    "GD&ĐT": "giáo dục và đào tạo",
    "GDĐT": "giáo dục và đào tạo",
    "GTVT": "giao thông vận tải",
    "VH-TT-DL": "văn hóa thể thao và du lịch",
    "VHTTDL": "văn hóa thể thao và du lịch",
    "KH&CN": "khoa học và công nghệ",
    "NN&PTNT": "nông nghiệp và phát triển nông thôn",
    "TT&TT": "thông tin và truyền thông",
    "NĐ-CP": "nghị định của chính phủ",
    "TP.HCM": "thành phố Hồ Chí Minh",
    "TP. HCM": "thành phố Hồ Chí Minh",
    "TP HCM": "thành phố Hồ Chí Minh",
    "TPHCM": "thành phố Hồ Chí Minh",
    "Tp.HCM": "thành phố Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "TP.": "thành phố",
    "TP": "thành phố",
    "VNĐ": "đồng",
    "VND": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "STT": "số thứ tự",
    "SĐT": "số điện thoại",
    "ĐT": "điện thoại",
    "v.v.": "vân vân",
    "v.v": "vân vân",
    "VNeID": "vê nê ai đi",
    "CSDL": "cơ sở dữ liệu",
    "TTHCC": "trung tâm hành chính công",
    "NSNN": "ngân sách nhà nước",
    "ĐVHC": "đơn vị hành chính",
    "PCCC": "phòng cháy chữa cháy",
    "ATTP": "an toàn thực phẩm",
}

# Vietnamese names of Latin letters, used to spell unknown vowel-less acronyms.
LETTER_NAMES: dict[str, str] = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê",
    "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ", "M": "em mờ", "N": "en nờ",
    "O": "o", "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích", "Y": "i dài", "Z": "dét",
}  # fmt: skip

CURRENCY = r"(?:Việt Nam [Đđ]ồng|đồng|đ|₫)"
_NUM = r"\d+(?:[.,]\d+)*"


# ---------------------------------------------------------------- numbers


def _read_triple(n: int, full: bool) -> list[str]:
    """0-999; ``full`` when a higher group precedes (then 5 reads "không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if hundreds or full:
                words.append("linh")
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _read(n: int, full: bool) -> list[str]:
    for scale, word in ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn")):
        if n >= scale:
            high, rest = divmod(n, scale)
            words = [*_read(high, full), word]
            if rest:
                words += _read(rest, True)
            return words
    return _read_triple(n, full)


def read_number(n: int) -> str:
    """An integer in Vietnamese words: 21 -> "hai mươi mốt", 105 -> "một trăm linh năm",
    150000 -> "một trăm năm mươi nghìn", 10**12 -> "một nghìn tỷ"."""
    if n < 0:
        return "âm " + read_number(-n)
    if n == 0:
        return "không"
    return " ".join(_read(n, False))


def read_digits(digits: str) -> str:
    """Digit by digit: "0912" -> "không chín một hai"."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def _read_integer_text(digits: str) -> str:
    if (len(digits) > 1 and digits[0] == "0") or len(digits) > MAX_SPOKEN_DIGITS:
        return read_digits(digits)
    return read_number(int(digits))


def _read_fraction(frac: str) -> str:
    if frac.startswith("0") or len(frac) > 3:
        return read_digits(frac)
    return read_number(int(frac))


def read_decimal(integer: str, fraction: str) -> str:
    """ "2", "5" -> "hai phẩy năm"."""
    return f"{_read_integer_text(integer)} phẩy {_read_fraction(fraction)}"


def read_number_token(token: str, *, money: bool = False) -> str:
    """A written number with Vietnamese or English separators.

    Vietnamese writes "1.500.000" (dot for thousands) and "2,5" (comma for decimals);
    English-style "10,000" appears too, so a comma before exactly three digits is a
    thousands separator when there are several such groups or the amount is money.
    """
    if token.isdigit():
        return _read_integer_text(token)
    parts = re.split(r"([.,])", token)
    nums, seps = parts[0::2], parts[1::2]
    if "." in seps and "," in seps:
        dec = seps[-1]  # "1.234,5" or "1,234.5": the last separator is the decimal point
        if seps.count(dec) == 1 and all(len(g) == 3 for g in nums[1:-1]):
            return read_decimal("".join(nums[:-1]), nums[-1])
        return " chấm ".join(_read_integer_text(g) for g in nums)
    sep = seps[0]
    groups_of_three = all(len(g) == 3 for g in nums[1:]) and 1 <= len(nums[0]) <= 3
    if groups_of_three and (sep == "." or len(nums) > 2 or money):
        return _read_integer_text("".join(nums))
    if len(nums) == 2:
        return read_decimal(nums[0], nums[1])
    joiner = " chấm " if sep == "." else ", "  # a version or list: "1.2.3", "1,2,3"
    return joiner.join(_read_integer_text(g) for g in nums)


def _month(m: int) -> str:
    return "tư" if m == 4 else read_number(m)


# ---------------------------------------------------------------- rules

_ABBR_RE = re.compile(
    r"(?<![\w&.])("
    + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w&])"
)
_URL_RE = re.compile(r"(?i)\b(?:https?://)?((?:[a-z0-9-]+\.)+(?:vn|com|net|org|gov|edu|info))\b(/\S*)?")
_EMAIL_RE = re.compile(r"(?i)\b([a-z0-9._%+-]+)@((?:[a-z0-9-]+\.)+[a-z]{2,})\b")
_LEGAL_RE = re.compile(r"(?<![\d/])(\d{1,5})/(\d{4})/([A-ZĐ][A-ZĐ0-9]*(?:[-&][A-ZĐ0-9]+)*)")
_PHONE_RES = (
    re.compile(r"(?<![\d.,])(1[89]00)((?:[ .]?\d{2,4}){1,3})(?!\d|[.,]\d)"),
    re.compile(r"(?<![\d.,+])((?:\+84|0)[1-9]\d{1,2})((?:[ .]?\d{3,4}){2})(?!\d|[.,]\d)"),
)
_TIME_RES = (
    re.compile(r"(?<![\d.,:/])([01]?\d|2[0-4])(?:h|:)([0-5]\d)(?:'|p\b|ph\b)?(?![\d:])"),
    re.compile(r"(?<![\d.,:/])([01]?\d|2[0-4])h(?!\w)"),
)
_DATE_DMY = re.compile(r"(?i)(ngày\s+|mùng\s+)?(?<![\d/.,-])(\d{1,2})([/.-])(\d{1,2})\3(\d{4})(?![\d/.,-]\d)")
_DATE_MY = re.compile(r"(?i)(tháng\s+)?(?<![\d/.,-])(\d{1,2})[/-](\d{4})(?![\d/]|[.,-]\d)")
_DATE_DM = re.compile(r"(?i)(ngày|mùng)\s+(\d{1,2})[/-](\d{1,2})(?![\d/]|[.,-]\d)")
_UNITS = (
    (re.compile(r"(?<=\d)\s*(?:m2|m²)(?!\w)"), " mét vuông"),
    (re.compile(r"(?<=\d)\s*(?:m3|m³)(?!\w)"), " mét khối"),
    (re.compile(r"(?<=\d)\s*km(?!\w)"), " ki lô mét"),
    (re.compile(r"(?<=\d)\s*kg(?!\w)"), " ki lô gam"),
    (re.compile(r"(?<=\d)\s*ha(?!\w)"), " héc ta"),
    (re.compile(r"(?<=\d)\s*cm(?!\w)"), " xen ti mét"),
)
_MONEY_RE = re.compile(rf"({_NUM})\s*({CURRENCY})(?!\w)")
_MONEY_SCALE_RE = re.compile(rf"({_NUM})\s*(nghìn|ngàn|triệu|tỷ|tỉ)\s+({CURRENCY})(?!\w)")
_PERCENT_RE = re.compile(rf"({_NUM})\s*%")
_RANGE_RE = re.compile(rf"(?<![\w.,])({_NUM})\s*[-–]\s*({_NUM})(?![\w])")
_RATIO_RE = re.compile(r"(?<![\w/])(\d{1,4})/(\d{1,4})(?![\w/])")
_DAY_RANGE_RE = re.compile(r"(?i)\b(thứ\s+\d{1,2})\s*[-–]\s*(thứ\s+\d{1,2}|chủ nhật)")
_FORM_CODE_RE = re.compile(r"(?<![\w/])(\d{1,4})/(?=[A-ZĐ])")
_ORDINAL_RE = re.compile(r"(?i)\b(thứ)\s+(\d{1,2})(?!\d)")
_MONTH_RE = re.compile(r"(?i)\b(tháng)\s+(\d{1,2})(?![\d.,/])")
_DISTRICT_RE = re.compile(r"\b(Q|P)\.\s?(\d{1,2})\b")
_NUMBER_RE = re.compile(_NUM)
_CAPS_RE = re.compile(r"(?<![\w])([BCDĐFGHJKLMNPQRSTVWXZ]{2,6})(?![\w])")
_PAREN_RE = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f]+")


def _speak_host(host: str) -> str:
    return " chấm ".join(_spell_domain_part(p) for p in host.lower().split("."))


def _spell_domain_part(part: str) -> str:
    # Two-letter labels are country codes ("vn"): spell them.
    if part == "vn":
        return "vê en"
    if len(part) <= 2 and part.isalpha():
        return " ".join(LETTER_NAMES.get(c.upper(), c) for c in part)
    return part.replace("-", " gạch ngang ")


def _sub_url(m: re.Match) -> str:
    return f" {_speak_host(m.group(1))} "


def _sub_email(m: re.Match) -> str:
    return f" {m.group(1)} a còng {_speak_host(m.group(2))} "


# Issuer suffixes of legal document numbers ("...-CP", "...-BTC", "...QH14").
ISSUERS: dict[str, str] = {
    "CP": "của Chính phủ",
    "TTg": "của Thủ tướng Chính phủ",
    "QH": "của Quốc hội",
    "UBTVQH": "của Ủy ban thường vụ Quốc hội",
    "BTC": "của Bộ Tài chính",
    "BCA": "của Bộ Công an",
    "BTP": "của Bộ Tư pháp",
    "BYT": "của Bộ Y tế",
    "BXD": "của Bộ Xây dựng",
    "BGTVT": "của Bộ Giao thông vận tải",
    "BGDĐT": "của Bộ Giáo dục và Đào tạo",
    "BLĐTBXH": "của Bộ Lao động Thương binh và Xã hội",
    "BTNMT": "của Bộ Tài nguyên và Môi trường",
    "BKHĐT": "của Bộ Kế hoạch và Đầu tư",
    "BNV": "của Bộ Nội vụ",
    "UBND": "của ủy ban nhân dân",
    "HĐND": "của hội đồng nhân dân",
}


def _sub_legal(m: re.Match) -> str:
    # "123/2015/NĐ-CP": the number and year identify the text when spoken; of the letter
    # code only the issuer is read, when known.
    issuer = re.sub(r"\d+$", "", m.group(3).split("-")[-1])
    spoken = f"số {read_number_token(m.group(1))} năm {read_number(int(m.group(2)))}"
    return f"{spoken} {ISSUERS.get(issuer, '')}".rstrip()


def _sub_phone(m: re.Match) -> str:
    groups = [m.group(1), *re.findall(r"\d+", m.group(2))]
    head = groups[0]
    spoken_head = ("cộng " + read_digits(head[1:])) if head.startswith("+") else read_digits(head)
    return " " + ", ".join([spoken_head, *(read_digits(g) for g in groups[1:])]) + " "


def _sub_time(m: re.Match) -> str:
    hour = read_number(int(m.group(1)))
    if m.lastindex and m.lastindex >= 2 and m.group(2) is not None and int(m.group(2)):
        return f"{hour} giờ {read_number(int(m.group(2)))}"
    return f"{hour} giờ"


def _sub_date_dmy(m: re.Match) -> str:
    prefix, day, month, year = m.group(1), int(m.group(2)), int(m.group(4)), int(m.group(5))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    lead = prefix.strip() if prefix else "ngày"
    return f"{lead} {read_number(day)} tháng {_month(month)} năm {read_number(year)}"


def _sub_date_my(m: re.Match) -> str:
    month, year = int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12:
        return m.group(0)
    return f"tháng {_month(month)} năm {read_number(year)}"


def _sub_date_dm(m: re.Match) -> str:
    day, month = int(m.group(2)), int(m.group(3))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    return f"{m.group(1)} {read_number(day)} tháng {_month(month)}"


def _sub_money(m: re.Match) -> str:
    return f" {read_number_token(m.group(1), money=True)} đồng"


def _sub_money_scale(m: re.Match) -> str:
    return f" {read_number_token(m.group(1), money=True)} {m.group(2)} đồng"


def _sub_ordinal(m: re.Match) -> str:
    n = int(m.group(2))
    word = {1: "nhất", 4: "tư"}.get(n) or read_number(n)
    return f"{m.group(1)} {word}"


def _sub_paren(m: re.Match, text: str) -> str:
    inner = m.group(1).strip(" ,;")
    if not inner:
        return ""
    # "Ủy ban nhân dân (UBND)" expands to the same words twice: say them once.
    before = text[: m.start()].split()
    inner_words = inner.split()
    if [w.casefold() for w in before[-len(inner_words) :]] == [w.casefold() for w in inner_words]:
        return ""
    return f", {inner},"


def _spell(m: re.Match) -> str:
    return " ".join(LETTER_NAMES[c] for c in m.group(1))


def normalize(text: str) -> str:
    """Rewrite ``text`` as Vietnamese words an engine can read aloud."""
    s = unicodedata.normalize("NFC", text)
    s = s.replace("\u2013", "-").replace("\u2014", " - ").replace("\u2212", "-")
    s = re.sub(r"[\"“”«»„`*#_~^|]", " ", s)
    s = s.replace("‘", "'").replace("’", "'").replace("…", ".")
    s = re.sub(r"(?m)^\s*[-•+●▪◦]\s+", "", s)  # list bullets
    s = re.sub(r"\s*\n+\s*", ". ", s.strip())

    s = _EMAIL_RE.sub(_sub_email, s)
    s = _URL_RE.sub(_sub_url, s)
    s = _LEGAL_RE.sub(_sub_legal, s)
    s = _ABBR_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], s)
    s = _DISTRICT_RE.sub(lambda m: ("quận " if m.group(1) == "Q" else "phường ") + m.group(2), s)
    for rx in _PHONE_RES:
        s = rx.sub(_sub_phone, s)
    s = _DATE_DMY.sub(_sub_date_dmy, s)
    s = _DATE_MY.sub(_sub_date_my, s)
    s = _DATE_DM.sub(_sub_date_dm, s)
    for rx in _TIME_RES:
        s = rx.sub(_sub_time, s)
    for rx, word in _UNITS:
        s = rx.sub(word, s)
    s = _MONEY_SCALE_RE.sub(_sub_money_scale, s)
    s = _MONEY_RE.sub(_sub_money, s)
    s = _PERCENT_RE.sub(lambda m: f"{read_number_token(m.group(1))} phần trăm", s)
    s = _RANGE_RE.sub(lambda m: f"{read_number_token(m.group(1))} đến {read_number_token(m.group(2))}", s)
    s = _DAY_RANGE_RE.sub(r"\1 đến \2", s)
    s = _ORDINAL_RE.sub(_sub_ordinal, s)
    s = _MONTH_RE.sub(lambda m: f"{m.group(1)} {_month(int(m.group(2)))}", s)
    s = _FORM_CODE_RE.sub(r"\1 trên ", s)  # "Mẫu số 01/ĐKTC"
    s = _RATIO_RE.sub(lambda m: f"{read_number_token(m.group(1))} trên {read_number_token(m.group(2))}", s)
    s = _NUMBER_RE.sub(lambda m: f" {read_number_token(m.group(0))} ", s)
    s = _CAPS_RE.sub(_spell, s)

    s = _PAREN_RE.sub(lambda m: _sub_paren(m, s), s)
    s = re.sub(r"\bđồng\s*/\s*(?=\w)", "đồng một ", s)  # "20.000 đồng/bản": per copy
    s = re.sub(r"(?<=\w)\s*/\s*(?=\w)", " hoặc ", s)  # "CMND/CCCD": either paper
    s = s.replace("&", " và ").replace("%", " phần trăm").replace("+", " cộng ")
    s = re.sub(r"(?<=\w)-(?=\w)", " ", s)  # "Covid-19", compound codes
    s = re.sub(r"\s+-+\s+", ", ", s)  # a dash between clauses is a pause
    s = s.replace(";", ",")
    s = re.sub(r"[<>=@\\{}$/()\[\]-]", " ", s)
    return _tidy(s)


def _tidy(s: str) -> str:
    s = _SPACES_RE.sub(" ", s)
    s = re.sub(r"\s+([,.:?!])", r"\1", s)
    s = re.sub(r"([,:])(?:\s*[,:])+", r"\1", s)  # ", ," left by removed parts
    s = re.sub(r"[,:]\s*([.?!])", r"\1", s)
    s = re.sub(r"([.?!])(?:\s*[.,?!])+", r"\1", s)
    s = re.sub(r"([,.:?!])(?=\w)", r"\1 ", s)
    s = re.sub(r"^[\s,.:;]+", "", s)
    s = re.sub(r"[\s,:;]+$", "", s)
    return s.strip()
