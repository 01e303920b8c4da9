"""What one dialog turn produced: the spoken segments and the structured event.

A ``Segment`` is a piece of reply text with a key naming what it is, so that the
answer-audio cache and recorded prompts can look it up. The key fully determines
the text for a given catalogue version:

- ``fixed:<name>``: a fixed prompt of ``dialog.prompts`` ("fixed:greeting");
- ``proc:<code>:<part>``: text composed from one procedure record
  ("proc:1.001193:summary", "proc:1.001193:fee", "proc:1.001193:steps:2");
- ``choose:<code>|<code>|...``: the question choosing between candidates;
- ``menu:...``: a keypad menu page ("menu:groups", "menu:group:1:page:0");
- ``dyn``: one-off text, not worth caching.

A ``TurnEvent`` is the record of one turn for call logs and the staff review
queue: what was heard, what the matcher proposed, what was decided and said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialog.verbalize import verbalize


@dataclass(frozen=True, slots=True)
class Segment:
    """``text`` is for display (digits as digits); ``spoken`` is what the voice says."""

    text: str
    key: str = "dyn"

    @property
    def spoken(self) -> str:
        return verbalize(self.text)


@dataclass(slots=True)
class TurnEvent:
    index: int
    state_before: str
    state_after: str
    heard_text: str | None = None
    digits: str | None = None
    # greeting, answer, confirm, disambiguate, no_match, no_input, yes, no, choose,
    # repeat, slower, operator, operator_unavailable, goodbye, continue, stop, topic,
    # another, menu, menu_group, menu_page, invalid_digit, ended
    decision: str = ""
    candidates: list[tuple[str, str, float]] = field(default_factory=list)
    procedure_code: str | None = None
    topic: str | None = None
    reply: str = ""
    action: str = "continue"
    reprompt_count: int = 0

    def to_dict(self) -> dict:
        """JSON-ready; candidates as ``{"code", "name", "score"}`` like the ask API."""
        return {
            "index": self.index,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "heard_text": self.heard_text,
            "digits": self.digits,
            "decision": self.decision,
            "candidates": [
                {"code": code, "name": name, "score": round(float(score), 4)}
                for code, name, score in self.candidates
            ],
            "procedure_code": self.procedure_code,
            "topic": self.topic,
            "reply": self.reply,
            "action": self.action,
            "reprompt_count": self.reprompt_count,
        }
