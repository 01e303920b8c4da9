"""The "kết quả xử lý" field without the portal page's footer."""

from __future__ import annotations

import re

from knowledge.parsing.text import clean_inline

# Page furniture the crawl captured after the results list.
_FOOTER = re.compile(r"Từ khóa|Chọn cơ quan thực hiện|Hệ thống chỉ hiển thị|Nộp hồ sơ$")
_RESULT_CODE = re.compile(r"\s*Mã\s*:\s*KQ[.\w-]*\s*")


def parse_result(text: str | None) -> str:
    """ "Giấy khai sinhMã: KQ.G15.000031Từ khóa..." -> "Giấy khai sinh".
    Several results are joined with "; "."""
    body = text or ""
    m = _FOOTER.search(body)
    if m:
        body = body[: m.start()]
    items = [clean_inline(x).strip(" ;,") for x in _RESULT_CODE.split(body)]
    return "; ".join(x for x in items if x)
