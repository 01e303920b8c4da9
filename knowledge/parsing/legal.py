"""The "căn cứ pháp lý" table: "Tên văn bản pháp lýMã văn bản" then rows of a
title glued to its code ("Luật Hộ tịch60/2014/QH13Nghị định ...")."""

from __future__ import annotations

import re

from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline

HEADER = "Tên văn bản pháp lýMã văn bản"
# "85/2019/TT-BTC", "66.7/2025/NQ-CP", "601/QĐ-BTC", "02/2020/UBTVQH14".
# Possessive tails: "QH1360/2014/QH13" must not shrink to "60/2014/Q".
_SEGMENT = r"(?:TTg(?![a-zà-ỹ])|[A-ZĐ][A-ZĐ0-9]*+)"
_CODE = rf"(?:\.\d+)?/(?:\d{{4}}/)?{_SEGMENT}(?:-{_SEGMENT})*+(?![\d/])"
CODE = re.compile(rf"\d{{1,4}}{_CODE}")
# Right after a code's letters the digits may be two numbers run together
# ("QH15" + "106/2025/QH15"); _fix_glued_digits splits them.
_CODE_AFTER_CODE = re.compile(rf"\d{{1,6}}{_CODE}")
_SHORT_CODE_END = re.compile(r"(?<=[^\d\s/])\d{1,4}/\d{4}$")
_YEAR_END = re.compile(r"(?<!\d)(?:19|20)\d{2}\.?$")
# A document type glued to the end of the previous title by the crawl:
# "...Bộ Tư phápThông tư số" + code.
_GLUED_TYPE = re.compile(r"(?<=[a-zà-ỹ.])(?:Thông tư|Nghị định|Quyết định|Luật|Nghị quyết|Pháp lệnh)(?: số)?\s*$")


def legal_entry(title: str, code: str) -> str:
    """One spoken-friendly entry: the title, with the code unless it already says it."""
    title, code = clean_inline(title).strip(" ;,."), clean_inline(code)
    if not code:
        return title
    if not title or code in title:
        return title or code
    return f"{title} ({code})"


def parse_legal(text: str | None) -> Parsed[list[str]]:
    """Titles (with codes) of the legal basis, in source order."""
    body = clean_inline(text)
    result: Parsed[list[str]] = Parsed([])
    if not body:
        return result
    if body.startswith(HEADER):
        body = body[len(HEADER):]
    pos = 0
    for end, code_start in _row_ends(body):
        title, code = body[pos:code_start], body[code_start:end]
        title, code = _fix_glued_digits(_GLUED_TYPE.sub("", title), code)
        entry = legal_entry(title, code)
        if entry and entry not in result.value:
            result.value.append(entry)
        pos = end
    rest = clean_inline(body[pos:])
    short = _SHORT_CODE_END.search(rest)
    if short:
        # A code cut to "46/2020" by the source, glued to the last title.
        entry = legal_entry(rest[: short.start()], short.group())
        if entry not in result.value:
            result.value.append(entry)
        rest = ""
    if rest:
        result.value.append(rest)
        result.flag("legal_unparsed")
    return result


def _row_ends(body: str) -> list[tuple[int, int]]:
    """(end, code start) of each row: a code glued to what follows it (the next
    title) or ending the text. Codes inside titles are followed by a space."""
    rows = []
    for m in _codes(body):
        end = m.end()
        code = m.group()
        # The greedy tail may have eaten the next title's capital ("QH13Luật").
        if end < len(body) and body[end].islower() and code[-1].isupper():
            end -= 1
        glued_after = end == len(body) or not (body[end].isspace() or body[end] in ",;.)")
        glued_before = m.start() > 0 and (body[m.start() - 1].isalpha() or body[m.start() - 1] in ".;")
        if glued_after or glued_before:
            rows.append((end, m.start()))
    return rows


def _codes(body: str) -> list[re.Match[str]]:
    """Non-overlapping codes. A code starts after a non-digit, or right after a
    year the crawl glued to it ("năm 2024" + "46/2024/QH15")."""
    found = []
    pos = 0
    for digit in re.finditer(r"\d", body):
        i = digit.start()
        if i < pos:
            continue
        prev = body[i - 1] if i else " "
        after_number = prev.isdigit() or (prev == "." and i > 1 and body[i - 2].isdigit())
        if prev == "/" or (after_number and not _YEAR_END.search(body, 0, i)):
            continue
        m = (_CODE_AFTER_CODE if prev.isupper() else CODE).match(body, i)
        if m:
            found.append(m)
            pos = m.end()
    return found


def _fix_glued_digits(title: str, code: str) -> tuple[str, str]:
    """ "Luật 60/2014/QH13" + "60/2014/QH13" reads as "...QH1360/2014/QH13":
    move leading digits back to the title while that makes the title contain the code."""
    if code in title:
        return title, code
    for k in range(1, min(4, len(code))):
        t, c = title + code[:k], code[k:]
        if CODE.fullmatch(c) and c in t:
            return t, c
    return title, code
