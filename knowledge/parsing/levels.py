"""The "cấp thực hiện" field: "Cấp bộ, Cấp xã" -> ["bộ", "xã"]."""

from __future__ import annotations

import re

from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline

KNOWN = ("bộ", "tỉnh", "huyện", "xã", "khác")
_ALIASES = {"cơ quan khác": "khác", "trung ương": "bộ", "cấp trung ương": "bộ"}


def parse_levels(text: str | None) -> Parsed[list[str]]:
    """Lower-case level names in source order, without duplicates."""
    result: Parsed[list[str]] = Parsed([])
    for part in re.split(r"[,;/]", clean_inline(text)):
        item = part.strip().lower()
        if not item:
            continue
        level = _ALIASES.get(item, item.removeprefix("cấp ").strip())
        if level not in KNOWN:
            result.flag("level_unknown")
            continue
        if level not in result.value:
            result.value.append(level)
    return result
