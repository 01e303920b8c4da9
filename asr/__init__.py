"""Speech recognition engines (transport-free): ``create_engine("whisper" | "vosk")``,
end-of-turn detection (``asr.vad``), catalogue phrase rescoring (``asr.rescoring``)."""

from asr.base import AsrError, Engine, Hints, Hypothesis, Recognizer, Result, create_engine

__all__ = ["AsrError", "Engine", "Hints", "Hypothesis", "Recognizer", "Result", "create_engine"]
