"""TTS speed and answer-audio cache cost.

1. Real-time factor of espeak-ng at 8 kHz on typical answer sentences, per voice,
   split into synthesis (libespeak-ng at 22,050 Hz) and resampling (soxr to 8 kHz).
2. Pre-rendering ~500 prompts into a fresh cache: wall time with 1 and N worker
   threads, disk use, and the extrapolation to the whole national catalogue.
   Prompts are built from real procedure records of ../shared/data/dichvucong when
   present (5 prompts per procedure, as the dialog speaks them), else from templates.

Usage: .venv/bin/python bench/tts_speed.py [--prompts 500] [--workers 2]
       [--catalogue DIR] [--coqui-model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tts import VIETNAMESE_VOICES, AnswerAudioCache, Voice, create_synthesizer  # noqa: E402
from tts.audio import resample  # noqa: E402
from tts.base import Audio  # noqa: E402
from tts.espeak import EspeakSynthesizer  # noqa: E402
from tts.normalize import normalize  # noqa: E402

SENTENCES = [
    "Dạ, thủ tục đăng ký khai sinh ông bà nộp tại Ủy ban nhân dân cấp xã nơi cư trú.",
    "Lệ phí cấp căn cước công dân lần đầu là miễn phí; cấp đổi là 30.000 đồng.",
    "Thời hạn giải quyết là 3 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Hồ sơ gồm: tờ khai theo mẫu, bản sao CCCD và giấy tờ chứng minh nơi cư trú.",
    "Ông bà có thể nộp trực tuyến tại dichvucong.gov.vn hoặc nộp trực tiếp tại bộ phận một cửa.",
    "Xin chào ông bà, đây là tổng đài hỗ trợ thủ tục hành chính. Ông bà cần hỏi thủ tục gì ạ?",
    "Ông bà muốn hỏi về đăng ký kết hôn hay đăng ký khai sinh ạ?",
    "Bước 1: nộp hồ sơ. Bước 2: nhận giấy hẹn. Bước 3: nhận kết quả vào ngày 15/3/2025.",
    "Phí thẩm định là 1.500.000 đồng cho mỗi hồ sơ, nộp tại Sở TN&MT.",
    "Dạ, tôi chưa nghe rõ. Ông bà vui lòng nói lại tên thủ tục, hoặc bấm phím 0 để gặp tổng đài viên.",
]

DEFAULT_CATALOGUE = ROOT.parent / "shared" / "data" / "dichvucong"


def clean(value: object) -> str:
    text = " ".join(str(value or "").split())
    return "" if text.lower().startswith("không có thông tin") else text


def catalogue_prompts(directory: Path, limit: int) -> list[tuple[str, str]]:
    prompts: list[tuple[str, str]] = []
    for path in sorted(directory.rglob("*.json")):
        try:
            rec = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        code, name = rec.get("ma_thu_tuc") or path.stem, clean(rec.get("ten_thu_tuc"))
        if not name:
            continue
        agency = clean(rec.get("co_quan_thuc_hien")) or clean(rec.get("co_quan_co_tham_quyen"))
        place = clean(rec.get("dia_chi_tiep_nhan"))[:200] or agency or "bộ phận một cửa"
        steps = clean(rec.get("trinh_tu_thuc_hien"))[:300]
        prompts += [
            (f"{code}:confirm", f"Ông bà hỏi về thủ tục {name}, đúng không ạ?"),
            (f"{code}:summary", f"Thủ tục {name} do {agency or 'cơ quan có thẩm quyền'} giải quyết."),
            (f"{code}:place", f"Ông bà nộp hồ sơ tại {place}."),
            (
                f"{code}:fee",
                f"Lệ phí thủ tục {name} là {50_000 + len(prompts) * 1000:,} đồng.".replace(",", "."),
            ),
            (f"{code}:steps", f"Các bước thực hiện: {steps or 'nộp hồ sơ và nhận kết quả'}."),
        ]
        if len(prompts) >= limit:
            break
    return prompts[:limit]


def template_prompts(limit: int) -> list[tuple[str, str]]:
    names = ["đăng ký khai sinh", "đăng ký kết hôn", "cấp căn cước công dân", "đăng ký thường trú",
             "cấp giấy phép xây dựng", "chứng thực bản sao", "cấp phiếu lý lịch tư pháp", "đăng ký hộ kinh doanh"]  # fmt: skip
    prompts = []
    for i in range(limit):
        name = names[i % len(names)]
        prompts.append(
            (
                f"t{i}",
                f"Thủ tục {name} số {i}: lệ phí {(i % 40) * 5000} đồng, giải quyết trong {i % 15 + 1} ngày làm việc.",
            )
        )
    return prompts


def bench_rtf(synth: EspeakSynthesizer) -> None:
    lib = synth._library
    print(f"espeak-ng backend: {synth.backend}, native rate {lib.native_rate if lib else 'n/a'} Hz")
    print(f"{'voice':<18}{'audio s':>9}{'synth ms':>10}{'resample ms':>13}{'RTF':>10}{'x realtime':>12}")
    for name in VIETNAMESE_VOICES:
        voice = Voice(name)
        audio_s = synth_s = res_s = 0.0
        for _ in range(3):
            for sentence in SENTENCES:
                spoken = normalize(sentence)
                t0 = time.perf_counter()
                native = Audio(lib.synthesize(spoken, voice), lib.native_rate) if lib else None
                t1 = time.perf_counter()
                out = resample(native, 8000) if native else synth.synthesize(sentence, voice)
                t2 = time.perf_counter()
                synth_s += t1 - t0
                res_s += t2 - t1
                audio_s += out.duration
        total = synth_s + res_s
        print(
            f"{name:<18}{audio_s:>9.1f}{synth_s * 1000:>10.0f}{res_s * 1000:>13.0f}"
            f"{total / audio_s:>10.5f}{audio_s / total:>12.0f}"
        )
    # End to end through the public API (normalise + synthesise + resample), per sentence.
    times = []
    for sentence in SENTENCES:
        t0 = time.perf_counter()
        synth.synthesize(sentence)
        times.append(time.perf_counter() - t0)
    print(f"per answer sentence, end to end: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")  # fmt: skip


def timed_gets(cache: AnswerAudioCache, prompts: list[tuple[str, str]]) -> float:
    t0 = time.perf_counter()
    for key, text in prompts:
        cache.get(text, key=key)
    return (time.perf_counter() - t0) / len(prompts) * 1e6


def bench_prerender(prompts: list[tuple[str, str]], workers: list[int], records_total: int | None) -> None:
    synth = create_synthesizer("espeak")
    for n in workers:
        with tempfile.TemporaryDirectory(prefix="tts-bench-") as tmp:
            cache = AnswerAudioCache(Path(tmp), synth, workers=n)
            report = cache.prerender(prompts)
            usage = cache.usage()
            t0 = time.perf_counter()
            again = cache.prerender(prompts)
            warm = time.perf_counter() - t0
            sample = prompts[:200]
            fresh = AnswerAudioCache(Path(tmp), synth)  # empty memory: every get reads a file
            disk_us = timed_gets(fresh, sample)
            mem_us = timed_gets(fresh, sample)  # now all in memory
            print(
                f"pre-render {report.requested} prompts, {n} worker(s): {report.seconds:.2f} s wall, "
                f"{report.rendered} rendered, {len(report.failed)} failed, "
                f"{report.audio_seconds / 60:.1f} min of audio, "
                f"{usage.tts_files} files ({len(prompts) - usage.tts_files} texts shared), "
                f"{usage.bytes / 1e6:.1f} MB on disk "
                f"({usage.bytes / max(report.audio_seconds, 1e-9) / 1e3:.1f} kB per audio s)"
            )
            print(
                f"  second pass: {again.rendered} rendered, {warm * 1000:.0f} ms; "
                f"get() from disk {disk_us:.0f} µs, from memory {mem_us:.0f} µs"
            )
    if records_total:
        per_prompt = usage.bytes / max(usage.tts_files, 1)
        est = per_prompt * records_total * 5
        secs = report.seconds / max(report.requested, 1) * records_total * 5
        print(f"whole catalogue ({records_total} procedures x 5 prompts): ~{est / 1e6:.0f} MB, "
              f"~{secs:.0f} s to pre-render at {workers[-1]} worker(s)")  # fmt: skip


def bench_coqui(model: Path) -> None:
    synth = create_synthesizer("coqui", model_path=str(model))
    audio_s = total = 0.0
    for sentence in SENTENCES:
        t0 = time.perf_counter()
        audio_s += synth.synthesize(sentence).duration
        total += time.perf_counter() - t0
    print(f"coqui ({model}): {audio_s:.1f} s of audio in {total:.2f} s, RTF {total / audio_s:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=500)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    ap.add_argument("--coqui-model", type=Path)
    args = ap.parse_args()

    bench_rtf(EspeakSynthesizer(backend="library"))
    records_total = None
    if args.catalogue.is_dir():
        prompts = catalogue_prompts(args.catalogue, args.prompts)
        records_total = sum(1 for _ in args.catalogue.rglob("*.json"))
        print(f"prompts: {len(prompts)} from the catalogue at {args.catalogue}")
    else:
        prompts = template_prompts(args.prompts)
        print(f"prompts: {len(prompts)} from templates (no catalogue at {args.catalogue})")
    chars = sum(len(t) for _, t in prompts)
    print(f"prompt text: {chars} characters, {chars / len(prompts):.0f} per prompt")
    bench_prerender(prompts, sorted({1, args.workers}), records_total)
    if args.coqui_model:
        bench_coqui(args.coqui_model)


if __name__ == "__main__":
    main()
