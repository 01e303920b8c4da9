"""The "kết quả xử lý" field without the portal page's footer."""

from __future__ import annotations

import re

from knowledge.parsing.text import clean_inline, strip_page_footer

# "Mã: KQ.G15.000031", "Mã: KQ-G10-KQ00009", "Mã: 000.00.00.G01-KQ0001", "Mã: TP-G01.0000001".
_RESULT_CODE = re.compile(r"\s*Mã\s*:\s*[A-Z0-9][A-Za-z0-9.\-]*\d\s*")


def parse_result(text: str | None) -> str:
    """ "Giấy khai sinhMã: KQ.G15.000031Từ khóa..." -> "Giấy khai sinh".
    Several results are joined with "; "."""
    body = strip_page_footer(text or "")
    items = [clean_inline(x).strip(" ;,") for x in _RESULT_CODE.split(body)]
    return "; ".join(x for x in items if x)
