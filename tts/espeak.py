"""espeak-ng: the embedded default engine, Vietnamese voices ``vi`` (Northern),
``vi-vn-x-central`` and ``vi-vn-x-south``.

Two back-ends, same output: libespeak-ng through ctypes (the build bundled in the
``espeakng-loader`` wheel, or a system library), else the ``espeak-ng`` executable.
The library synthesises at its native 22,050 Hz; soxr then resamples to the rate asked.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Literal

from tts.audio import read_wav, resample
from tts.base import (
    MAX_PITCH,
    MAX_RATE,
    MIN_PITCH,
    MIN_RATE,
    TELEPHONE_RATE,
    Audio,
    EngineUnavailable,
    SynthesisError,
    Voice,
)
from tts.normalize import normalize as normalize_text

Backend = Literal["auto", "library", "executable"]

# espeak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_PARAM_RATE, _PARAM_PITCH = 1, 3
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """One loaded libespeak-ng. The library keeps process-wide state and is not
    re-entrant, so there is one instance per library file and every call holds its lock."""

    _instances: dict[str, _Library] = {}
    _instances_lock = threading.Lock()

    def __init__(self, library_path: str, data_path: str | None) -> None:
        try:
            lib = ctypes.CDLL(library_path)
        except OSError as exc:
            raise EngineUnavailable(f"cannot load libespeak-ng from {library_path}: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode() if data_path else None, 0
        )
        if rate <= 0:
            raise EngineUnavailable(f"espeak_Initialize failed (data path {data_path!r})")
        self.native_rate = rate
        self.lock = threading.Lock()
        self._lib = lib
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._on_samples)  # keep a reference: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    @classmethod
    def get(cls, library_path: str, data_path: str | None) -> _Library:
        with cls._instances_lock:
            inst = cls._instances.get(library_path)
            if inst is None:
                inst = cls._instances[library_path] = cls(library_path, data_path)
            return inst

    def _on_samples(self, wav, count: int, _events) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = continue

    def synthesize(self, text: str, voice: Voice) -> bytes:
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            if voice.name != self._voice:
                if self._lib.espeak_SetVoiceByName(voice.name.encode()) != _EE_OK:
                    raise ValueError(f"unknown espeak-ng voice {voice.name!r}")
                self._voice = voice.name
            self._lib.espeak_SetParameter(_PARAM_RATE, _clamp(voice.rate, MIN_RATE, MAX_RATE), 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, _clamp(voice.pitch, MIN_PITCH, MAX_PITCH - 1), 0)
            self._chunks = []
            rc = self._lib.espeak_Synth(
                data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
            )
            if rc != _EE_OK:
                raise SynthesisError(f"espeak_Synth failed with code {rc}")
            self._lib.espeak_Synchronize()
            pcm, self._chunks = b"".join(self._chunks), []
        return pcm


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _bundled_paths() -> tuple[str, str] | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


class EspeakSynthesizer:
    """espeak-ng synthesiser. ``Voice.rate`` is words per minute, ``Voice.pitch`` 0-100."""

    name = "espeak"

    def __init__(
        self,
        voice: Voice | None = None,
        *,
        backend: Backend = "auto",
        library_path: str | Path | None = None,
        data_path: str | Path | None = None,
        executable: str = "espeak-ng",
        normalize: bool = True,
    ) -> None:
        self.default_voice = voice or Voice()
        self.normalize = normalize
        self._library: _Library | None = None
        self._executable: str | None = None
        errors: list[str] = []
        if backend in ("auto", "library"):
            try:
                self._library = self._load_library(library_path, data_path)
            except EngineUnavailable as exc:
                errors.append(str(exc))
                if backend == "library":
                    raise
        if self._library is None and backend in ("auto", "executable"):
            self._executable = shutil.which(executable)
            if self._executable is None:
                errors.append(f"no {executable!r} executable on PATH (Debian package espeak-ng)")
        if self._library is None and self._executable is None:
            raise EngineUnavailable("espeak-ng is not available: " + "; ".join(errors))
        self.validate_voice(self.default_voice)

    @staticmethod
    def _load_library(library_path: str | Path | None, data_path: str | Path | None) -> _Library:
        if library_path is None:
            bundled = _bundled_paths()
            if bundled is None:
                raise EngineUnavailable("espeakng-loader is not installed and no library_path was given")
            library_path, data_path = bundled[0], data_path or bundled[1]
        return _Library.get(str(library_path), str(data_path) if data_path else None)

    @property
    def backend(self) -> str:
        return "library" if self._library is not None else "executable"

    def validate_voice(self, voice: Voice) -> None:
        """Raise ValueError now, rather than on the first call, for a voice espeak lacks."""
        self.synthesize("a", voice, sample_rate=TELEPHONE_RATE)

    def synthesize(
        self, text: str, voice: Voice | None = None, *, sample_rate: int = TELEPHONE_RATE
    ) -> Audio:
        voice = voice or self.default_voice
        spoken = normalize_text(text) if self.normalize else text.strip()
        if not spoken:
            return Audio(b"", sample_rate)
        if self._library is not None:
            audio = Audio(self._library.synthesize(spoken, voice), self._library.native_rate)
        else:
            audio = self._run_executable(spoken, voice)
        return resample(audio, sample_rate)

    def _run_executable(self, text: str, voice: Voice) -> Audio:
        assert self._executable is not None
        cmd = [
            self._executable, "--stdout", "-b", "1",
            "-v", voice.name,
            "-s", str(_clamp(voice.rate, MIN_RATE, MAX_RATE)),
            "-p", str(_clamp(voice.pitch, MIN_PITCH, MAX_PITCH - 1)),
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                cmd, input=text.encode("utf-8"), capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise SynthesisError("espeak-ng took longer than 60 s") from exc
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0 or not proc.stdout:
            if "voice" in stderr.lower():
                raise ValueError(f"unknown espeak-ng voice {voice.name!r}: {stderr}")
            raise SynthesisError(f"espeak-ng exited with {proc.returncode}: {stderr}")
        return read_wav(proc.stdout)
