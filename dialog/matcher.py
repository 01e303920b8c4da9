"""Which procedure a caller means: ranked candidates, a calibrated score and a decision.

Scoring (all over syllable keys, see ``dialog.index``):

* Every heard syllable may stand for a few catalogue syllables, each with a
  confidence w (1.0 exact, less for missing marks, swapped tones, misheard
  consonants). Fillers, pronouns and the question phrase ("bao nhiêu tiền")
  carry no weight; every other syllable weighs its IDF over the catalogue, so
  "đăng ký", "cấp", "giấy" count little and "khai sinh", "thường trú" much.
  Colloquial phrases are first rewritten to official wording (``dialog.colloquial``).
* For one text of a record (its official name without "Thủ tục" and the
  "(thực hiện tại cấp ...)" suffix; the head of that name before a qualifier such
  as "cho ...", at HEAD_FACTOR; or a staff alias):
  - precision P: the IDF share of what the caller said that the text (or the
    record's keywords) explains;
  - recall R: the IDF share of the text's own words that the caller said;
  - coherence C: the IDF share of the text's word pairs, both heard, that were
    heard next to each other ("khai sinh", not "sinh ... khai"). A filler or
    question word only counts inside such a pair ("thường chú", "nhận con nuôi").
  fit = P^0.4 * R^0.6 * (0.85 + 0.15 * C); a record scores its best text.
  A caller who adds nothing distinctive ("khai sinh") fits the plain procedure
  better than "khai sinh có yếu tố nước ngoài", whose extra words go unheard.
  - One heard syllable explains one word of the text, and a text word is explained
    by one heard word (or that word said again): "đăng" cannot be both "đăng" and a
    misheard "vắng". A catalogue word read as another keeps its own weight in P.
  - Beyond CONTEXT_WORDS content words (a long story around the request), what a
    text leaves unexplained counts proportionally less.
  - A text of three or more content words heard through one of them only is weaker
    evidence (LONE_WORD): "nghỉ" is not yet "nghỉ kinh doanh".
  - A text heard only through uncertain readings (no reading >= SURE_READING) is
    scaled by its surest one: "hôm nay là thứ mấy" is not "hôn thú".
* Utterances that name nothing get no candidates at all: only fillers, question
  words and call control ("khi nào có kết quả", "nghe tiếp", "bấm hai"), or, in a
  large catalogue, only words most procedures share ("đăng ký", "cấp lại giấy").
  The same holds for ``among``: with no content word of an offered procedure there
  is no choice.
* A name's parts joined by "hoặc" are texts too (at HEAD_FACTOR), and so is the first
  item of a name that lists several (at FIRST_FACTOR). Its bracketed list
  of cases ("tạm ngừng kinh doanh (doanh nghiệp, chi nhánh, ...)") is optional: the
  name without it is a text too (BRACKET_FACTOR), whose bracketed words still explain
  what the caller said.
* Finalists that fit about equally (within CONTRAST_WINDOW: "cấp", "cấp đổi", "cấp lại"
  thẻ căn cước; an alias of one against the long official name of its sibling) are
  told apart by the words only some of them know: each one's fit is scaled by up to
  CONTRAST by its share of those words, relative to the one that explains most.
* In a long story, what follows the caller's last "muốn", "xin", "cần", "giờ" (or "làm hồ
  sơ", "làm thủ tục") weighs FOCUS times as much: that is the request, the rest is
  how they got there.
* A spoken age ("má tui sáu chục tuổi") is checked against the age limits names state
  (``dialog.ages``), and a number after a counter ("vneid mức một") against the
  numbers a record gives that counter (``dialog.numbered``): a record that excludes
  it fits AGE_MISMATCH / NUMBER_MISMATCH as much.
* A remark that exclaims and asks nothing ("đi đám cưới vui quá trời") fits STATEMENT
  as much, and so does shopping for a seller or a price ("trung tâm nào rẻ", "lãi
  suất thấp": SHOPPING); a request for a phone number is never a procedure.
* Candidates come from a shortlist: postings of every reading, one numpy
  bincount per utterance, then the exact fit on the best SHORTLIST texts.
* Records that say the same thing (one name at cấp xã, tỉnh and trung ương) are
  folded into the one citizens call about: curated (aliases or spoken summary)
  first, then the most local level.

The score is the fit, 0..1. Measured on the labelled caller phrasings
(``python -m dialog.evaluation``, national catalogue + seed), the share of
utterances whose best candidate is right, by best score (1,188 lines): >= 0.85:
99 %; 0.70-0.85: 93 %; 0.55-0.70: 84 %; 0.45-0.55: about 1 in 4; below 0.45: none
(mostly out of scope). Hence the decisions (constants below):

* ``no_match``: best score < NO_MATCH_BELOW;
* ``disambiguate``: a second distinct candidate within CLOSE of the best
  (all candidates that close, at most 3, are offered: ``offered()``);
* ``answer``: best >= ANSWER_AT and ahead of the second by ANSWER_MARGIN;
* ``confirm``: otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dialog.ages import admits, age_limits, limit_words, spoken_age
from dialog.colloquial import DIALOG_WORDS, FUNCTION_WORDS, STOPWORDS, apply_synonyms
from dialog.index import W_UNMARKED, IndexedText, SyllableIndex, syllable_key
from dialog.normalize import normalize, strip_diacritics
from dialog.numbered import contradicts, numbered, record_numbers
from dialog.topics import Topic, detect_topic, topic_phrases
from knowledge.records import ProcedureRecord

Action = Literal["answer", "confirm", "disambiguate", "no_match"]

NO_MATCH_BELOW = 0.51  # on DEV: 0.50 -> 0.51 keeps top-1 and rejects 2 more of 105 off-topic lines
ANSWER_AT = 0.70
ANSWER_MARGIN = 0.10
CLOSE = 0.05
MAX_CANDIDATES = 5
MAX_OFFERED = 3
SHORTLIST = 25
SHORTLIST_MAX = 60  # with ties at the cut
PRECISION_EXP = 0.4
COHERENCE = 0.15
# A long story ("ba tui mất rồi để lại miếng đất ... sổ đỏ theo thừa kế") names the
# procedure in a few of its words; beyond this many content words, what a text leaves
# unexplained counts proportionally less against it.
CONTEXT_WORDS = 8
# A word in more than this share of the catalogue's records ("đăng", "cấp", "giấy",
# "nước"), and in at least GENERIC_RECORDS of them, does not name a procedure on its own.
GENERIC_SHARE = 0.10
GENERIC_RECORDS = 50
# At least one word of a text must be heard this surely (unmarked counts), or its fit
# is scaled by the surest reading.
SURE_READING = 0.9
# A text of LONE_MIN_WORDS or more content words heard through one of them only ("nghỉ" of
# "nghỉ kinh doanh luôn" in "bao giờ được nghỉ tết") names little: its fit counts LONE_WORD.
LONE_WORD = 0.8
LONE_MIN_WORDS = 3
# Official names put the procedure first and who or where after a marker word ("cấp hộ
# chiếu phổ thông | ở trong nước", "cấp thẻ căn cước | cho người từ đủ 14 tuổi"). The
# head alone also matches, at this factor, so that a caller naming just the procedure
# is understood while the full name still wins when it fits as well.
HEAD_FACTOR = 0.9
# A listing name's first item ("cấp lại giấy chứng nhận đăng ký doanh nghiệp, giấy xác
# nhận ...") is a text too, at this factor.
FIRST_FACTOR = 0.8
# A name without its bracketed list of cases, at this factor (see HEAD_FACTOR).
BRACKET_FACTOR = 0.97
_QUALIFIERS = frozenset(("cho", "của", "tại", "ở", "theo", "khi", "thuộc", "do", "trên", "đối", "trong"))

# Finalists within this of the best fit are told apart by the words only some of them
# know, which scale a finalist's fit by up to CONTRAST (pairwise, see _contrast).
CONTRAST_WINDOW = 0.2
CONTRAST = 0.15
MAX_FINALISTS = 8  # the best ones only: the contrast's cost grows with their number
# A procedure whose name excludes the caller's spoken age ("dưới 14 tuổi" for a
# grandmother of eighty) fits this much less.
AGE_MISMATCH = 0.8
# Likewise a record that numbers the caller's counter otherwise ("mức một": "mức độ 02").
NUMBER_MISMATCH = 0.7
# In a long story (more than CONTEXT_WORDS content words) what follows the caller's last
# "muốn", "xin" or "cần" is the request ("... giờ tui là cậu muốn làm người giám hộ"):
# those words weigh FOCUS times as much.
FOCUS = 1.5
# "giờ" (now) ends the story: "sổ bị cháy giờ làm lại". Unmarked "can cuoc" is căn cước.
_REQUEST = frozenset(("muốn", "xin", "cần", "giờ", "muon", "can", "gio"))
# "một" is an article, except as the number after a counter ("mức một", "số một").
_ONE = frozenset(("một", "mot"))
_COUNTERS = frozenset(("mức", "độ", "số", "hạng", "loại", "nhóm", "phiếu", "muc", "do", "so", "hang", "loai", "nhom"))
_PAPERWORK = frozenset((("hồ", "sơ"), ("thủ", "tục"), ("ho", "so"), ("thu", "tuc")))
# A remark (an exclamation, nothing asked) is not a question: its fits count STATEMENT
# as much.
STATEMENT = 0.85
_EXCLAIMING = frozenset(normalize("quá lắm ghê hoài trời thiệt").split())
_BARE_EXCLAIMING = frozenset(("qua", "lam", "ghe", "hoai", "troi", "thiet"))
_ASKING = frozenset(normalize(
    "muốn xin cần sao nào đâu gì không hông hem hổng chưa được bao mấy nhiêu lâu phải nhờ giúp hỏi làm "
    "đăng ký cấp thủ tục hồ sơ"
).split())
_BARE_ASKING = frozenset(strip_diacritics(w) for w in _ASKING)
# Shopping for a seller, a lender or a price ("mua ... ở đâu rẻ", "ngân hàng nào lãi
# suất thấp", "công ty nào tốt") is not a procedure: its fits count SHOPPING as much.
SHOPPING = 0.85
_SHOPPING = tuple(
    tuple(normalize(p).split())
    for p in ("rẻ", "giá rẻ", "uy tín", "lãi suất", "lãi thấp", "trả góp", "tốt nhất", "nào tốt", "cho đẹp", "nào đẹp")
)
_BARE_SHOPPING = tuple(tuple(strip_diacritics(w) for w in p) for p in _SHOPPING if len(p) > 1)
# Tie-breaks between records that fit equally well (never enough to beat a better fit).
CURATED_BONUS = 0.02
LEVEL_BONUS = {"xã": 0.010, "huyện": 0.006, "tỉnh": 0.005}

_BRACKETS = re.compile(r"\(([^()]*)\)?")
_PREFIX = re.compile(r"^(?:thủ tục\s+)+")
# "(thực hiện tại cấp tỉnh)", "(cấp xã)", "(thực hiện ở cấp trung ương", sometimes cut off.
_LEVEL_SUFFIX = re.compile(r"\s*\((?:thực hiện\s+)?(?:tại\s+|ở\s+)?cấp\s[^)]*\)?\s*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    name: str
    score: float  # calibrated 0..1, see the module docstring


@dataclass(frozen=True, slots=True)
class MatchResult:
    action: Action
    candidates: list[Candidate]  # ranked, at most 5
    topic: Topic | None
    text: str  # normalised input

    @property
    def procedure(self) -> Candidate | None:
        """The best candidate, unless nothing matched."""
        if self.action == "no_match" or not self.candidates:
            return None
        return self.candidates[0]


def _flat(name: str) -> str:
    """A raw name in NFC lower case on one line: portal names carry line breaks, and the
    suffix and bracket patterns need single spaces and lower case."""
    return " ".join(unicodedata.normalize("NFC", name).lower().split())


def clean_name(name: str) -> str:
    """A procedure name as callers would say it: no "Thủ tục" prefix, no level suffix."""
    text = _flat(name)
    text = _PREFIX.sub("", _LEVEL_SUFFIX.sub("", text))
    return normalize(text)


@dataclass(frozen=True, slots=True)
class _Position:
    alts: tuple[tuple[str, float], ...]
    weight: float  # IDF of its most likely reading; 0 for fillers and question words
    word: str = ""  # the heard syllable (key)


@dataclass(slots=True)
class _Query:
    """An utterance ready for scoring: per catalogue word where it may have been heard."""

    positions: list[_Position]
    weights: list[float]
    total: float  # summed weight of the content positions
    unknown: list[bool]  # per position: the heard word is not a catalogue word
    context_damping: float  # how much unexplained words count against a text, see CONTEXT_WORDS
    heard: dict[str, list[tuple[int, float]]]  # catalogue word -> [(position, confidence)]
    postings: np.ndarray  # text ids of every content reading's postings, concatenated
    posting_weights: np.ndarray  # confidence x IDF of the reading, per entry

    @classmethod
    def build(
        cls, positions: list[_Position], index: SyllableIndex, postings_of: dict[str, np.ndarray]
    ) -> _Query:
        heard: dict[str, list[tuple[int, float]]] = {}
        postings: list[np.ndarray] = []
        scale: list[float] = []
        for i, pos in enumerate(positions):
            for key, conf in pos.alts:
                heard.setdefault(key, []).append((i, conf))
                if pos.weight > 0.0:
                    idx = postings_of.get(key)
                    if idx is not None:
                        postings.append(idx)
                        scale.append(conf * index.idf(key))
        weights = [p.weight for p in positions]
        if postings:
            ids = np.concatenate(postings)
            values = np.repeat(np.asarray(scale), [len(p) for p in postings])
        else:
            ids, values = np.zeros(0, dtype=np.int32), np.zeros(0)
        unknown = [not pos.alts or pos.alts[0][1] < 1.0 for pos in positions]
        content = sum(1 for w in weights if w > 0.0)
        damping = min(1.0, CONTEXT_WORDS / content) if content else 1.0
        return cls(positions, weights, sum(weights), unknown, damping, heard, ids, values)


class Matcher:
    """Matches caller utterances against a procedure catalogue (built once, then read-only)."""

    def __init__(self, records: Iterable[ProcedureRecord]) -> None:
        self._records: list[ProcedureRecord] = [r for r in records if r.status != "draft"]
        self._by_code = {r.code: i for i, r in enumerate(self._records)}
        texts: list[IndexedText] = []
        keywords: list[frozenset[str]] = []
        self._name_key: list[str] = []
        self._rank_bonus = np.zeros(len(self._records))
        self._age_limits: list[tuple[float, float] | None] = []
        # Staff aliases as said (first word -> word tuples), see _says_alias.
        self._alias_phrases: dict[str, set[tuple[str, ...]]] = {}
        self._age_words: list[frozenset[str]] = []
        self._numbers: list[dict[str, set[int]]] = []  # see dialog.numbered
        for i, r in enumerate(self._records):
            name = clean_name(r.name)
            self._name_key.append(strip_diacritics(name))
            keys = _keys(name)
            texts.append(IndexedText(i, keys))
            main, bracketed = _split_brackets(r.name)
            if bracketed:
                # "tạm ngừng kinh doanh (doanh nghiệp, chi nhánh, ...)": the bracket lists
                # cases; a caller names one of them or none.
                texts.append(IndexedText(i, main, BRACKET_FACTOR, bracketed))
            head = _head(main)
            if head:
                texts.append(IndexedText(i, head, HEAD_FACTOR))
            first = _first_clause(r.name)
            if first and len(first) < len(main) and first != head:
                # "cấp lại giấy chứng nhận đăng ký doanh nghiệp, giấy xác nhận ...": the
                # first item of a listing name is what most callers mean.
                texts.append(IndexedText(i, first, FIRST_FACTOR))
            for part in _alternatives(main):
                # "... chuyển sang lĩnh bằng tài khoản, hoặc thay đổi thông tin cá nhân":
                # a caller asks about one of the alternatives.
                texts.append(IndexedText(i, part, HEAD_FACTOR))
            for alias in r.aliases:
                keys = _keys(normalize(alias))
                if keys:
                    texts.append(IndexedText(i, keys))
                    said = tuple(k for k in keys if k not in FUNCTION_WORDS)
                    if len(said) >= 2:
                        self._alias_phrases.setdefault(said[0], set()).add(said)
            keywords.append(
                frozenset(k for kw in r.keywords for k in _keys(normalize(kw)) if k not in STOPWORDS)
            )
            self._age_limits.append(age_limits(name))
            self._numbers.append(record_numbers([name, *map(normalize, r.aliases), *map(normalize, r.keywords)]))
            self._age_words.append(limit_words(name))
            curated = bool(r.aliases or r.spoken_summary.strip())
            level = max((LEVEL_BONUS.get(_level(lv), 0.0) for lv in r.levels), default=0.0)
            self._rank_bonus[i] = CURATED_BONUS * curated + level
        self._texts = texts
        self._keywords = keywords
        self._index = SyllableIndex(texts, keywords, len(self._records))
        self._texts_of: list[list[int]] = [[] for _ in self._records]
        for t, text in enumerate(texts):
            self._texts_of[text.record].append(t)
        # Per text: its content words with their weights, and its adjacent word pairs.
        self._content: list[dict[str, float]] = []
        self._optional: list[frozenset[str]] = []
        self._pairs: list[tuple[tuple[str, str, float], ...]] = []  # (a, b, IDF of both)
        for text in texts:
            keys = [k for k in text.keys if k not in FUNCTION_WORDS]
            # Caller fillers ("làm", "cho con") are not what identifies a procedure, even
            # inside a staff alias ("làm khai sinh cho con"): they weigh nothing here either.
            self._content.append({k: self._index.idf(k) for k in keys if k not in STOPWORDS})
            self._optional.append(frozenset(text.optional) - STOPWORDS)
            pairs = dict.fromkeys(zip(keys, keys[1:], strict=False))
            self._pairs.append(tuple((a, b, self._index.idf(a) + self._index.idf(b)) for a, b in pairs))
        self._vocab = [
            frozenset(content) | keywords[text.record] | optional
            for content, text, optional in zip(self._content, texts, self._optional, strict=True)
        ]
        self._mass = np.array([max(sum(c.values()), 1e-9) for c in self._content], dtype=float)
        # Everything known of a record (all its texts and keywords), for _contrast.
        self._record_vocab = [
            frozenset().union(*(self._vocab[t] for t in self._texts_of[r])) for r in range(len(self._records))
        ]
        self._text_record = np.array([text.record for text in texts], dtype=np.int32)
        text_postings: dict[str, list[int]] = defaultdict(list)
        for t, vocab in enumerate(self._vocab):
            for k in vocab:
                text_postings[k].append(t)
        self._text_postings = {k: np.asarray(v, dtype=np.int32) for k, v in text_postings.items()}
        self._phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self._stripped_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrases in topic_phrases().values():
            for p in phrases:
                words = tuple(p.split())
                self._phrases[words[0]].append(words)
                bare = tuple(strip_diacritics(w) for w in words)
                if len(words) > 1 or bare == words:  # one stripped syllable is too ambiguous ("phi")
                    self._stripped_phrases[bare[0]].append(bare)
        # Without marks "dang" may be the filler "đang" or the common "đăng" (ký): it is a
        # filler only when no frequent catalogue word is written that way.
        common = max(3, 0.02 * len(self._records))
        spelled_content = {
            strip_diacritics(k) for k, df in self._index.df.items() if df >= common and k not in STOPWORDS
        }
        self._generic_idf = self._index.idf_at(max(GENERIC_SHARE * len(self._records), GENERIC_RECORDS))
        self._unmarked_fillers = frozenset(strip_diacritics(w) for w in STOPWORDS) - spelled_content

    def __len__(self) -> int:
        return len(self._records)

    def record(self, code: str) -> ProcedureRecord | None:
        i = self._by_code.get(code)
        return None if i is None else self._records[i]

    # -- query side ------------------------------------------------------------------------

    def _query(self, words: list[str], unmarked: bool, situation: Collection[int] = ()) -> _Query:
        question = self._question_positions(words, unmarked)
        index = self._index
        out: list[_Position] = []
        for i, w in enumerate(words):
            k = syllable_key(w)
            numeral = k in _ONE and i > 0 and words[i - 1] in _COUNTERS
            if k in FUNCTION_WORDS and not numeral:
                continue  # weightless on both sides; dropping it lets "cho con" pair like "con"
            filler = not numeral and (k in STOPWORDS or (unmarked and k in self._unmarked_fillers))
            # Fillers still get readings: "chú" may be a misheard "trú" ("thường chú").
            alts = index.alternatives(k, unmarked_input=unmarked)
            if filler or i in question or i in situation:
                out.append(_Position(alts, 0.0, k))
                continue
            if k in index and not unmarked:
                weight = index.idf(k)
            elif alts:
                # A word the catalogue does not know weighs as its most common likely
                # reading, blended with an unknown word's weight as far as that reading is
                # unsure: "xinh" is nearly "sinh", "phim" is not really "phẩm". Typed or
                # heard without marks, a word spelled like a rare catalogue word ("tu" as
                # in "tu sửa") is as likely any of its markings ("tư", "từ", "tử").
                top = alts[0][1]
                floor = min(top, W_UNMARKED) if unmarked else top
                likely = min(index.idf(a) for a, c in alts if c >= floor)
                weight = top * likely + (1.0 - top) * index.unknown_idf
            else:
                weight = index.unknown_idf
            out.append(_Position(alts, weight, k))
        # The request in a long story follows the last "muốn", "xin", "cần", "giờ" (see FOCUS).
        last = max((j for j, p in enumerate(out) if _requests(out, j)), default=-1)
        if last >= 0 and sum(1 for p in out if p.weight > 0) > CONTEXT_WORDS:
            out = [_Position(p.alts, p.weight * FOCUS, p.word) if j > last else p for j, p in enumerate(out)]
        return _Query.build(out, self._index, self._text_postings)

    def _says_alias(self, words: list[str]) -> bool:
        """Whether the caller said a staff alias word for word ("nhận con"): staff wrote it
        for this, even when its words alone are too common to name a procedure."""
        keys = [k for k in map(syllable_key, words) if k not in FUNCTION_WORDS]
        for i, k in enumerate(keys):
            for phrase in self._alias_phrases.get(k, ()):
                if tuple(keys[i : i + len(phrase)]) == phrase:
                    return True
        return False

    def _question_positions(self, words: list[str], unmarked: bool) -> set[int]:
        probe = [strip_diacritics(w) for w in words] if unmarked else words
        table = self._stripped_phrases if unmarked else self._phrases
        hit: set[int] = set()
        for i, w in enumerate(probe):
            for phrase in table.get(w, ()):
                if tuple(probe[i : i + len(phrase)]) == phrase:
                    hit.update(range(i, i + len(phrase)))
        return hit

    # -- scoring ---------------------------------------------------------------------------

    def _shortlist(self, query: _Query) -> np.ndarray:
        """Texts worth scoring exactly: IDF-weighted overlap from the postings in one
        bincount (a position's readings add up here, an over-count that only affects the
        shortlist), turned into rough precision and recall."""
        n = len(self._texts)
        acc = np.bincount(query.postings, weights=query.posting_weights, minlength=n)
        approx = np.minimum(acc / query.total, 1.0) * np.minimum(1.0, acc / self._mass)
        k = min(SHORTLIST, n)
        if k < n:
            # Texts tied with the last one in are all in: which of equals makes the cut
            # must not depend on where a text sits in the index (an alias added elsewhere).
            kth = -np.partition(-approx, k - 1)[k - 1]
            top = np.flatnonzero(approx >= kth)
            if len(top) > SHORTLIST_MAX:
                top = top[np.argsort(-approx[top], kind="stable")[:SHORTLIST_MAX]]
        else:
            top = np.arange(n)
        return top[approx[top] > 0]

    def _fit(self, t: int, q: _Query, ignore: frozenset[str], counted: frozenset[int] | None = None) -> float:
        """Score one text; ``counted`` limits the precision to these positions (an
        ``among`` choice, where words outside every option are noise)."""
        content = self._content[t]
        heard = q.heard
        weights = q.weights
        # Links (text word, heard position, confidence) that may explain each other.
        links: list[tuple[float, str, int, float]] = []
        idf = self._index.idf
        for key in self._vocab[t].intersection(heard):  # in C: most of a text is unheard
            hits = heard[key]
            if not hits or key in ignore:
                continue
            w = content.get(key) or idf(key)
            for i, conf in hits:
                if weights[i] > 0.0:  # fillers count only inside a word pair, below
                    links.append((conf * w, key, i, conf))
        # Pairs of the text's words heard side by side: coherence, and the only way a
        # filler or question word counts ("con" in "nhận con nuôi", "chú" in "thường
        # chú", but not "mất" in "hộ chiếu mất bao lâu").
        pairs: list[tuple[str, str, float, bool]] = []
        for a, b, pair_w in self._pairs[t]:
            ha, hb = heard.get(a), heard.get(b)
            if not ha or not hb or a in ignore or b in ignore:
                continue
            after = {i: c for i, c in hb}
            adjacent = False
            for i, ca in ha:
                cb = after.get(i + 1)
                if cb is None:
                    continue
                adjacent = True
                if a in content:
                    links.append((ca * content[a], a, i, ca))
                if b in content:
                    links.append((cb * content[b], b, i + 1, cb))
            pairs.append((a, b, pair_w, adjacent))
        # One heard syllable stands for one word of the text, and one text word for one
        # heard word (said again is fine): "đăng" is "đăng" or a misheard "vắng", not
        # both, and "lai" is not "lái" once "lái xe" was heard. Surest readings first,
        # then the heavier word.
        best_conf: dict[str, float] = {}
        claimed: dict[str, str] = {}
        pos_best: dict[int, tuple[float, str]] = {}
        used: set[int] = set()
        positions = q.positions
        links.sort(key=lambda link: (link[3], link[0]), reverse=True)
        for _, key, i, conf in links:
            if i in used or claimed.get(key, positions[i].word) != positions[i].word:
                continue
            used.add(i)
            claimed[key] = positions[i].word
            if key in content and conf > best_conf.get(key, 0.0):
                best_conf[key] = conf
            if weights[i] > 0.0 and (counted is None or i in counted):
                pos_best[i] = (conf, key)
        # Precision over what the caller said.
        num = 0.0
        said = q.total if counted is None else sum(weights[i] for i in counted)
        explained = 0.0
        for i, (conf, key) in pos_best.items():
            # An unknown word weighs as the text word it stands for ("xinh" as "sinh"); a
            # catalogue word read as another ("đăng" as "vắng") keeps its own weight.
            w = (content.get(key) if conf >= 1.0 or q.unknown[i] else None) or weights[i]
            num += conf * w
            explained += w
            said -= weights[i]
        den = explained + max(said, 0.0) * q.context_damping
        precision = num / den if den > 1e-9 else 1.0
        # Recall over the text's own words.
        mass = 0.0
        got = 0.0
        for k, w in content.items():
            if k in ignore:
                continue
            mass += w
            got += w * best_conf.get(k, 0.0)
        recall = got / mass if mass > 0 else 1.0
        if recall <= 0.0 or precision <= 0.0:
            return 0.0
        # Coherence over the pairs whose content words both stand explained.
        pair_num = pair_den = 0.0
        for a, b, w, adjacent in pairs:
            if (a in content and a not in best_conf) or (b in content and b not in best_conf):
                continue
            pair_den += w
            pair_num += w * adjacent
        coherence = pair_num / pair_den if pair_den > 0 else 1.0
        fit = (
            precision**PRECISION_EXP
            * recall ** (1.0 - PRECISION_EXP)
            * (1.0 - COHERENCE + COHERENCE * coherence)
        )
        # A recogniser rarely garbles every word of a name: a text heard only through
        # other readings ("hôm nay là thứ mấy" as "hôn thú") is weaker evidence.
        surest = max(best_conf.values(), default=1.0)  # 1.0: nothing left to hear
        if len(best_conf) == 1 and len(content) >= LONE_MIN_WORDS:
            fit *= LONE_WORD
        return fit if surest >= SURE_READING else fit * surest

    def match(self, text: str, *, among: Collection[str] | None = None) -> MatchResult:
        """Match one utterance; ``among`` restricts the answer to these procedure codes."""
        norm = normalize(text)
        topic = detect_topic(norm)
        said = norm.split()
        # Typed or recognised without marks: judged before synonyms put marks back ("tui" -> "tôi").
        words = apply_synonyms(said)
        # An age describes the person: checked against the names' age limits below, it
        # does not match their words "14 tuổi".
        age = spoken_age(words)
        said_numbers = numbered(words)
        query = self._query(words, all(w.isascii() for w in said), age.positions if age else ())
        ignore: frozenset[str] = frozenset()
        counted: frozenset[int] | None = None
        # Only fillers, question words and call control ("khi nào có kết quả", "nghe
        # tiếp"): no procedure was named, not even among offered ones.
        if not any(p.weight > 0.0 and p.word not in DIALOG_WORDS for p in query.positions):
            return MatchResult("no_match", [], topic, norm)
        if _asks_for_a_number(said):
            # "cho tui xin số của anh công an khu vực": a person's phone number is never a
            # procedure, whatever else the sentence shares with one.
            return MatchResult("no_match", [], topic, norm)
        if (
            among is None
            and not any(p.weight >= self._generic_idf for p in query.positions)
            and not self._says_alias(words)
        ):
            # Only words that half the catalogue shares ("đăng ký", "cấp lại giấy"): too
            # little to name one procedure.
            return MatchResult("no_match", [], topic, norm)
        if among is None:
            texts = self._shortlist(query)
        else:
            # A choice between offered procedures ("cái có yếu tố nước ngoài"): words every
            # option shares ("đăng ký khai sinh") cannot tell them apart, and words outside
            # every option ("bình thường thôi") are noise. With none of their words heard
            # at all there is no choice.
            chosen = list(dict.fromkeys(self._by_code[c] for c in among if c in self._by_code))
            vocabs = [frozenset().union(*(self._vocab[t] for t in self._texts_of[r])) for r in chosen]
            relevant = frozenset().union(*vocabs)
            if len(chosen) >= 2:
                ignore = frozenset.intersection(*vocabs)
            positions = query.positions
            if not any(a in relevant for p in positions if p.weight > 0.0 for a, _ in p.alts):
                return MatchResult("no_match", [], topic, norm)
            counted = frozenset(
                i for i, p in enumerate(positions) if p.weight > 0.0 and _tells_apart(p, relevant, ignore)
            )
            texts = [t for r in chosen for t in self._texts_of[r]]
        fits: dict[int, float] = {}
        for t in texts:
            r = self._texts[t].record
            if age is not None and self._age_limits[r] is not None:
                # The limit's words are checked, not heard: "sáu chục tuổi" fits "từ đủ 14
                # tuổi trở lên" as well as a name without a limit, and not "dưới 14 tuổi".
                fit = self._fit(int(t), query, ignore | self._age_words[r], counted) * self._texts[t].factor
                if not admits(self._age_limits[r], age.years):
                    fit *= AGE_MISMATCH
            else:
                fit = self._fit(int(t), query, ignore, counted) * self._texts[t].factor
            if said_numbers and contradicts(said_numbers, self._numbers[r]):
                fit *= NUMBER_MISMATCH  # "mức một" is not the "mức độ 02" sibling
            if fit > fits.get(r, 0.0):
                fits[r] = fit
        if among is None:
            self._contrast(fits, query)
            if _statement(said):
                for r in fits:
                    fits[r] *= STATEMENT
            if _shopping(said):
                for r in fits:
                    fits[r] *= SHOPPING
        scored = [(fit + self._rank_bonus[r], fit, r) for r, fit in fits.items()]
        scored.sort(key=lambda x: (-x[0], self._records[x[2]].code))
        candidates: list[Candidate] = []
        seen: set[str] = set()
        for _, fit, r in scored:
            rec = self._records[r]
            if self._name_key[r] in seen or rec.code in seen:
                continue
            seen.update((self._name_key[r], rec.code))
            candidates.append(Candidate(rec.code, rec.name, round(min(fit, 1.0), 4)))
            if len(candidates) == MAX_CANDIDATES:
                break
        return MatchResult(decide(candidates), candidates, topic, norm)


    def _contrast(self, fits: dict[int, float], q: _Query) -> None:
        """Among finalists that fit about equally (siblings: "cấp", "cấp đổi", "cấp lại"
        thẻ căn cước), what the caller said that only one of two knows decides between
        them. Pairwise, so that words a third finalist lacks ("nhà ở riêng lẻ") do not
        count for "cấp giấy phép xây dựng" against "gia hạn giấy phép xây dựng": each
        finalist's fit is scaled by its worst pair, by the weight of the telling words it
        explains relative to the weight its rival explains and it does not."""
        if len(fits) < 2:
            return
        best = max(fits.values())
        close = (r for r, f in fits.items() if f >= best - CONTRAST_WINDOW)
        finalists = sorted(close, key=lambda r: (-fits[r], self._records[r].code))[:MAX_FINALISTS]
        if len(finalists) < 2:
            return
        vocabs = {r: self._record_vocab[r] for r in finalists}
        said = [
            (q.weights[i], frozenset(a for a, c in p.alts if c >= 0.9 * p.alts[0][1]))
            for i, p in enumerate(q.positions)
            if q.weights[i] > 0.0 and p.alts
        ]
        # Known weights are fixed before any fit is scaled, so each finalist is scaled in turn.
        knows = {r: [w if readings & vocabs[r] else 0.0 for w, readings in said] for r in finalists}
        for r in finalists:
            worst = 1.0
            for rival in finalists:
                mine = theirs = 0.0
                for a, b in zip(knows[r], knows[rival], strict=True):
                    if a and not b:
                        mine += a
                    elif b and not a:
                        theirs += b
                if theirs > mine:  # the rival tells more of what was said apart
                    # Less than one ordinary word's weight ("giấy" in "làm giấy khai
                    # sinh") tells them apart only partly.
                    lead = (theirs - mine) / max(theirs, self._generic_idf)
                    worst = min(worst, 1.0 - CONTRAST * lead)
            fits[r] *= worst


def _requests(out: list[_Position], j: int) -> bool:
    """Whether the caller's request starts after position ``j``: "muốn", "xin", "cần", "giờ",
    or "làm hồ sơ", "làm thủ tục" ("... mới mất thì nhà em làm hồ sơ tử tuất")."""
    word = out[j].word
    if word in _REQUEST:
        return not (word == "can" and j + 1 < len(out) and out[j + 1].word == "cuoc")  # căn cước
    if j >= 2 and (out[j - 1].word, word) in _PAPERWORK:
        return out[j - 2].word in ("làm", "lam")
    return False


_PHONE = (("số", "điện", "thoại"), ("so", "dien", "thoai"), ("sđt",), ("sdt",), ("số", "phone"), ("so", "phone"))
_PERSON_WORDS = normalize("anh chị ông bà cô chú bác em").split()
_OF_PERSON = frozenset(_PERSON_WORDS) | frozenset(strip_diacritics(w) for w in _PERSON_WORDS)


def _asks_for_a_number(said: list[str]) -> bool:
    """Whether the caller asks for a phone number ("số điện thoại của phòng tư pháp",
    "xin số của anh công an khu vực")."""
    for i, w in enumerate(said):
        if any(tuple(said[i : i + len(p)]) == p for p in _PHONE):
            return True
        if w in ("số", "so") and i + 2 < len(said) and said[i + 1] in ("của", "cua") and said[i + 2] in _OF_PERSON:
            return True
    return False


def _statement(said: list[str]) -> bool:
    """A remark that asks nothing ("hôm qua đi đám cưới thằng bạn vui quá trời", "con
    tui thi đậu đại học rồi mừng quá"): an exclamation and no request or question word.
    Callers who want a procedure name it or ask about it; they do not exclaim."""
    if not any(w in _EXCLAIMING or (w.isascii() and w in _BARE_EXCLAIMING) for w in said):
        return False
    return not any(w in _ASKING or (w.isascii() and w in _BARE_ASKING) for w in said)


def _shopping(said: list[str]) -> bool:
    """Whether the caller shops for a seller, lender or price rather than a procedure
    ("mua bảo hiểm xe máy ở đâu rẻ", "trung tâm nào rẻ mà dễ đậu")."""
    # Every marked phrase has a marked word, so typed without marks only the bare ones can match.
    phrases = _BARE_SHOPPING if all(w.isascii() for w in said) else _SHOPPING
    return any(tuple(said[i : i + len(p)]) == p for i in range(len(said)) for p in phrases)


def decide(candidates: list[Candidate]) -> Action:
    """The decision for ranked candidates, from the thresholds in the module docstring."""
    if not candidates or candidates[0].score < NO_MATCH_BELOW:
        return "no_match"
    best = candidates[0].score
    second = candidates[1].score if len(candidates) > 1 else 0.0
    if second >= NO_MATCH_BELOW and best - second < CLOSE:
        return "disambiguate"
    if best >= ANSWER_AT and best - second >= ANSWER_MARGIN:
        return "answer"
    return "confirm"


def offered(result: MatchResult) -> list[Candidate]:
    """The candidates to offer when disambiguating: those close to the best, at most 3."""
    if not result.candidates:
        return []
    best = result.candidates[0].score
    return [c for c in result.candidates[:MAX_OFFERED] if best - c.score < CLOSE or c is result.candidates[0]]


def _tells_apart(pos: _Position, relevant: frozenset[str], shared: frozenset[str]) -> bool:
    """Whether a heard word most likely is a word of some option but not of all of them."""
    readings = [(c, a) for a, c in pos.alts if a in relevant]
    if not readings:
        return False
    conf, key = max(readings)
    return key not in shared and conf >= 0.9 * pos.alts[0][1]


def _head(keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """The name up to its first qualifier, when that leaves a shorter name of two or more words."""
    for j, k in enumerate(keys):
        if j >= 2 and k in _QUALIFIERS:
            return keys[:j]
    return None


def _alternatives(keys: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The parts of a name joined by "hoặc", when there are several of two or more words."""
    parts: list[tuple[str, ...]] = []
    start = 0
    for j, k in enumerate(keys + ("hoặc",)):
        if k == "hoặc":
            parts.append(keys[start:j])
            start = j + 1
    parts = [p for p in parts if len(p) >= 2]
    return parts if len(parts) >= 2 else []


def _first_clause(name: str) -> tuple[str, ...] | None:
    """A raw name's words before its first comma or semicolon (outside brackets), when that
    is three words or more."""
    text = _BRACKETS.sub(" ", _flat(name))
    cut = re.split(r"[,;]", text, maxsplit=1)
    if len(cut) < 2:
        return None
    keys = _keys(clean_name(cut[0]))
    return keys if len(keys) >= 3 else None


def _split_brackets(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A raw procedure name's words outside and inside its brackets (level suffix dropped)."""
    text = _LEVEL_SUFFIX.sub("", _flat(name))
    inside = " ".join(_BRACKETS.findall(text))
    if not inside:
        return _keys(clean_name(text)), ()
    return _keys(clean_name(_BRACKETS.sub(" ", text))), _keys(normalize(inside))


def _keys(text: str) -> tuple[str, ...]:
    return tuple(syllable_key(w) for w in apply_synonyms(text.split()))


def _level(label: str) -> str:
    """ "Cấp xã" -> "xã"."""
    label = normalize(label)
    return label.removeprefix("cấp ").strip()
