"""The Coqui engine on a real VITS model built here with random weights (small: a few
layers), saved as config.json + model.pth and loaded back through the engine.

Runs where the optional ``coqui`` extra is installed (coqui-tts with PyTorch); the
model-file discovery tests run everywhere."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from tts import AnswerAudioCache, EngineUnavailable, SynthesisError, Voice, create_synthesizer
from tts.coqui import CoquiSynthesizer, find_model_files

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)


def build_random_vits(directory: Path, *, sample_rate: int = 16000, seed: int = 0) -> Path:
    """A Vietnamese-character VITS with random weights, in Coqui's on-disk format."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    torch.manual_seed(seed)
    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters",
        pad="<PAD>", eos="<EOS>", bos="<BOS>", blank="<BLNK>",
        characters=VIETNAMESE_LETTERS, punctuations="!'(),-.:;? ", phonemes=None,
        is_unique=True, is_sorted=True,
    )  # fmt: skip
    args = VitsArgs(
        hidden_channels=32, hidden_channels_ffn_text_encoder=64, num_heads_text_encoder=2,
        num_layers_text_encoder=1, num_layers_flow=1, num_layers_posterior_encoder=2,
        upsample_rates_decoder=[8, 8, 4], upsample_initial_channel_decoder=32,
        upsample_kernel_sizes_decoder=[16, 16, 8], resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3, 5]], init_discriminator=False, use_sdp=False,
    )  # fmt: skip
    config = VitsConfig(
        model_args=args,
        audio=BaseAudioConfig(
            sample_rate=sample_rate, hop_length=256, win_length=1024, fft_size=1024, do_trim_silence=False
        ),
        characters=characters,
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        add_blank=True,
    )
    model = Vits(config)
    # Untrained, every symbol would last about one frame whatever the speed; give the
    # duration predictor's output the bias of a trained model (~4 frames per symbol).
    with torch.no_grad():
        model.duration_predictor.proj.weight.mul_(0.01)
        model.duration_predictor.proj.bias.fill_(math.log(4.0))
    directory.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, directory / "model.pth")
    config.save_json(str(directory / "config.json"))
    return directory


def test_model_files_are_found_or_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_model_files(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"no model \.pth"):
        find_model_files(tmp_path)
    (tmp_path / "best_model.pth").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="config"):
        find_model_files(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    assert find_model_files(tmp_path) == (tmp_path / "best_model.pth", tmp_path / "config.json")
    assert find_model_files(tmp_path / "best_model.pth")[0] == tmp_path / "best_model.pth"


@pytest.mark.skipif(importlib.util.find_spec("TTS") is not None, reason="coqui-tts is installed here")
def test_missing_coqui_is_reported_with_the_install_command(tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EngineUnavailable, match="pip install"):
        CoquiSynthesizer(tmp_path)


@pytest.fixture(scope="module")
def vits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("TTS", reason="coqui-tts (optional 'coqui' extra) is not installed")
    return build_random_vits(tmp_path_factory.mktemp("vits"))


@pytest.fixture(scope="module")
def coqui(vits_dir: Path) -> CoquiSynthesizer:
    return CoquiSynthesizer(vits_dir, threads=1)


def test_random_vits_synthesises_telephone_audio(coqui: CoquiSynthesizer) -> None:
    import numpy as np

    assert coqui.native_rate == 16000
    audio = coqui.synthesize("Xin chào ông bà, lệ phí là 150.000 đồng.")
    assert audio.sample_rate == 8000
    assert 0.3 < audio.duration < 30  # random weights: the duration predictor is untrained
    samples = np.frombuffer(audio.pcm, "<i2")
    assert np.abs(samples).max() > 100  # random weights still give a non-silent waveform
    wide = coqui.synthesize("Xin chào.", sample_rate=16000)
    assert wide.sample_rate == 16000 and wide.duration > 0.1


def test_rate_maps_to_length_scale(coqui: CoquiSynthesizer) -> None:
    text = "Hồ sơ gồm tờ khai và bản sao giấy khai sinh."
    slow = coqui.synthesize(text, Voice(rate=100))
    fast = coqui.synthesize(text, Voice(rate=300))
    assert slow.duration > 1.8 * fast.duration
    assert coqui._synth.tts_model.length_scale == coqui._base_length_scale  # restored


def test_empty_text(coqui: CoquiSynthesizer) -> None:
    assert coqui.synthesize(" ").duration == 0


def test_factory_and_cache_use_the_model(vits_dir: Path, tmp_path: Path) -> None:
    synth = create_synthesizer("coqui", model_path=str(vits_dir))
    assert synth.name == "coqui" and synth.identity.startswith("coqui:")
    cache = AnswerAudioCache(tmp_path / "cache", synth)
    report = cache.prerender([("greeting", "Xin chào ông bà."), ("fee", "Lệ phí 30.000 đồng.")])
    assert report.rendered == 2 and report.ok
    espeak_cache = AnswerAudioCache(tmp_path / "cache", create_synthesizer("espeak"))
    assert espeak_cache.hash_for("Xin chào ông bà.") != cache.hash_for("Xin chào ông bà.")


def test_another_model_file_changes_the_identity(vits_dir: Path, tmp_path: Path) -> None:
    other = build_random_vits(tmp_path / "other", seed=1)
    assert CoquiSynthesizer(other).identity != CoquiSynthesizer(vits_dir).identity


def test_broken_model_is_reported(tmp_path: Path) -> None:
    pytest.importorskip("TTS", reason="coqui-tts (optional 'coqui' extra) is not installed")
    (tmp_path / "model.pth").write_bytes(b"not a checkpoint")
    (tmp_path / "config.json").write_text('{"model": "vits"}')
    with pytest.raises(EngineUnavailable, match="cannot load Coqui model"):
        CoquiSynthesizer(tmp_path)
    assert issubclass(SynthesisError, RuntimeError)
