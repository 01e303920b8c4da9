"""The caller audio pool: spoken questions about known procedures (with the code the
hotline should answer), spoken yes/no, and keypad scripts.

espeak-ng's output drifts between calls inside one process, so every text is
synthesised once, each in a fresh `hotline say` process, and the exact PCM is reused
by every call of the run."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hotline.caller import Step

RATE = 8000


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    code: str  # the procedure the hotline should answer
    confirmed: bool = False  # the hotline asks "is it X?" first: the caller answers by voice


# Everyday questions the bundled catalogue answers (checked against the seed knowledge base).
QUESTIONS: tuple[Question, ...] = (
    Question("cho tôi hỏi làm hộ chiếu ở đâu", "1.001456"),
    Question("tôi muốn đăng ký khai sinh cho con", "1.001193", confirmed=True),
    Question("đăng ký kết hôn cần giấy tờ gì", "1.000894"),
    Question("làm lý lịch tư pháp ở đâu", "3.000333"),
)
# Whisper hears a lone "có" from espeak as "tốt" or worse; this phrase survives G.711.
YES = "vâng đúng rồi"


@dataclass(frozen=True, slots=True)
class Script:
    """What one simulated caller does, and which procedure a correct hotline answers."""

    name: str
    steps: tuple[Step, ...]
    expected_code: str | None  # None: only connection and audio are checked

    @property
    def speech_steps(self) -> int:
        return sum(1 for s in self.steps if s.kind == "audio")


@dataclass(slots=True)
class AudioPool:
    questions: list[tuple[Question, bytes]]  # (question, 8 kHz PCM16)
    yes: bytes

    def scripts(self, *, menu: Sequence[tuple[str, str]] = (), spoken_yes: bool = True) -> list[Script]:
        """One script per question: ask, then say yes (where the hotline confirms first) or
        press 1 (yes to a confirmation, the first of a choice, or the steps after an
        answer); plus keypad-only menu scripts `menu` = [(digits, expected code)] that
        press through the long menu prompts as soon as they start, as regular callers do."""
        out: list[Script] = []
        for q, pcm in self.questions:
            follow = Step("audio", pcm=self.yes) if spoken_yes and q.confirmed else Step("digits", "1")
            out.append(Script(f"ask:{q.code}", (Step("audio", pcm=pcm), follow), q.code))
        return out + keypad_scripts(menu)

    @property
    def seconds(self) -> float:
        return sum(len(p) for _, p in self.questions) / 2 / RATE


def keypad_scripts(menu: Sequence[tuple[str, str]]) -> list[Script]:
    """Keypad-only callers (no audio needed): each path pressed through the menu prompts
    as soon as they start, as regular callers do."""
    out = []
    for digits, code in menu:
        steps = tuple(Step("digits", d, wait=i == 0) for i, d in enumerate(digits))
        out.append(Script(f"menu:{digits}", steps, code))
    return out


def synthesize(texts: Sequence[str], *, jobs: int = 2, python: str = sys.executable) -> list[bytes]:
    """Each text to 8 kHz PCM16 by its own `hotline say` process (repeatable audio)."""
    from tts.audio import read_wav

    with tempfile.TemporaryDirectory(prefix="hotline-loadtest-") as tmp:
        def one(item: tuple[int, str]) -> bytes:
            i, text = item
            out = Path(tmp) / f"{i}.wav"
            proc = subprocess.run([python, "-m", "hotline.cli", "say", text, "-o", str(out)],
                                  capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"hotline say failed for {text!r}: {proc.stderr.strip()[-300:]}")
            audio = read_wav(out.read_bytes())
            if audio.sample_rate != RATE:
                raise RuntimeError(f"hotline say gave {audio.sample_rate} Hz, expected {RATE}")
            return audio.pcm

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            return list(ex.map(one, enumerate(texts)))


def build_pool(questions: Sequence[Question] = QUESTIONS, *, jobs: int = 2) -> AudioPool:
    pcms = synthesize([q.text for q in questions] + [YES], jobs=jobs)
    return AudioPool(list(zip(questions, pcms[:-1], strict=True)), pcms[-1])


def menu_paths(catalogue, *, limit: int = 2) -> list[tuple[str, str]]:
    """Keypad-only paths through the hotline's default menu: 9 (menu), group, procedure.

    `catalogue` maps code → ProcedureRecord, as the server holds it; the default menu
    is derived from it the same way the dialog does."""
    from dialog.manager import default_menu

    paths = []
    for g, group in enumerate(default_menu(catalogue)[:limit]):
        if group.codes:
            paths.append((f"9{g + 1}1", group.codes[0]))
    return paths


def seed_menu_paths(limit: int = 2) -> list[tuple[str, str]]:
    """Menu paths of the bundled seed catalogue (what a fresh `hotline serve` holds)."""
    from knowledge.seed import load_seed

    return menu_paths({r.code: r for r in load_seed()}, limit=limit)


def mix(speech: Sequence[Script], keypad: Sequence[Script], n: int, speech_share: float) -> list[Script]:
    """n scripts in arrival order: a `speech_share` of callers ask by voice (spread
    evenly through the run), the rest use the keypad menu; each kind cycles its pool."""
    if not 0.0 <= speech_share <= 1.0:
        raise ValueError("speech share must be between 0 and 1")
    if speech_share > 0 and not speech:
        raise ValueError("no spoken scripts")
    if speech_share < 1 and not keypad:
        raise ValueError("no keypad scripts")
    out: list[Script] = []
    spoken = 0
    for i in range(n):
        # Speak whenever the share so far falls behind the target (Bresenham-style spread).
        if spoken < round(speech_share * (i + 1)):
            out.append(speech[spoken % len(speech)])
            spoken += 1
        else:
            out.append(keypad[(i - spoken) % len(keypad)])
    return out
