"""Written Vietnamese → words a TTS voice reads correctly on the phone.

Numbers, money, dates, clock times, durations, percentages, procedure codes,
phone numbers and administrative abbreviations become plain Vietnamese words,
so no engine has to guess how to say "150.000đ", "12/6/2025" or "UBND".

Style (one, used consistently): standard Northern reading, as in national
media: "nghìn" (not "ngàn"), "linh" for a zero tens digit (104 = "một trăm linh
tư", 2025 = "hai nghìn không trăm hai mươi lăm"), "mốt" for a final 1 after
"mươi" (21 = "hai mươi mốt"), "tư" for a final 4 after "mươi" or "linh" (24 =
"hai mươi tư") but "mười bốn" for 14, "lăm" for a final 5 after a tens digit
(15 = "mười lăm", 25 = "hai mươi lăm"). A zero group inside a large number is
said ("một triệu không nghìn năm trăm") so it cannot be heard as another amount.

Separators: "." and "," followed by groups of exactly three digits are thousands
separators (the portal writes "10,000 Việt Nam Đồng"); otherwise "," is the
decimal comma ("phẩy") and "." between digits is read "chấm".
"""

from __future__ import annotations

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Units of successive three-digit groups, least significant first.
_GROUP_UNITS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")

# Abbreviations of the administrative world, expanded as whole words
# (case-sensitive: "CA" is the police, "ca" is a shift).
ABBREVIATIONS: dict[str, str] = {
    "TP.HCM": "thành phố Hồ Chí Minh",
    "TP HCM": "thành phố Hồ Chí Minh",
    "TPHCM": "thành phố Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "TTHC": "thủ tục hành chính",
    "CCCD": "căn cước công dân",
    "CMND": "chứng minh nhân dân",
    "CMTND": "chứng minh thư nhân dân",
    "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế",
    "BHTN": "bảo hiểm thất nghiệp",
    "GCN": "giấy chứng nhận",
    "GCNQSDĐ": "giấy chứng nhận quyền sử dụng đất",
    "QSDĐ": "quyền sử dụng đất",
    "QSHNƠ": "quyền sở hữu nhà ở",
    "GPLX": "giấy phép lái xe",
    "GPXD": "giấy phép xây dựng",
    "ĐKKD": "đăng ký kinh doanh",
    "MST": "mã số thuế",
    "CSDL": "cơ sở dữ liệu",
    "CSGT": "cảnh sát giao thông",
    "PCCC": "phòng cháy chữa cháy",
    "CNTT": "công nghệ thông tin",
    "THPT": "trung học phổ thông",
    "THCS": "trung học cơ sở",
    "GTVT": "giao thông vận tải",
    "LĐTBXH": "lao động thương binh và xã hội",
    "TN&MT": "tài nguyên và môi trường",
    "NN&MT": "nông nghiệp và môi trường",
    "NN và MT": "nông nghiệp và môi trường",
    "NN&PTNT": "nông nghiệp và phát triển nông thôn",
    "TNMT": "tài nguyên và môi trường",
    "BTP": "Bộ Tư pháp",
    "BCA": "Bộ Công an",
    "BTC": "Bộ Tài chính",
    "BXD": "Bộ Xây dựng",
    "NĐ-CP": "nghị định của chính phủ",
    "NĐ": "nghị định",
    "QĐ": "quyết định",
    "TT": "thông tư",
    "CP": "chính phủ",
    "CA": "công an",
    "TP": "thành phố",
    "SĐT": "số điện thoại",
    "ĐT": "điện thoại",
    "VNĐ": "đồng",
    "VND": "đồng",
    "USD": "đô la Mỹ",
    "VNeID": "ứng dụng định danh quốc gia",
}

_UNITS_AFTER_NUMBER: dict[str, str] = {
    "km": "ki lô mét",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "m³": "mét khối",
    "ha": "héc ta",
    "kg": "ki lô gam",
    "cm": "xăng ti mét",
    "mm": "mi li mét",
    "m": "mét",
}

_ORDINAL_AFTER = {"thứ": {1: "nhất", 4: "tư"}, "tháng": {4: "tư"}, "lần": {1: "thứ nhất"}}


def _three(n: int, *, full: bool) -> list[str]:
    """Words of 0 <= n <= 999; ``full`` reads a zero hundreds digit ("không trăm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
                words.append("tư" if units == 4 else DIGITS[units])
            else:
                words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def number_words(n: int) -> str:
    """An integer in words: 21 → "hai mươi mốt", 1500000 → "một triệu năm trăm nghìn"."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return "không"
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    if len(groups) > len(_GROUP_UNITS):
        return digits_words(str(sum(g * 1000**i for i, g in enumerate(groups))))
    words: list[str] = []
    top = len(groups) - 1
    for i in range(top, -1, -1):
        g = groups[i]
        if i == top:
            words += _three(g, full=False)
        elif g == 0:
            # Say an inner zero group only when something non-zero follows it.
            if i > 0 and any(groups[:i]):
                words += ["không", _GROUP_UNITS[i]]
            continue
        else:
            words += _three(g, full=True)
        if _GROUP_UNITS[i]:
            words.append(_GROUP_UNITS[i])
    return " ".join(words)


