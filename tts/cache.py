"""The answer-audio cache: telephone-ready audio on disk so that a call plays stored
audio and never synthesises on its hot path.

Layout of ``directory`` (all audio is WAV, 8 kHz mono 16-bit by default, so staff and
tools can play any file directly):

- ``tts/<h[:2]>/<h>.wav``: TTS renders, ``h = sha256(engine identity, voice, rate,
  normalised text)``; the same sentence in two prompts is stored once, and an edited
  text gets a new hash (the old file is dropped by :meth:`invalidate` or :meth:`prune`).
- ``recordings/<sha256(key)>.wav``: staff recordings; they take precedence over TTS.
- ``index.json``: which hash each prompt key last rendered to, and the recorded keys.

Files are written to a temporary name and renamed, so a reader never sees half a file.
Within one process every method is thread-safe; several processes may share a
directory (files stay whole; the last writer of ``index.json`` wins, which only loses
key->hash bookkeeping that :meth:`prerender` rebuilds).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tts.audio import peak_dbfs, read_wav, write_wav
from tts.base import TELEPHONE_RATE, Audio, Synthesizer, Voice
from tts.normalize import normalize
from tts.wav import WavFormatError

log = logging.getLogger(__name__)

INDEX_VERSION = 1
MAX_KEY_LENGTH = 300
MAX_RECORDING_BYTES = 200 * 1024 * 1024
MIN_RECORDING_SECONDS = 0.2
MAX_RECORDING_SECONDS = 600.0
SILENCE_DBFS = -45.0  # a recording whose peak stays below this is empty or broken
_LOCK_STRIPES = 64

Stamp = tuple[int, int]  # (inode, mtime ns)


class RecordingError(ValueError):
    """An uploaded recording was refused; the message says why, for the staff user."""


@dataclass(frozen=True, slots=True)
class CacheUsage:
    tts_files: int
    tts_bytes: int
    recording_files: int
    recording_bytes: int

    @property
    def files(self) -> int:
        return self.tts_files + self.recording_files

    @property
    def bytes(self) -> int:
        return self.tts_bytes + self.recording_bytes


@dataclass(slots=True)
class PrerenderReport:
    requested: int = 0
    rendered: int = 0  # synthesised now
    cached: int = 0  # already on disk
    recorded: int = 0  # a staff recording stands in for TTS
    failed: dict[str, str] = field(default_factory=dict)  # key -> reason
    hashes: dict[str, str] = field(default_factory=dict)  # key -> content hash (for prune)
    seconds: float = 0.0  # wall time
    audio_seconds: float = 0.0  # duration of the audio rendered now
    bytes_written: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


class AnswerAudioCache:
    def __init__(
        self,
        directory: Path,
        synthesizer: Synthesizer,
        voice: Voice | None = None,
        *,
        sample_rate: int = TELEPHONE_RATE,
        memory_bytes: int = 32 * 1024 * 1024,
        workers: int | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.synthesizer = synthesizer
        self.voice = voice or getattr(synthesizer, "default_voice", None) or Voice()
        self.sample_rate = sample_rate
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._tts_dir = self.directory / "tts"
        self._rec_dir = self.directory / "recordings"
        self._tts_dir.mkdir(parents=True, exist_ok=True)
        self._rec_dir.mkdir(parents=True, exist_ok=True)
        self._index_path = self.directory / "index.json"
        self._lock = threading.RLock()  # index and memory cache
        self._stripes = [threading.Lock() for _ in range(_LOCK_STRIPES)]  # per-hash renders
        # path -> (recording file stamp, None for immutable TTS files; audio), in LRU order
        self._memory: OrderedDict[Path, tuple[Stamp | None, Audio]] = OrderedDict()
        self._memory_bytes = 0
        self._memory_limit = memory_bytes
        self._keys, self._recordings = self._load_index()
        # The engine's identity (e.g. a model's checksum) when it has one, else its name.
        self._engine_id = str(getattr(synthesizer, "identity", None) or synthesizer.name)
        # Normalising costs ~0.5 ms per prompt; calls ask for the same prompts all day.
        self._digest = functools.lru_cache(maxsize=16384)(self._compute_digest)

    # ------------------------------------------------------------ keys and paths

    def hash_for(self, text: str) -> str:
        """Content hash of the audio ``text`` renders to with this engine and voice."""
        return self._digest(text)

    def _compute_digest(self, text: str) -> str:
        blob = "\n".join((self._engine_id, self.voice.key, str(self.sample_rate), normalize(text)))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _tts_path(self, digest: str) -> Path:
        return self._tts_dir / digest[:2] / f"{digest}.wav"

    def _recording_path(self, key: str) -> Path:
        return self._rec_dir / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.wav"

    @staticmethod
    def _check_key(key: str) -> str:
        if not isinstance(key, str) or not key.strip():
            raise ValueError("prompt key must be a non-empty string")
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"prompt key longer than {MAX_KEY_LENGTH} characters")
        return key

    # ------------------------------------------------------------ reading

    def get(self, text: str, *, key: str | None = None) -> Audio:
        """The staff recording for ``key`` if there is one, else the cached TTS render of
        ``text``, else render it now and store it."""
        if key is not None:
            self._check_key(key)
            recorded = self._read_recording(self._recording_path(key))
            if recorded is not None:
                return recorded
        digest = self.hash_for(text)
        audio = self._read(self._tts_path(digest))
        if audio is None:
            audio, _ = self._render(text, digest)
        if key is not None:
            self._remember(key, digest)
            self.flush()
        return audio

    def peek(self, text: str, *, key: str | None = None) -> Audio | None:
        """The audio if it is in memory (plus one stat() of the recording file, which another
        process may have replaced): cheap enough to call on the event loop."""
        if key is not None:
            rec_path = self._recording_path(self._check_key(key))
            stamp = _stamp(rec_path)
            if stamp is not None:
                return self._from_memory(rec_path, stamp)
        return self._from_memory(self._tts_path(self.hash_for(text)))

    async def aget(self, text: str, *, key: str | None = None) -> Audio:
        """:meth:`get` for async callers: memory hits return at once, disk reads and
        renders run in a worker thread so the event loop never waits on them."""
        audio = self.peek(text, key=key)
        if audio is not None:
            return audio
        return await asyncio.to_thread(self.get, text, key=key)

    def recording(self, key: str) -> Audio | None:
        return self._read_recording(self._recording_path(self._check_key(key)))

    def has_recording(self, key: str) -> bool:
        return self._recording_path(self._check_key(key)).is_file()

    def recording_keys(self) -> list[str]:
        with self._lock:
            return sorted(k for k in self._recordings if self._recording_path(k).is_file())

    def _from_memory(self, path: Path, stamp: Stamp | None = None) -> Audio | None:
        with self._lock:
            entry = self._memory.get(path)
            if entry is None or entry[0] != stamp:
                return None
            self._memory.move_to_end(path)
            return entry[1]

    def _read_recording(self, path: Path) -> Audio | None:
        # Recordings change in place (staff upload a new take, maybe through another
        # process): the file's stamp tells whether the copy in memory is still current.
        stamp = _stamp(path)
        if stamp is None:
            self._forget(path)
            return None
        return self._read(path, stamp)

    def _read(self, path: Path, stamp: Stamp | None = None) -> Audio | None:
        audio = self._from_memory(path, stamp)
        if audio is not None:
            return audio
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            audio = read_wav(data, self.sample_rate)
        except WavFormatError as exc:
            # A damaged TTS file is re-rendered. A damaged recording is left for staff to
            # replace (it was validated on upload, so the disk is at fault) and TTS speaks.
            if path.is_relative_to(self._tts_dir):
                log.warning("damaged cached audio %s (%s); rendering again", path, exc)
                path.unlink(missing_ok=True)
            else:
                log.error("damaged recording %s (%s); falling back to TTS", path, exc)
            return None
        self._memorise(path, audio, stamp)
        return audio

    def _memorise(self, path: Path, audio: Audio, stamp: Stamp | None = None) -> None:
        with self._lock:
            self._forget(path)
            if len(audio.pcm) > self._memory_limit:
                return
            self._memory[path] = (stamp, audio)
            self._memory_bytes += len(audio.pcm)
            while self._memory_bytes > self._memory_limit:
                _, (_, dropped) = self._memory.popitem(last=False)
                self._memory_bytes -= len(dropped.pcm)

    def _forget(self, path: Path) -> None:
        with self._lock:
            old = self._memory.pop(path, None)
            if old is not None:
                self._memory_bytes -= len(old[1].pcm)

    # ------------------------------------------------------------ rendering

    def _render(self, text: str, digest: str) -> tuple[Audio, int]:
        """Synthesise and store; (audio, bytes written, 0 when another thread did it)."""
        path = self._tts_path(digest)
        with self._stripes[int(digest[:4], 16) % _LOCK_STRIPES]:
            existing = self._read(path)
            if existing is not None:
                return existing, 0
            audio = self.synthesizer.synthesize(normalize(text), self.voice, sample_rate=self.sample_rate)
            data = write_wav(audio)
            _atomic_write(path, data, durable=False)
            self._memorise(path, audio)
            return audio, len(data)

    def prerender(self, items: Iterable[tuple[str, str]], *, workers: int | None = None) -> PrerenderReport:
        """Render the (key, text) prompts that are missing, in a thread pool. One failing
        prompt is reported in ``failed`` and does not stop the others."""
        start = time.perf_counter()
        report = PrerenderReport()
        jobs: dict[str, str] = {}
        for key, text in items:
            try:
                jobs[self._check_key(key)] = text
            except ValueError as exc:
                report.failed[str(key)] = str(exc)
        report.requested = len(jobs) + len(report.failed)
        results_lock = threading.Lock()

        def one(key: str, text: str) -> None:
            try:
                digest = self.hash_for(text)
                if self._recording_path(key).is_file():
                    outcome, seconds, written = "recorded", 0.0, 0
                elif self._tts_path(digest).is_file():
                    outcome, seconds, written = "cached", 0.0, 0
                else:
                    audio, written = self._render(text, digest)
                    outcome, seconds = ("rendered", audio.duration) if written else ("cached", 0.0)
                self._remember(key, digest)
            except Exception as exc:  # report per prompt; a batch must not die on one text
                log.warning("pre-rendering %s failed: %s", key, exc)
                with results_lock:
                    report.failed[key] = f"{type(exc).__name__}: {exc}"
                return
            with results_lock:
                report.hashes[key] = digest
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.audio_seconds += seconds
                report.bytes_written += written

        with ThreadPoolExecutor(max_workers=workers or self.workers, thread_name_prefix="prerender") as pool:
            for fut in [pool.submit(one, k, t) for k, t in jobs.items()]:
                fut.result()
        self.flush()
        report.seconds = time.perf_counter() - start
        return report

    # ------------------------------------------------------------ recordings

    def set_recording(self, key: str, wav: bytes) -> None:
        """Store a staff recording (any WAV: PCM 8-32 bit, float, A-law/µ-law, any rate,
        mono or stereo) as 8 kHz mono PCM16. Raises :class:`RecordingError` for a file
        that is not usable; the previous recording, if any, is then kept."""
        self._check_key(key)
        if not wav:
            raise RecordingError("the uploaded file is empty")
        if len(wav) > MAX_RECORDING_BYTES:
            raise RecordingError(f"the recording is larger than {MAX_RECORDING_BYTES // (1024 * 1024)} MB")
        try:
            audio = read_wav(wav, self.sample_rate)
        except WavFormatError as exc:
            raise RecordingError(f"not a usable WAV file: {exc}") from exc
        if audio.duration < MIN_RECORDING_SECONDS:
            raise RecordingError(f"the recording is too short ({audio.duration:.2f} s)")
        if audio.duration > MAX_RECORDING_SECONDS:
            raise RecordingError(f"the recording is longer than {MAX_RECORDING_SECONDS:.0f} s")
        if peak_dbfs(audio) < SILENCE_DBFS:
            raise RecordingError("the recording is silent")
        path = self._recording_path(key)
        _atomic_write(path, write_wav(audio), durable=True)  # staff work: survive a crash
        self._memorise(path, audio, _stamp(path))
        with self._lock:
            self._recordings[key] = path.name
            self._dirty = True
        self.flush()

    def remove_recording(self, key: str) -> bool:
        """Delete the recording for ``key`` (TTS speaks it again). False if there was none."""
        path = self._recording_path(self._check_key(key))
        self._forget(path)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        with self._lock:
            if self._recordings.pop(key, None) is not None:
                self._dirty = True
        self.flush()
        return existed

    # ------------------------------------------------------------ housekeeping

    def invalidate(self, keys: Iterable[str]) -> int:
        """Forget the TTS renders last made for ``keys`` (an edited procedure's prompts);
        files still used by another key stay. Recordings are kept. Returns files removed."""
        removed = 0
        with self._lock:
            digests = {self._keys.pop(k) for k in keys if k in self._keys}
            if digests:
                self._dirty = True
            still_used = set(self._keys.values())
            for digest in digests - still_used:
                path = self._tts_path(digest)
                self._forget(path)
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
        self.flush()
        return removed

    def prune(self, keep_hashes: Iterable[str]) -> int:
        """Delete every TTS render whose hash is not in ``keep_hashes`` (for instance the
        ``hashes`` of a full :meth:`prerender` of the catalogue). Returns files removed."""
        keep = set(keep_hashes)
        removed = 0
        with self._lock:
            for path in self._tts_dir.glob("*/*.wav"):
                if path.stem not in keep:
                    self._forget(path)
                    path.unlink(missing_ok=True)
                    removed += 1
            stale = [k for k, d in self._keys.items() if d not in keep]
            for k in stale:
                del self._keys[k]
            self._dirty = self._dirty or bool(stale)
            for tmp in self.directory.rglob("*.tmp"):  # left by a crash mid-write
                if time.time() - tmp.stat().st_mtime > 3600:
                    tmp.unlink(missing_ok=True)
        self.flush()
        return removed

    def usage(self) -> CacheUsage:
        tts = [p.stat().st_size for p in self._tts_dir.glob("*/*.wav")]
        rec = [p.stat().st_size for p in self._rec_dir.glob("*.wav")]
        return CacheUsage(len(tts), sum(tts), len(rec), sum(rec))

    # ------------------------------------------------------------ index

    def _remember(self, key: str, digest: str) -> None:
        with self._lock:
            if self._keys.get(key) != digest:
                self._keys[key] = digest
                self._dirty = True

    def _load_index(self) -> tuple[dict[str, str], dict[str, str]]:
        self._dirty = False
        try:
            data = json.loads(self._index_path.read_text("utf-8"))
            if data.get("version") != INDEX_VERSION:
                raise ValueError(f"index version {data.get('version')}")
            return dict(data.get("keys", {})), dict(data.get("recordings", {}))
        except FileNotFoundError:
            return {}, {}
        except (ValueError, AttributeError, TypeError) as exc:
            # Only bookkeeping is lost: audio files stay, prerender rebuilds the map.
            log.warning("ignoring unreadable cache index %s: %s", self._index_path, exc)
            return {}, {}

    def flush(self) -> None:
        """Write ``index.json`` if it changed."""
        with self._lock:
            if not self._dirty:
                return
            blob = json.dumps(
                {"version": INDEX_VERSION, "keys": self._keys, "recordings": self._recordings},
                ensure_ascii=False, sort_keys=True,
            )  # fmt: skip
            _atomic_write(self._index_path, blob.encode("utf-8"), durable=False)
            self._dirty = False


def _stamp(path: Path) -> Stamp | None:
    """Identity of a file's current content: every write is a rename, so a new inode."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def _atomic_write(path: Path, data: bytes, *, durable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
