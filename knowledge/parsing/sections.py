"""Sections of the portal page's full text (``raw_text``).

The crawler cut some records' fields at the words "Thành phần hồ sơ" inside
the steps ("... theo quy định tại mục 9.3 (Thành phần hồ sơ) ..."): the steps
end early and the documents field holds the rest of the steps. The page text
still has both sections whole, between their titles."""

from __future__ import annotations

STEPS_TITLE = "Trình Tự Thực Hiện"
CHANNELS_TITLE = "Cách Thức Thực Hiện"
CHANNELS_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENTS_TITLE = "Thành phần hồ sơ"
LEGAL_START = "Căn cứ pháp lýTên văn bản pháp lý"


def steps_section(page: str) -> str | None:
    """The steps text between its title and the channels title."""
    start = page.find(STEPS_TITLE)
    end = page.find(CHANNELS_TITLE, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return page[start + len(STEPS_TITLE): end]


def documents_section(page: str) -> str | None:
    """The documents table: after the channels table, up to the legal basis."""
    table = page.find(CHANNELS_HEADER)
    start = page.find(DOCUMENTS_TITLE, table) if table >= 0 else -1
    end = page.find(LEGAL_START, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return page[start + len(DOCUMENTS_TITLE): end]
