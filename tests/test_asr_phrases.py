"""The recogniser's bias phrases are a fixed list: curating the catalogue does not move them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.brain import Brain, load_phrases
from hotline.config import Settings
from hotline.server import bias_phrases
from hotline.services import build_services


def test_bundled_list_is_short_caller_phrases():
    phrases = load_phrases()
    assert 40 <= len(phrases) <= 200
    assert "làm hộ chiếu" in phrases and "đăng ký kết hôn" in phrases
    assert all(not p.startswith("#") and p == p.strip() and len(p.split()) <= 6 for p in phrases)


def test_a_file_of_ones_own(tmp_path: Path):
    path = tmp_path / "phrases.txt"
    path.write_text("# comment\n\nlàm sổ đỏ\n  đổi bằng lái  # trailing comment\nlàm sổ đỏ\n", encoding="utf-8")
    assert load_phrases(path) == ("làm sổ đỏ", "đổi bằng lái")
    assert Settings.from_env({"HOTLINE_ASR_PHRASES": str(path)}).asr_phrases == str(path)


def test_unreadable_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        load_phrases(tmp_path / "nowhere.txt")
    with pytest.raises(SystemExit, match="HOTLINE_ASR_PHRASES: cannot read .*nowhere.txt"):
        bias_phrases(Settings(data_dir=tmp_path, asr_phrases=str(tmp_path / "nowhere.txt")))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("làm sổ đỏ\n".encode("cp1258", errors="replace") + b"\xff\xfe")
    with pytest.raises(SystemExit, match="HOTLINE_ASR_PHRASES"):
        bias_phrases(Settings(data_dir=tmp_path, asr_phrases=str(latin1)))


def test_curating_an_alias_leaves_the_phrases_alone(tmp_path: Path):
    services = build_services(Settings(data_dir=tmp_path))
    try:
        brain = Brain(services.store, check_every=0.0)
        before = brain.snapshot()
        record = services.store.all_records(status="published")[0]
        services.store.add_alias(record.code, "một cách nói mới của người gọi", actor="test")
        brain.invalidate()
        after = brain.snapshot()
    finally:
        services.close()
    assert after is not before  # the catalogue moved: a new snapshot was built
    assert after.vocabulary == before.vocabulary == load_phrases()