def digits_words(digits: str) -> str:
    """Digit by digit, for codes and phone numbers: "1.001193" → "một chấm không không một một chín ba"."""
    out: list[str] = []
    for ch in digits:
        if ch.isdigit():
            out.append(DIGITS[int(ch)])
        elif ch == ".":
            out.append("chấm")
        elif ch in "-/":
            out.append("gạch")
    return " ".join(out)


def decimal_words(integer: str, fraction: str, sep: str = "phẩy") -> str:
    """ "1", "5" → "một phẩy năm"; leading zeros of the fraction are said ("không phẩy không năm")."""
    head = number_words(int(integer))
    zeros = len(fraction) - len(fraction.lstrip("0"))
    rest = fraction[zeros:]
    tail = ["không"] * zeros
    if rest:
        tail.append(number_words(int(rest)) if len(rest) <= 3 else digits_words(rest))
    return f"{head} {sep} {' '.join(tail)}"


def money_words(vnd: int) -> str:
    """An amount in đồng: 10000 → "mười nghìn đồng"; 0 → "miễn phí"."""
    if vnd == 0:
        return "miễn phí"
    return f"{number_words(vnd)} đồng"


def _fmt_days(days: float) -> str:
    if days == int(days):
        return number_words(int(days))
    whole = int(days)
    if abs(days - whole - 0.5) < 1e-9:
        return "nửa" if whole == 0 else f"{number_words(whole)} rưỡi"
    integer, _, fraction = f"{days:.2f}".rstrip("0").partition(".")
    return decimal_words(integer, fraction)


def days_words(days: float, kind: str | None = "working") -> str:
    """A processing time: (7, "working") → "bảy ngày làm việc"; 0 → "ngay trong ngày"."""
    if days <= 0:
        return "ngay trong ngày"
    suffix = "ngày làm việc" if kind == "working" else "ngày"
    amount = _fmt_days(days)
    if amount.endswith(" rưỡi"):  # "một ngày rưỡi làm việc" reads better than "một rưỡi ngày"
        return f"{amount[: -len(' rưỡi')]} {suffix.split()[0]} rưỡi{suffix[len('ngày') :]}"
    return f"{amount} {suffix}"


def date_words(day: int | None, month: int | None, year: int | None) -> str:
    """ngày mười hai tháng sáu năm hai nghìn không trăm hai mươi lăm."""
    parts: list[str] = []
    if day is not None:
        parts.append(f"ngày {number_words(day)}")
    if month is not None:
        parts.append(f"tháng {'tư' if month == 4 else number_words(month)}")
    if year is not None:
        parts.append(f"năm {number_words(year)}")
    return " ".join(parts)


# --- text rewriting -------------------------------------------------------

_NUM = r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+"
_CURRENCY = r"(?:Việt Nam Đồng|việt nam đồng|VNĐ|VND|vnđ|vnd|đồng|Đồng|đ)(?![\wđĐ])"


def _int_of(num: str) -> int:
    return int(re.sub(r"[.,]", "", num))


def _date(m: re.Match) -> str:
    prefix, day, month, year = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    words = date_words(day, month, year)
    if prefix:  # "ngày 12/6/2025" already says "ngày"
        words = words[len("ngày ") :]
        return f"{prefix}{words}"
    return words


def _month_year(m: re.Match) -> str:
    prefix, month, year = m.group(1), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12:
        return m.group(0)
    words = date_words(None, month, year)
    if prefix:
        return f"{prefix}{words[len('tháng ') :]}"
    return words


def _day_month(m: re.Match) -> str:
    day, month = int(m.group(2)), int(m.group(3))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    return f"{m.group(1)} {date_words(day, month, None)[len('ngày ') :]}"


def _clock(m: re.Match) -> str:
    hour, minute = int(m.group(1)), m.group(2) or m.group(3)
    if hour > 24:
        return m.group(0)
    words = f"{number_words(hour)} giờ"
    if minute and int(minute):
        words += f" {number_words(int(minute))} phút"
    return words


def _legal_number(m: re.Match) -> str:
    return f"số {number_words(int(m.group(1)))} năm {number_words(int(m.group(2)))}"


def _phone(m: re.Match) -> str:
    groups = re.split(r"[\s.]+", m.group(0).strip())
    return ", ".join(digits_words(g) for g in groups)


def _ordinal(m: re.Match) -> str:
    word, n = m.group(1), int(m.group(2))
    special = _ORDINAL_AFTER.get(word.lower(), {}).get(n)
    return f"{word} {special or number_words(n)}"


