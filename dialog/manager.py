"""The per-call conversation: a state machine driven one turn at a time.

It knows no audio. The SIP call loop, ``hotline chat``, the HTTP session API
and the tests feed it what the caller said (text, as recognised) or pressed
(keypad digits), and it answers with a ``Turn``: segments to say, an action for
the transport (continue, transfer to an operator, hang up), a hint of what input
to expect next, and a ``TurnEvent`` for the call record.

States::

    listen ──match──▶ confirm ──yes/1──▶ offer ◀──▶ reading (steps, documents in chunks)
       │   └────────▶ choose ──digit/name──┘  │
       │ 2 misses                              └─ 4 / another procedure ─▶ listen
       ▼
    menu_groups ─digit─▶ menu_procs ─digit─▶ offer
       │ 2 misses
       ▼
    operator (transfer) or a polite goodbye

Anywhere: "nói lại" repeats, "chậm lại" sets the slow flag and repeats,
"gặp nhân viên" / 0 asks for an operator, "tạm biệt" ends the call.
Keypad digits and their spoken forms ("bấm một") are an equal input channel.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from dialog import answers, prompts
from dialog.events import Segment, TurnEvent
from dialog.intents import Intent, choice, command, spoken_digit, yes_no
from dialog.normalize import normalize, strip_diacritics
from dialog.topics import detect_topic
from knowledge.records import ProcedureRecord

if TYPE_CHECKING:
    from dialog.matcher import Candidate, Matcher, MatchResult

__all__ = ["DialogManager", "MenuGroup", "Segment", "Turn", "TurnEvent", "default_menu"]

Action = Literal["continue", "transfer", "hangup"]
Expects = Literal["speech", "yes_no", "digits", "any"]
State = Literal[
    "start",
    "listen",
    "confirm",
    "choose",
    "offer",
    "reading",
    "menu_groups",
    "menu_procs",
    "operator_offer",
    "ended",
]

MAX_REPROMPTS = 2  # reprompts before falling back (to the keypad menu, then operator/goodbye)
MENU_PAGE = 3  # procedures read per menu page
MAX_CHOICES = 3
CLOSE_CHOICE = 0.10  # candidates this close to the best are offered together
NEXT_WINDOW = 0.25  # after a rejected confirmation, candidates this close to the best are offered
SLOW_RATE = 0.8

_TOPIC_DIGITS = {"1": "steps", "2": "documents"}


@dataclass(slots=True)
class Turn:
    segments: list[Segment]
    action: Action
    event: TurnEvent
    expects: Expects = "speech"
    slow: bool = False  # the caller asked for slower speech; stays set for the rest of the call

    @property
    def reply(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def spoken(self) -> str:
        return " ".join(s.spoken for s in self.segments)

    @property
    def rate(self) -> float:
        """Speech-rate hint for the voice (1.0 = normal)."""
        return SLOW_RATE if self.slow else 1.0


@dataclass(frozen=True, slots=True)
class MenuGroup:
    """A keypad group: a spoken label and its procedures, most asked first."""

    label: str
    codes: tuple[str, ...]


# Citizen-facing groups, by words of the record's "lĩnh vực" (compared without diacritics).
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "hộ tịch, như khai sinh, kết hôn, khai tử",
        ("ho tich", "nuoi con nuoi", "quoc tich", "chung thuc", "ly lich tu phap"),
    ),
    ("cư trú, căn cước và hộ chiếu", ("cu tru", "can cuoc", "xuat nhap canh", "dinh danh", "ho chieu")),
    (
        "đất đai, nhà ở và xây dựng",
        ("dat dai", "nha o", "xay dung", "bat dong san", "quy hoach", "kien truc"),
    ),
    (
        "giao thông và bằng lái xe",
        ("lai xe", "duong bo", "phuong tien giao thong", "dang kiem", "giao thong"),
    ),
    (
        "kinh doanh, doanh nghiệp và thuế",
        ("doanh nghiep", "thue", "hop tac xa", "ho kinh doanh", "dau tu", "kinh doanh"),
    ),
    (
        "bảo hiểm xã hội, lao động và chính sách",
        (
            "bhxh",
            "bao hiem xa hoi",
            "bao hiem y te",
            "nguoi co cong",
            "chinh sach",
            "bao tro xa hoi",
            "lao dong",
            "viec lam",
            "tre em",
        ),
    ),
    (
        "công chứng, luật sư và trợ giúp pháp lý",
        (
            "cong chung",
            "luat su",
            "tro giup phap ly",
            "thua phat lai",
            "dau gia",
            "giam dinh tu phap",
            "hoa giai",
            "trong tai",
            "boi thuong nha nuoc",
            "quan tai vien",
            "bien phap bao dam",
        ),
    ),
)
_OTHER_LABEL = "các lĩnh vực khác"
MAX_GROUPS = 8  # digits 1-8; 9 goes back, 0 is the operator


@functools.lru_cache(maxsize=1024)
def _group_of_field(field_name: str) -> int:
    """Index into ``_GROUPS`` of a lĩnh vực (``len(_GROUPS)`` = other); few distinct values, so cached."""
    key = f" {strip_diacritics(normalize(field_name))} "
    for i, (_, words) in enumerate(_GROUPS):
        if any(f" {w} " in key for w in words):
            return i
    return len(_GROUPS)


def default_menu(catalogue: Mapping[str, ProcedureRecord]) -> list[MenuGroup]:
    """Keypad groups built from the records' lĩnh vực, in a fixed order, empty groups left out.

    Within a group the procedures staff curated most (aliases) come first, then
    the shorter, more general names ("đăng ký khai sinh" before its special cases).
    """
    buckets: list[list[ProcedureRecord]] = [[] for _ in range(len(_GROUPS) + 1)]
    for record in catalogue.values():
        if record.status != "published":
            continue
        buckets[_group_of_field(record.field)].append(record)
    labels = [label for label, _ in _GROUPS] + [_OTHER_LABEL]
    menu: list[MenuGroup] = []
    for label, records in zip(labels, buckets, strict=True):
        if not records:
            continue
        records.sort(key=lambda r: (-len(r.aliases), len(r.name), r.code))
        menu.append(MenuGroup(label, tuple(r.code for r in records)))
    return menu[:MAX_GROUPS]


@dataclass(slots=True)
class _Reading:
    kind: str  # "steps" | "documents"
    chunks: list[Segment]
    position: int = 0  # index of the chunk read last


@dataclass(slots=True)
class _Call:
    """Mutable per-call state (kept apart from the manager's configuration)."""

    state: State = "start"
    misses: int = 0
    menu_misses: int = 0
    slow: bool = False
    finished: bool = False
    answered: bool = False  # the caller has had at least one answer
    current: str | None = None  # code of the procedure being discussed
    pending_topic: str | None = None
    options: list[str] = field(default_factory=list)  # codes offered in confirm / choose
    rejected: set[str] = field(default_factory=set)
    reading: _Reading | None = None
    group: int = 0
    page: int = 0
    last: list[Segment] = field(default_factory=list)  # what "nói lại" repeats
    last_expects: Expects = "speech"


@dataclass(slots=True)
class _Outcome:
    """What one handler decided; ``DialogManager._emit`` turns it into a Turn."""

    segments: list[Segment]
    decision: str
    expects: Expects = "speech"
    action: Action = "continue"
    candidates: list[Candidate] = field(default_factory=list)
    procedure: str | None = None
    topic: str | None = None
    repeatable: bool = True  # remember these segments for "nói lại"


class DialogManager:
    """One call's conversation. Create one per call; not shared between calls."""

    def __init__(
        self,
        catalogue: Mapping[str, ProcedureRecord],
        matcher: Matcher,
        *,
        operator_available: bool = False,
        menu: list[MenuGroup] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.matcher = matcher
        self.operator_available = operator_available
        groups = default_menu(catalogue) if menu is None else menu
        # Codes the catalogue does not hold (a stale custom menu) are never offered. A menu
        # made from this catalogue is shared as it is: a thousand calls need not each hold a
        # copy for the garbage collector to walk.
        if any(c not in catalogue for g in groups for c in g.codes):
            groups = [MenuGroup(g.label, tuple(c for c in g.codes if c in catalogue)) for g in groups]
        self.menu = [g for g in groups if g.codes][:MAX_GROUPS]
        self._call = _Call()
        self._events: list[TurnEvent] = []
        self._heard: tuple[str | None, str | None] = (None, None)
        self._state_before: str = "start"

    # --- public -----------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._call.finished

    @property
    def events(self) -> list[TurnEvent]:
        return list(self._events)

    @property
    def state(self) -> str:
        return self._call.state

    @property
    def current_procedure(self) -> str | None:
        return self._call.current

    def start(self) -> Turn:
        """The greeting."""
        self._begin(None, None)
        self._call.state = "listen"
        return self._emit(_Outcome([prompts.fixed("greeting")], "greeting"))

    def handle(self, text: str | None = None, *, digits: str | None = None) -> Turn:
        """One caller turn: recognised ``text``, keypad ``digits`` (the first digit counts),
        or neither for silence (no input)."""
        text = (text or "").strip() or None
        digit = next((d for d in (digits or "") if d in "0123456789*#"), None)
        self._begin(text, digits)
        call = self._call
        if call.finished:
            return self._emit(_Outcome([], "ended", action="hangup", repeatable=False))
        if call.state == "start":
            call.state = "listen"
        if digit is None and text is not None:
            digit = spoken_digit(text)
        outcome = self._global(text, digit)
        if outcome is None:
            handler = {
                "listen": self._listen,
                "confirm": self._confirm,
                "choose": self._choose,
                "offer": self._offer,
                "reading": self._reading,
                "menu_groups": self._menu_groups,
                "menu_procs": self._menu_procs,
                "operator_offer": self._operator_offer,
            }[call.state]
            outcome = handler(text, digit)
        return self._emit(outcome)

    # --- bookkeeping ------------------------------------------------------

    def _begin(self, text: str | None, digits: str | None) -> None:
        self._heard = (text, digits)
        self._state_before = self._call.state

    def _emit(self, out: _Outcome) -> Turn:
        call = self._call
        if out.action in ("transfer", "hangup"):
            call.state = "ended"
            call.finished = True
        if out.repeatable and out.segments:
            call.last = list(out.segments)
            call.last_expects = out.expects
        turn_text = " ".join(s.text for s in out.segments)
        event = TurnEvent(
            index=len(self._events),
            state_before=self._state_before,
            state_after=call.state,
            heard_text=self._heard[0],
            digits=self._heard[1],
            decision=out.decision,
            candidates=[(c.code, c.name, float(c.score)) for c in out.candidates],
            procedure_code=out.procedure,
            topic=out.topic,
            reply=turn_text,
            action=out.action,
            reprompt_count=call.menu_misses if call.state in ("menu_groups", "menu_procs") else call.misses,
        )
        self._events.append(event)
        return Turn(list(out.segments), out.action, event, out.expects, call.slow)

    def _record(self, code: str) -> ProcedureRecord:
        return self.catalogue[code]

    def _name(self, code: str) -> str:
        record = self.catalogue.get(code)
        return answers.spoken_name(record) if record else code

    # --- anywhere ---------------------------------------------------------

    def _global(self, text: str | None, digit: str | None) -> _Outcome | None:
        call = self._call
        intent = command(text) if text else None
        if digit == "0" or (intent and intent.name == "operator"):
            return self._operator()
        if intent is None:
            return None
        if intent.name == "goodbye":
            return self._goodbye("goodbye")
        if intent.name == "slower":
            call.slow = True
            repeat = call.last or [prompts.fixed("greeting")]
            return _Outcome(
                [prompts.fixed("slower"), *repeat],
                "slower",
                call.last_expects,
                procedure=call.current,
                repeatable=False,
            )
        if intent.name == "another":
            return self._ask("another")
        if intent.name == "menu" and self.menu:
            return self._open_menu("menu")
        if intent.name == "repeat":
            repeat = call.last or [prompts.fixed("greeting")]
            return _Outcome(
                list(repeat), "repeat", call.last_expects, procedure=call.current, repeatable=False
            )
        return None

    def _operator(self) -> _Outcome:
        if self.operator_available:
            return _Outcome(
                [prompts.fixed("transfer")], "operator", action="transfer", procedure=self._call.current
            )
        self._call.state = "operator_offer"
        self._call.misses = 0
        return _Outcome([prompts.fixed("operator_unavailable")], "operator_unavailable", "yes_no")

    def _goodbye(self, decision: str, *, unresolved: bool = False) -> _Outcome:
        name = "goodbye_unresolved" if unresolved else "goodbye"
        return _Outcome([prompts.fixed(name)], decision, action="hangup", procedure=self._call.current)

    def _stuck(self) -> _Outcome:
        """Nothing worked, not even the keypad menu: a person, or a polite goodbye."""
        if self.operator_available:
            return _Outcome([prompts.fixed("transfer")], "operator", action="transfer")
        return self._goodbye("goodbye", unresolved=True)

    # --- listen: the caller names a procedure ------------------------------

    def _ask(self, decision: str, *, prefix: list[Segment] | None = None) -> _Outcome:
        call = self._call
        call.state = "listen"
        call.options, call.rejected, call.reading = [], set(), None
        return _Outcome([*(prefix or []), prompts.fixed("ask_another")], decision)

    def _miss(
        self, *, no_input: bool, again: list[Segment] | None = None, expects: Expects = "speech"
    ) -> _Outcome:
        """A turn that got nowhere. Reprompt at most twice, then the keypad menu."""
        call = self._call
        call.misses += 1
        decision = "no_input" if no_input else "no_match"
        if call.misses > MAX_REPROMPTS:
            return self._open_menu(decision)
        if again is not None:
            unclear = not no_input and again[0].key != "fixed:invalid_digit"
            lead = [prompts.fixed("offer_unclear")] if unclear else []
            return _Outcome([*lead, *again], decision, expects)
        call.state = "listen"
        name = f"{'no_input' if no_input else 'reprompt'}_{call.misses}"
        return _Outcome([prompts.fixed(name)], decision)

    def _listen(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        if digit is not None:
            if digit == "9" and self.menu:
                return self._open_menu("menu")
            return self._miss(no_input=False) if text is None else self._match_text(text)
        if text is None:
            return self._miss(no_input=True)
        answer = yes_no(text)
        if answer and answer.name == "no" and not answer.rest and call.answered:
            return self._goodbye("goodbye")
        return self._match_text(answer.rest if answer and answer.name == "no" and answer.rest else text)

    def _match_text(self, text: str, among: list[str] | None = None) -> _Outcome:
        result = self.matcher.match(text, among=among)
        return self._on_match(result)

    def _on_match(self, result: MatchResult) -> _Outcome:
        call = self._call
        call.pending_topic = result.topic
        top = result.procedure
        if result.action == "no_match" or top is None or top.code not in self.catalogue:
            out = self._miss(no_input=False)
            out.candidates = list(result.candidates)
            out.topic = result.topic
            return out
        call.rejected = set()
        if result.action == "answer":
            out = self._answer(top.code, result.topic)
            out.candidates = list(result.candidates)
            return out
        if result.action == "disambiguate":
            options = self._close(result.candidates)
            if len(options) >= 2:
                out = self._offer_choice(options, "disambiguate")
                out.candidates, out.topic = list(result.candidates), result.topic
                return out
        best = result.candidates[0].score
        codes = [
            c.code for c in result.candidates if c.code in self.catalogue and best - c.score <= NEXT_WINDOW
        ]
        out = self._offer_confirm(codes, "confirm")
        out.candidates, out.topic = list(result.candidates), result.topic
        return out

    def _close(self, candidates: list[Candidate]) -> list[str]:
        best = candidates[0].score
        return [c.code for c in candidates if best - c.score <= CLOSE_CHOICE and c.code in self.catalogue][
            :MAX_CHOICES
        ]

    # --- confirm / choose ---------------------------------------------------

    def _offer_confirm(self, codes: list[str], decision: str) -> _Outcome:
        call = self._call
        call.state = "confirm"
        call.options = codes
        code = codes[0]
        return _Outcome([prompts.confirm(code, self._name(code))], decision, "yes_no", procedure=code)

    def _offer_choice(self, codes: list[str], decision: str) -> _Outcome:
        call = self._call
        call.state = "choose"
        call.options = codes
        segment = prompts.choose([(c, self._name(c)) for c in codes])
        return _Outcome([segment], decision, "any", procedure=codes[0])

    def _confirm(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        code = call.options[0]
        again = [prompts.fixed("confirm_reprompt"), prompts.confirm(code, self._name(code))]
        answer: Intent | None = None
        if digit == "1":
            answer = Intent("yes")
        elif digit == "2":
            answer = Intent("no")
        elif digit is not None:
            return self._miss(
                no_input=False, again=[prompts.fixed("invalid_digit"), *again], expects="yes_no"
            )
        elif text is not None:
            answer = yes_no(text)
        else:
            return self._miss(no_input=True, again=again, expects="yes_no")
        if answer is not None and answer.name == "yes":
            out = self._answer(code, call.pending_topic)
            out.decision = "yes"
            return out
        if answer is not None and answer.name == "no":
            call.rejected.add(code)
            if answer.rest:
                return self._match_text(answer.rest)
            return self._next_candidates("no")
        # Neither yes nor no: the caller may have said the procedure differently.
        assert text is not None
        result = self.matcher.match(text)
        if result.action != "no_match" and result.procedure is not None:
            return self._on_match(result)
        if result.topic is not None:  # "nộp ở đâu?" before confirming: answer it once confirmed
            call.pending_topic = result.topic
            confirm = prompts.confirm(code, self._name(code))
            return _Outcome([prompts.fixed("confirm_first"), confirm], "topic", "yes_no", topic=result.topic)
        return self._miss(no_input=False, again=again, expects="yes_no")

    def _next_candidates(self, decision: str) -> _Outcome:
        """After a rejected confirmation: the next candidates, else ask again."""
        call = self._call
        rest = [c for c in call.options if c not in call.rejected][:MAX_CHOICES]
        if len(rest) >= 2:
            return self._offer_choice(rest, decision)
        if len(rest) == 1:
            return self._offer_confirm(rest, decision)
        return self._not_these(decision)

    def _not_these(self, decision: str) -> _Outcome:
        call = self._call
        call.state = "listen"
        call.options = []
        return _Outcome([prompts.fixed("not_these")], decision)

    def _choose(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        options = call.options
        again = [prompts.fixed("choose_reprompt"), prompts.choose([(c, self._name(c)) for c in options])]
        if digit is not None:
            if digit.isdigit() and 1 <= int(digit) <= len(options):
                out = self._answer(options[int(digit) - 1], call.pending_topic)
                out.decision = "choose"
                return out
            return self._miss(no_input=False, again=[prompts.fixed("invalid_digit"), *again], expects="any")
        if text is None:
            return self._miss(no_input=True, again=again, expects="any")
        index = choice(text, len(options))
        if index is not None:
            out = self._answer(options[index - 1], call.pending_topic)
            out.decision = "choose"
            return out
        answer = yes_no(text)
        if answer is not None and answer.name == "no":
            call.rejected.update(options)
            if answer.rest:
                return self._match_text(answer.rest)
            return self._not_these("no")
        # A question about the options ("mất bao lâu?"): answer it once one is chosen.
        result = self.matcher.match(text)
        if result.action == "no_match" and result.topic is not None:
            call.pending_topic = result.topic
            choose = prompts.choose([(c, self._name(c)) for c in options])
            return _Outcome([prompts.fixed("choose_first"), choose], "topic", "any", topic=result.topic)
        # A name: first among the options, then anywhere in the catalogue.
        among = self.matcher.match(text, among=options)
        if among.action in ("answer", "confirm") and among.procedure is not None:
            out = self._answer(among.procedure.code, among.topic or call.pending_topic)
            out.decision, out.candidates = "choose", list(among.candidates)
            return out
        if result.action != "no_match" and result.procedure is not None:
            return self._on_match(result)
        return self._miss(no_input=False, again=again, expects="any")

    # --- answers ------------------------------------------------------------

    def _offer_prompt(self) -> Segment:
        return prompts.fixed("offer" if self.operator_available else "offer_no_operator")

    def _answer(self, code: str, topic: str | None) -> _Outcome:
        """The answer for ``code``, the asked topic first, then the offer of more."""
        call = self._call
        record = self._record(code)
        call.current, call.answered = code, True
        call.misses = call.menu_misses = 0
        call.options, call.rejected, call.pending_topic = [], set(), None
        if topic in ("steps", "documents"):
            return self._read(topic, code, decision="answer")
        segments: list[Segment] = []
        first = answers.topic_answer(record, topic) if topic else None
        if first is not None:
            segments.append(first)
            segments.append(answers.summary(record, without=topic))
        else:
            segments.append(answers.summary(record))
        segments.append(self._offer_prompt())
        call.state = "offer"
        return _Outcome(segments, "answer", "any", procedure=code, topic=topic)

    def _read(self, kind: str, code: str, *, decision: str) -> _Outcome:
        call = self._call
        record = self._record(code)
        chunks = answers.steps_chunks(record) if kind == "steps" else answers.documents_chunks(record)
        if not chunks:
            call.state = "offer"
            missing = prompts.fixed("no_steps" if kind == "steps" else "no_documents")
            return _Outcome([missing, self._offer_prompt()], decision, "any", procedure=code, topic=kind)
        call.reading = _Reading(kind, chunks)
        return self._chunk_turn(decision)

    def _chunk_turn(self, decision: str) -> _Outcome:
        call = self._call
        reading = call.reading
        assert reading is not None
        chunk = reading.chunks[reading.position]
        if reading.position + 1 < len(reading.chunks):
            call.state = "reading"
            segments = [chunk, prompts.fixed("more")]
            expects: Expects = "any"
        else:
            call.state = "offer"
            segments = [chunk, self._offer_prompt()]
            expects = "any"
        return _Outcome(segments, decision, expects, procedure=call.current, topic=reading.kind)

    def _offer(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        code = call.current
        assert code is not None
        again = [prompts.fixed("offer_again"), self._offer_prompt()]
        if digit is not None:
            if digit in _TOPIC_DIGITS:
                call.misses = 0
                return self._read(_TOPIC_DIGITS[digit], code, decision=_TOPIC_DIGITS[digit])
            if digit == "3":
                out = self._answer(code, None)
                out.decision = "repeat"
                return out
            if digit == "4":
                return self._ask("another")
            return self._miss_offer(
                no_input=False, again=[prompts.fixed("invalid_digit"), self._offer_prompt()]
            )
        if text is None:
            return self._miss_offer(no_input=True, again=again)
        intent = command(text)
        if intent is not None and intent.name == "stop":
            return self._goodbye("goodbye")
        if intent is not None and intent.name == "continue":  # nothing left to read
            return _Outcome(
                [prompts.fixed("list_end"), self._offer_prompt()], "continue", "any", procedure=code
            )
        topic = detect_topic(text)
        result = self.matcher.match(text)
        codes = [c.code for c in result.candidates[:MAX_CHOICES]]
        other = result.action != "no_match" and result.procedure is not None and code not in codes
        if other:  # another procedure named ("còn kết hôn thì sao"), with or without a topic
            return self._on_match(result)
        if topic is not None:
            call.misses = 0
            if topic in ("steps", "documents"):
                return self._read(topic, code, decision="topic")
            segment = answers.topic_answer(self._record(code), topic)
            assert segment is not None
            return _Outcome([segment, self._offer_prompt()], "topic", "any", procedure=code, topic=topic)
        if result.action != "no_match" and result.procedure is not None:
            return self._on_match(result)
        answer = yes_no(text)
        if answer is not None and answer.name == "no":
            if answer.rest:
                return self._match_text(answer.rest)
            return self._goodbye("goodbye")
        if answer is not None and answer.name == "yes":
            return self._ask("another")
        return self._miss_offer(no_input=False, again=[prompts.fixed("offer_unclear"), self._offer_prompt()])

    def _miss_offer(self, *, no_input: bool, again: list[Segment]) -> _Outcome:
        """The caller has had an answer; after two silent or unclear turns the call ends politely."""
        call = self._call
        call.misses += 1
        decision = "no_input" if no_input else "no_match"
        if call.misses > MAX_REPROMPTS:
            return self._goodbye(decision)
        return _Outcome(again, decision, "any", procedure=call.current)

    def _reading(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        reading = call.reading
        assert reading is not None
        go_on = digit == "1"
        stop = digit == "2"
        if text is not None and digit is None:
            intent = command(text)
            answer = yes_no(text)
            go_on = (intent is not None and intent.name == "continue") or (
                answer is not None and answer.name == "yes"
            )
            stop = (intent is not None and intent.name == "stop") or (
                answer is not None and answer.name == "no" and not answer.rest
            )
        if go_on:
            call.misses = 0
            reading.position += 1
            return self._chunk_turn("continue")
        if stop:
            call.misses = 0
            call.state = "offer"
            return _Outcome([self._offer_prompt()], "stop", "any", procedure=call.current)
        if text is None and digit is None:
            call.misses += 1
            if call.misses > MAX_REPROMPTS:
                return self._goodbye("no_input")
            return _Outcome([prompts.fixed("more")], "no_input", "any", procedure=call.current)
        # Anything else is handled as after an answer (a topic, another procedure, digits 3, 4).
        call.state = "offer"
        return self._offer(text, digit)

    # --- keypad menu ---------------------------------------------------------

    def _open_menu(self, decision: str) -> _Outcome:
        call = self._call
        if not self.menu:
            return self._stuck()
        call.state = "menu_groups"
        call.misses = 0
        call.menu_misses = 0
        segment = prompts.menu_groups([g.label for g in self.menu], operator=self.operator_available)
        return _Outcome([segment], decision, "digits")

    def _menu_miss(self, lead: str, again: list[Segment]) -> _Outcome:
        """``lead``: "menu_reprompt" (silence), "invalid_digit" or "offer_unclear" (speech)."""
        call = self._call
        call.menu_misses += 1
        if call.menu_misses > MAX_REPROMPTS:
            return self._stuck()
        decision = "no_input" if lead == "menu_reprompt" else "no_match"
        return _Outcome([prompts.fixed(lead), *again], decision, "digits")

    def _groups_segment(self) -> Segment:
        return prompts.menu_groups([g.label for g in self.menu], operator=self.operator_available)

    def _menu_groups(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        if digit is not None:
            if digit.isdigit() and 1 <= int(digit) <= len(self.menu):
                call.group, call.page = int(digit) - 1, 0
                return self._page_turn("menu_group")
            if digit == "9":
                return self._ask("another")
            return self._menu_miss("invalid_digit", [self._groups_segment()])
        if text is None:
            return self._menu_miss("menu_reprompt", [self._groups_segment()])
        index = choice(text, len(self.menu))
        if index is not None:
            call.group, call.page = index - 1, 0
            return self._page_turn("menu_group")
        # A procedure named outright wins over a word of a group label ("khai sinh").
        result = self.matcher.match(text)
        if result.action == "answer" and result.procedure is not None:
            return self._on_match(result)
        index = self._group_named(text)
        if index is not None:
            call.group, call.page = index - 1, 0
            return self._page_turn("menu_group")
        if result.action != "no_match" and result.procedure is not None:
            return self._on_match(result)
        return self._menu_miss("offer_unclear", [self._groups_segment()])

    def _group_named(self, text: str) -> int | None:
        """A group named by a phrase of its label ("hộ tịch", "đất đai", "bằng lái xe")."""
        said = f" {strip_diacritics(normalize(text))} "
        for i, group in enumerate(self.menu, start=1):
            pieces = re.split(r",|\bvà\b|\bnhư\b", group.label)
            phrases = [strip_diacritics(normalize(p)) for p in pieces]
            if any(len(p) > 3 and f" {p} " in said for p in phrases):
                return i
        return None

    def _page(self) -> tuple[list[str], bool]:
        codes = self.menu[self._call.group].codes
        start = self._call.page * MENU_PAGE
        return list(codes[start : start + MENU_PAGE]), start + MENU_PAGE < len(codes)

    def _page_turn(self, decision: str) -> _Outcome:
        call = self._call
        call.state = "menu_procs"
        call.menu_misses = 0
        codes, more = self._page()
        group = self.menu[call.group]
        segment = prompts.menu_page(
            call.group, call.page, group.label.split(",")[0], [self._name(c) for c in codes], more=more
        )
        return _Outcome([segment], decision, "digits")

    def _menu_procs(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        codes, more = self._page()
        again = [
            prompts.menu_page(
                call.group,
                call.page,
                self.menu[call.group].label.split(",")[0],
                [self._name(c) for c in codes],
                more=more,
            )
        ]
        if digit is not None:
            if digit.isdigit() and 1 <= int(digit) <= len(codes):
                out = self._answer(codes[int(digit) - 1], None)
                out.decision = "choose"
                return out
            if more and digit == str(len(codes) + 1):
                call.page += 1
                return self._page_turn("menu_page")
            if digit == "9":
                return self._open_menu("menu")
            return self._menu_miss("invalid_digit", again)
        if text is None:
            return self._menu_miss("menu_reprompt", again)
        index = choice(text, len(codes))
        if index is not None:
            out = self._answer(codes[index - 1], None)
            out.decision = "choose"
            return out
        intent = command(text)
        if intent is not None and intent.name == "continue" and more:
            call.page += 1
            return self._page_turn("menu_page")
        group_codes = list(self.menu[call.group].codes)
        among = self.matcher.match(text, among=group_codes)
        if among.action != "no_match" and among.procedure is not None:
            return self._on_match(among)
        result = self.matcher.match(text)
        if result.action != "no_match" and result.procedure is not None:
            return self._on_match(result)
        return self._menu_miss("offer_unclear", again)

    # --- operator unavailable -------------------------------------------------

    def _operator_offer(self, text: str | None, digit: str | None) -> _Outcome:
        call = self._call
        again = [prompts.fixed("operator_unavailable")]
        answer: Intent | None = None
        if digit == "1":
            answer = Intent("yes")
        elif digit == "2":
            answer = Intent("no")
        elif digit is not None:
            return self._miss(
                no_input=False, again=[prompts.fixed("invalid_digit"), *again], expects="yes_no"
            )
        elif text is None:
            call.misses += 1
            if call.misses > MAX_REPROMPTS:
                return self._goodbye("no_input")
            return _Outcome(again, "no_input", "yes_no")
        else:
            answer = yes_no(text)
        if answer is not None and answer.name == "yes":
            call.misses = 0
            if call.current is not None:
                call.state = "offer"
                return _Outcome([self._offer_prompt()], "yes", "any", procedure=call.current)
            call.state = "listen"
            return _Outcome([prompts.fixed("continue_asking")], "yes")
        if answer is not None and answer.name == "no":
            if answer.rest:
                call.state = "listen"
                return self._match_text(answer.rest)
            return self._goodbye("no")
        assert text is not None
        call.state = "listen"
        return self._match_text(text)
