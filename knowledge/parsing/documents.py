"""The portal's flattened "thành phần hồ sơ" table.

Input looks like ``* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Tờ
khai ...Tờ khai đăng ký.docx1 bản chính- Giấy chứng sinh...1 bản chính``: a
group heading, a column header, then rows of name, optional template file(s)
and a quantity glued to the row's end."""

from __future__ import annotations

import re

from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline
from knowledge.records import Document

HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_KIND = r"bản (?:chính|sao|chụp|gốc|điện tử)"
# A row's quantity: "1 bản chính", "0 bản chính,1 bản sao"; inside prose it
# is followed by a space, at a row end by the next row (or nothing).
_QUANTITY = re.compile(
    rf"\d+ {_KIND}(?:\s*,\s*\d+ {_KIND})*(?=$|[^\s,.;:)\w]|[^\W\d_]|\d{{1,2}}[.)]\s?[^\W\d_])", re.IGNORECASE
)
_FILE_END = re.compile(r"\.(?:docx|doc|pdf|xlsx|xls|odt|rtf|zip|rar)", re.IGNORECASE)
# Words a template file name starts with.
_FORM_WORD = re.compile(
    r"Mẫu|MẪU|mẫu|Mau|MAU|mau|Phụ lục|PHỤ LỤC|Phụ Lục|Phu ?luc|PHU ?LUC|PL|Mus|Biểu|Tờ khai|TỜ KHAI|Đơn|ĐƠN|Phiếu|PHIẾU"
)
# The end of a legal document code ("94/2025/TT-BNNMT") a file name is glued to.
_CODE_END = re.compile(
    r"/\d{4}/(?:TT|NĐ|QĐ|NQ|TTLT)-(?:BNNMT|BNNPTNT|BTC|CP|BCA|BTP|BXD|NHNN|TTg|BQP|BGTVT|BYT|BCT|BKHĐT|BTNMT)"
)
_BULLET = re.compile(r"^(?:[-+*•–]\s*)+")


def parse_documents(text: str | None) -> Parsed[list[Document]]:
    """Every row as a Document in source order, with its group heading."""
    body = (text or "").strip()
    result: Parsed[list[Document]] = Parsed([])
    if not clean_inline(body):
        return result
    parts = body.split(HEADER)
    if len(parts) == 1:
        result.flag("documents_unparsed")
        return result
    heading = group_name(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        rows, tail = split_rows(part)
        last = i == len(parts) - 1
        if not last:
            # What follows the last quantity heads the next group.
            next_heading = group_name(tail)
            tail = ""
        for row in rows:
            doc = parse_row(row, heading)
            if not doc.value.name:
                # "...name Tên giấy tờ...Số lượng****1 bản chính": the source
                # put the document's name where a heading goes.
                doc.value.name = heading or clean_inline(row)
                doc.flag("document_name_in_heading")
            result.value.append(doc.value)
            for f in doc.flags:
                result.flag(f)
        if clean_name(tail):
            # A last row without a quantity (the crawl often cuts it).
            result.value.append(Document(name=clean_name(tail), group=heading))
            result.flag("document_quantity_missing")
        if not last:
            heading = next_heading
    return result


def group_name(text: str) -> str:
    """ "* Giấy tờ phải nộp:" -> "Giấy tờ phải nộp"; "--" -> ""."""
    name = clean_inline(text).strip(" -*:•")
    return name


def split_rows(part: str) -> tuple[list[str], str]:
    """Rows ending in a quantity, and the text after the last quantity."""
    rows = []
    pos = 0
    for m in _QUANTITY.finditer(part):
        if not clean_inline(part[pos:m.start()]):
            continue  # a quantity with no name is prose, not a row
        rows.append(part[pos:m.end()])
        pos = m.end()
    return rows, part[pos:]


def parse_row(row: str, group: str = "") -> Parsed[Document]:
    """ "Tờ khai ...Mẫu 01.docx1 bản chính" -> Document(name, form, copies, group)."""
    quantity = _QUANTITY.search(row)
    copies = ""
    if quantity and quantity.end() == len(row):
        copies = clean_inline(quantity.group()).replace(",", ", ").replace(",  ", ", ")
        row = row[: quantity.start()]
    name, form, flags = split_form(row)
    return Parsed(Document(name=clean_name(name), form=form, copies=copies, group=group), flags)


def split_form(text: str) -> tuple[str, str, list[str]]:
    """Separate template file names glued to the end of a document name:
    returns (name, forms joined by "; ", flags)."""
    text = text.rstrip()
    if not re.search(rf"(?:{_FILE_END.pattern})$", text, re.IGNORECASE):
        return text, "", []
    ends = [m.end() for m in _FILE_END.finditer(text)]
    # Walk back over whole file names glued one after another ("a.docxb.docx");
    # a long piece or one with a sentence in it belongs to the name.
    first_end = ends[0]
    for j in range(len(ends) - 1, 0, -1):
        piece = text[ends[j - 1]: ends[j]]
        if len(piece) > 120 or ". " in piece:
            first_end = ends[j]
            break
    later = [e for e in ends if e > first_end]
    head = text[:first_end]
    forms = [text[a:b] for a, b in zip([first_end, *later], later, strict=False)]
    start = form_start(head)
    flags = []
    if start is None:
        flags.append("document_form_unsplit")
    else:
        forms.insert(0, head[start:])
        head = head[:start]
    return head, "; ".join(f for f in (clean_inline(x) for x in forms) if f), flags


def form_start(text: str) -> int | None:
    """Where the template file name starts in "name...;Mẫu số 01.docx"."""
    best = None
    for m in _FORM_WORD.finditer(text):
        i = m.start()
        before = text[i - 1] if i else " "
        if i and (before.isalnum() or before in ";.:),”\""):
            best = i
    if best is not None:
        return best
    codes = [m.end() for m in _CODE_END.finditer(text)]
    if codes:
        # "...TT-NHNN)Phuluc01.docx": the name's closing bracket stays with the name.
        end = codes[-1]
        while end < len(text) and text[end] in ")];,.":
            end += 1
        if end < len(text) and not text[end].isspace():
            return end
    # No form word: the last glued boundary (punctuation, a case change, or a
    # word glued to a numbered file name: "theo mẫu1.000312.docx").
    ext_dot = text.rfind(".")
    for i in range(len(text) - 2, 0, -1):
        a, b = text[i - 1], text[i]
        if not b.isalnum() or a.isspace():
            continue  # a file name starts with a letter or digit, not "(1).doc"
        # "1.nxin..." numbers inside a file name: a dot after a digit is no
        # boundary unless a capital follows ("2023.NA5.doc").
        after_word = (i > 1 and not text[i - 2].isdigit()) or b.isupper()
        numbered = a.islower() and b.isdigit() and _numbered_name(text, i, ext_dot)
        if a in ";:)" or (a in ".," and after_word and ext_dot > i) or (a.islower() and b.isupper()) or numbered:
            return i
    return None


def _numbered_name(text: str, i: int, ext_dot: int) -> bool:
    """Digits at ``i`` continue with "." or "-" before the extension ("1.000312.docx", "32-Mẫu")."""
    m = re.match(r"\d+[.-]", text[i:])
    return bool(m) and i + m.end() - 1 != ext_dot


def clean_name(text: str) -> str:
    return _BULLET.sub("", clean_inline(text)).strip()