def _unit(m: re.Match) -> str:
    return f"{m.group(1)} {_UNITS_AFTER_NUMBER[m.group(2)]}"


def _plain_number(m: re.Match) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        return number_words(_int_of(token))
    if "," in token:
        integer, fraction = token.split(",", 1)
        return decimal_words(integer, fraction, "phẩy")
    if "." in token:
        integer, fraction = token.split(".", 1)
        return f"{number_words(int(integer))} chấm {number_words(int(fraction)) if not fraction.startswith('0') else digits_words(fraction)}"
    if len(token) > 1 and token.startswith("0"):
        return digits_words(token)  # "01", "0903": labels, not quantities
    if len(token) > 15:
        return digits_words(token)
    return number_words(int(token))


_LEGAL_RE = re.compile(r"(?<!\d)(\d{1,4})/((?:19|20)\d{2})/[A-ZĐ][A-ZĐa-z\-]*")
_ABBR_RE = re.compile(
    r"(?<![\wĐđ])("
    + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\wĐđ])"
)

_RULES: list[tuple[re.Pattern, object]] = [
    # Procedure codes (1.001193, 2.000123) and record codes: digit by digit.
    (re.compile(r"(?<![\d.,])\d\.\d{6}(?![\d.,])"), lambda m: digits_words(m.group(0))),
    # Hotline numbers: 1900 86 68 95, 1800.1234.
    (re.compile(r"(?<!\d)(?:1900|1800)(?:[\s.]?\d{2,4}){1,3}(?!\d)"), _phone),
    # Mobile / landline numbers: 0903 123 456, 024.3823.1234.
    (re.compile(r"(?<![\d.,])0\d{2,3}(?:[\s.]?\d{3,4}){2}(?![\d.,])"), _phone),
    (re.compile(r"(ngày\s+|Ngày\s+)?(?<!\d)(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})(?!\d)"), _date),
    (re.compile(r"(tháng\s+|Tháng\s+)?(?<![\d/])(\d{1,2})/(\d{4})(?!\d)"), _month_year),
    # "ngày 12/6" without a year; any other a/b is read "a trên b" (24/7, 1/2).
    (re.compile(r"(ngày|Ngày)\s+(\d{1,2})/(\d{1,2})(?![\d/])"), _day_month),
    (re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])"), lambda m: f"{m.group(1)} trên {m.group(2)}"),
    # Form and class codes: CT01 → CT 01, A1 → A 1 (read after the letters).
    (re.compile(r"(?<![\w])([A-ZĐ]{1,5})(\d+)(?![\w])"), lambda m: f"{m.group(1)} {m.group(2)}"),
    # Clock times: 8h, 8h30, 08:00, 17g30.
    (re.compile(r"(?<![\d.,])(\d{1,2})(?:[hg](\d{2})?|:(\d{2}))(?![\wđ])"), _clock),
    # Amounts with a currency: 150.000 đồng, 10,000 Việt Nam Đồng, 50.000đ.
    (re.compile(rf"({_NUM})\s*{_CURRENCY}"), lambda m: f"{number_words(_int_of(m.group(1)))} đồng"),
    (re.compile(r"(đồng)\s*/\s*(\w+)"), lambda m: f"{m.group(1)} một {m.group(2)}"),
    (re.compile(r"(\d+(?:,\d+)?)\s?%"), lambda m: f"{m.group(1)} phần trăm"),
    # Ranges: 3-5 ngày, 3 – 5 ngày.
    (re.compile(r"(?<![\d.,/])(\d+)\s?[-–]\s?(\d+)(?![\d.,/])"), lambda m: f"{m.group(1)} đến {m.group(2)}"),
    (re.compile(r"\b(thứ|Thứ|tháng|Tháng|lần)\s+(\d{1,2})(?!\d)"), _ordinal),
    (re.compile(r"(\d)\s?(km|m2|m²|m3|m³|ha|kg|cm|mm|m)(?![\w²³])"), _unit),
    (re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+,\d+|\d+\.\d+|\d+"), _plain_number),
]


def verbalize(text: str) -> str:
    """Rewrite ``text`` so that every number, date, code and abbreviation is in words."""
    if not text:
        return ""
    out = text.replace("\u00a0", " ")
    out = re.sub(r"\bứng dụng VNeID\b", "ứng dụng định danh quốc gia", out)
    # Legal document numbers before abbreviations eat their suffix: 123/2015/NĐ-CP → số ... năm ...
    out = _LEGAL_RE.sub(_legal_number, out)
    out = out.replace("và/hoặc", "và hoặc")
    out = re.sub(r"\b(ông|Ông)/bà\b", r"\1 bà", out)
    out = _ABBR_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], out)
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    out = out.replace("&", " và ").replace("/", " hoặc ")
    return re.sub(r"[ \t]+", " ", out).strip()
