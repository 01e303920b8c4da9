"""The "trình tự thực hiện" text as an ordered list of short steps."""

from __future__ import annotations

import re

from knowledge.parsing.text import clean_block, clean_inline

_BULLET = re.compile(r"^(?:[-+*•–]+\s*)+")
# A new step inside one line: "... sân bay.Cục Hàng không ..." (a sentence end
# glued to the next capitalised sentence) or an inline "Bước 2:".
_GLUED_SENTENCE = re.compile(r"(?<=[a-zà-ỹđ)][.;])(?=[A-ZĐÀ-Ỹ][a-zà-ỹđ])")
_INLINE_STEP = re.compile(r"(?<=\S)\s*(?=Bước \d+\s*[:.])")
# Long paragraphs are cut at sentence ends and inline bullets, so a step is
# short enough to read out on the phone.
LONG_STEP = 400
_SENTENCE_END = re.compile(r"(?<=[a-zà-ỹđ)][.;:])\s+(?=[-+•]\s|[A-ZĐÀ-Ỹ])")
_ENUMERATOR = re.compile(r"^(?:Bước \d+|\(?[ivx]+\)|\(?[a-zđ]\)|\d+(?:\.\d+)*[.)])\s*", re.IGNORECASE)


def parse_steps(text: str | None) -> list[str]:
    """Ordered steps, bullets removed, lines broken by the crawl re-joined.
    Enumerators ("Bước 1:", "a)", "(i)") stay: later steps refer back to them."""
    block = clean_block(text)
    if not block:
        return []
    lines: list[str] = []
    for raw in block.split("\n"):
        line = raw.strip()
        if lines and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    steps: list[str] = []
    for line in lines:
        for piece in _INLINE_STEP.split(line):
            for sentence in _GLUED_SENTENCE.split(piece):
                parts = _SENTENCE_END.split(sentence) if len(sentence) > LONG_STEP else [sentence]
                for part in parts:
                    step = clean_inline(_BULLET.sub("", part))
                    if _has_words(step) and (not steps or steps[-1] != step):
                        steps.append(step)
    return steps


def _continues(previous: str, line: str) -> bool:
    """The crawl broke a sentence: the line starts in lower case, without a bullet."""
    first = line[:1]
    if not first.isalpha() or not first.islower():
        return False
    if _ENUMERATOR.match(line):
        return False
    return not previous.endswith((":",))


def _has_words(step: str) -> bool:
    return bool(re.search(r"\w{2,}", _ENUMERATOR.sub("", step)))
