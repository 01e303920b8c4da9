"""Synthesised speech for the recognition tests and benchmarks: espeak-ng
through ctypes on the library bundled in ``espeakng-loader`` (no apt needed).

espeak-ng keeps global state, so one lock serialises all synthesis."""

from __future__ import annotations

import ctypes
import threading

import numpy as np

from asr.audio import resample

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_lock = threading.Lock()
_state: dict = {}


def _library():
    if "lib" in _state:
        return _state["lib"]
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
    if rate <= 0:
        raise RuntimeError("espeak-ng failed to initialise")
    chunks: list[np.ndarray] = []

    def collect(wav, n, _events):
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    cb = _CALLBACK(collect)
    lib.espeak_SetSynthCallback(cb)
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]
    _state.update(lib=lib, rate=rate, chunks=chunks, cb=cb)
    return lib


def synthesize(text: str, voice: str = "vi", sample_rate: int = 16000, rate_wpm: int = 150,
               pitch: int = 50) -> bytes:
    """``text`` spoken by espeak-ng as 16-bit mono PCM at ``sample_rate``."""
    with _lock:
        lib = _library()
        chunks: list[np.ndarray] = _state["chunks"]
        chunks.clear()
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        lib.espeak_SetParameter(_RATE, rate_wpm, 0)
        lib.espeak_SetParameter(_PITCH, pitch, 0)
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data)
        lib.espeak_Synth(buf, len(data), 0, 0, 0, _CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        native = _state["rate"]
    return resample(pcm.astype(np.int16).tobytes(), native, sample_rate)
