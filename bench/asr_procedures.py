"""Procedure accuracy from audio: which procedure does a caller name?

~40 caller questions about 20 common procedures (our own phrasings), spoken by
espeak-ng (``vi``), sent through an 8 kHz G.711 μ-law round trip, recognised by
the embedded Whisper base model; the procedure is identified among short
concept phrases ("khai sinh", "hộ chiếu", ...). Methods compared:

  plain     transcript without prompt, fuzzy match against the phrases
  prompt    transcript decoded with the phrases as a prompt, fuzzy match
  rescore   (the engine's default) plain decode, splice each phrase into the
            transcript, Whisper align() score of the phrase's tokens minus its
            score on silence, plus the fuzzy similarity of the replaced window
  rescore2  the same, also splicing into the prompted decode (best of both; 2x cost)

Also yes/no answers (candidates "có", "không", ...). Prints top-1/top-3 and latency.

    .venv/bin/python bench/asr_procedures.py [--methods plain,prompt,rescore] [--limit N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr.audio import resample  # noqa: E402
from asr.base import Hints, Hypothesis  # noqa: E402
from asr.whisper import WhisperEngine  # noqa: E402
from tests.asr.speech import synthesize  # noqa: E402

# procedure -> concept phrases (what the dialog would pass as candidates)
PROCEDURES: dict[str, tuple[str, ...]] = {
    "khai_sinh": ("khai sinh",),
    "ket_hon": ("kết hôn",),
    "khai_tu": ("khai tử",),
    "thuong_tru": ("thường trú",),
    "tam_tru": ("tạm trú",),
    "ho_chieu": ("hộ chiếu",),
    "ly_lich": ("lý lịch tư pháp",),
    "ho_kinh_doanh": ("hộ kinh doanh",),
    "can_cuoc": ("căn cước",),
    "chung_thuc": ("chứng thực bản sao", "sao y"),
    "hon_nhan": ("tình trạng hôn nhân", "độc thân"),
    "xay_dung": ("giấy phép xây dựng", "xây nhà"),
    "so_do": ("sổ đỏ", "quyền sử dụng đất"),
    "lai_xe": ("bằng lái xe", "giấy phép lái xe"),
    "dang_ky_xe": ("đăng ký xe", "biển số xe"),
    "doanh_nghiep": ("thành lập doanh nghiệp", "thành lập công ty"),
    "that_nghiep": ("trợ cấp thất nghiệp",),
    "bhyt": ("bảo hiểm y tế",),
    "nhan_cha_con": ("nhận cha con", "nhận con"),
    "giam_ho": ("giám hộ",),
}

QUESTIONS: list[tuple[str, str]] = [
    ("tôi muốn hỏi thủ tục đăng ký khai sinh cho con", "khai_sinh"),
    ("làm giấy khai sinh cần những gì", "khai_sinh"),
    ("cho tôi hỏi đăng ký kết hôn ở đâu", "ket_hon"),
    ("hai đứa muốn cưới thì đăng ký kết hôn thế nào", "ket_hon"),
    ("nhà tôi có người mất, làm khai tử thế nào", "khai_tu"),
    ("thủ tục khai tử mất bao lâu", "khai_tu"),
    ("tôi muốn đăng ký thường trú", "thuong_tru"),
    ("nhập hộ khẩu thường trú cần giấy tờ gì", "thuong_tru"),
    ("đăng ký tạm trú cho người thuê nhà", "tam_tru"),
    ("tôi ở trọ thì khai báo tạm trú ở đâu", "tam_tru"),
    ("tôi muốn làm hộ chiếu", "ho_chieu"),
    ("cấp hộ chiếu phổ thông mất mấy ngày", "ho_chieu"),
    ("làm lý lịch tư pháp ở đâu", "ly_lich"),
    ("xin phiếu lý lịch tư pháp hết bao nhiêu tiền", "ly_lich"),
    ("đăng ký hộ kinh doanh cần gì", "ho_kinh_doanh"),
    ("tôi mở quán ăn thì đăng ký hộ kinh doanh thế nào", "ho_kinh_doanh"),
    ("làm căn cước công dân ở đâu", "can_cuoc"),
    ("tôi bị mất thẻ căn cước", "can_cuoc"),
    ("chứng thực bản sao giấy tờ ở đâu", "chung_thuc"),
    ("tôi cần sao y bản chính", "chung_thuc"),
    ("xin giấy xác nhận tình trạng hôn nhân", "hon_nhan"),
    ("làm giấy xác nhận độc thân thế nào", "hon_nhan"),
    ("xin giấy phép xây dựng nhà ở", "xay_dung"),
    ("tôi muốn xây nhà thì xin phép ở đâu", "xay_dung"),
    ("làm sổ đỏ mất bao lâu", "so_do"),
    ("cấp giấy chứng nhận quyền sử dụng đất", "so_do"),
    ("tôi muốn đổi bằng lái xe", "lai_xe"),
    ("giấy phép lái xe hết hạn thì làm sao", "lai_xe"),
    ("đăng ký xe máy mới mua", "dang_ky_xe"),
    ("bấm biển số xe ở đâu", "dang_ky_xe"),
    ("thủ tục thành lập doanh nghiệp", "doanh_nghiep"),
    ("tôi muốn thành lập công ty", "doanh_nghiep"),
    ("tôi bị mất việc, hưởng trợ cấp thất nghiệp thế nào", "that_nghiep"),
    ("làm hồ sơ trợ cấp thất nghiệp", "that_nghiep"),
    ("cấp thẻ bảo hiểm y tế cho con", "bhyt"),
    ("tôi mất thẻ bảo hiểm y tế", "bhyt"),
    ("thủ tục nhận cha con", "nhan_cha_con"),
    ("tôi muốn làm thủ tục nhận con", "nhan_cha_con"),
    ("đăng ký giám hộ cho cháu", "giam_ho"),
    ("làm thủ tục giám hộ ở đâu", "giam_ho"),
]

YES_NO = ("có", "không", "đúng rồi", "không phải")
ANSWERS: list[tuple[str, str]] = [
    ("có", "có"), ("có ạ", "có"), ("vâng có", "có"), ("không", "không"), ("không ạ", "không"),
    ("dạ không", "không"), ("đúng rồi", "đúng rồi"), ("đúng rồi ạ", "đúng rồi"),
    ("không phải", "không phải"), ("không phải đâu", "không phải"),
]


def phone_line(pcm16k: bytes) -> bytes:
    """16 kHz PCM → 8 kHz → G.711 μ-law → back: what the recogniser gets from a call."""
    pcm8 = resample(pcm16k, 16000, 8000)
    try:
        from sip_gateway.codecs.g711 import ulaw_decode, ulaw_encode
    except ImportError:  # the gateway's codec is optional for this bench
        import numpy as np

        x = np.frombuffer(pcm8, "<i2").astype(np.float64) / 32768
        y = np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255)
        q = np.round(y * 127) / 127
        z = np.sign(q) * np.expm1(np.abs(q) * np.log1p(255)) / 255
        return (z * 32767).astype("<i2").tobytes()
    return ulaw_decode(ulaw_encode(pcm8))


def procedure_ranking(alternatives: list[Hypothesis]) -> list[str]:
    """Procedures ordered by their best phrase (a phrase may belong to one procedure)."""
    owner = {p: proc for proc, phrases in PROCEDURES.items() for p in phrases}
    order: list[str] = []
    for h in alternatives:
        proc = owner.get(h.text)
        if proc and proc not in order:
            order.append(proc)
    return order


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", default="plain,prompt,rescore,rescore2")
    ap.add_argument("--limit", type=int, default=len(QUESTIONS))
    ap.add_argument("--voice", default="vi")
    ap.add_argument("--model", default=None, help="CTranslate2 Whisper directory (default: embedded base)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    methods = args.methods.split(",")
    phrases = tuple(p for ps in PROCEDURES.values() for p in ps)
    questions = QUESTIONS[: args.limit]
    audio = [(phone_line(synthesize(q, args.voice, 16000)), want, q) for q, want in questions]
    answers = [(phone_line(synthesize(a, args.voice, 16000)), want, a) for a, want in ANSWERS]
    print(f"{len(questions)} questions over {len(PROCEDURES)} procedures ({len(phrases)} phrases), "
          f"{len(answers)} yes/no answers; espeak-ng '{args.voice}', 8 kHz G.711 u-law round trip")
    print(f"{'method':10} {'top-1':>7} {'top-3':>7} {'yes/no':>7} {'latency p50':>12} {'p90':>6}")
    options = {
        "plain": dict(prompt=False, rescore=False),
        "prompt": dict(prompt=True, rescore=False),
        "rescore": dict(),
        "rescore2": dict(rescore_prompted=True),
    }
    for method in methods:
        engine = WhisperEngine(args.model, sample_rate=8000, **options[method])
        top1 = top3 = yn = 0
        lat: list[float] = []
        for pcm, want, q in audio:
            r = engine.transcribe(pcm, 8000, Hints(candidates=phrases))
            lat.append(r.latency_s)
            ranking = procedure_ranking(r.alternatives)
            top1 += ranking[:1] == [want]
            top3 += want in ranking[:3]
            if args.verbose:
                print(f"  {want:14} {'OK ' if ranking[:1] == [want] else '-- '} {q!r} -> {r.text!r} {ranking[:3]}")
        for pcm, want, a in answers:
            r = engine.transcribe(pcm, 8000, Hints(candidates=YES_NO, expect="yes_no"))
            best = r.alternatives[0].text if r.alternatives else ""
            yn += best == want
            if args.verbose:
                print(f"  yes/no {want!r:14} {a!r} -> {r.text!r} {best!r}")
        n = len(audio)
        p50 = statistics.median(lat) if lat else 0.0
        p90 = sorted(lat)[int(0.9 * (n - 1))] if lat else 0.0
        print(f"{method:10} {top1:>3}/{n:<3} {top3:>3}/{n:<3} {yn:>3}/{len(answers):<3} {p50:>10.2f} s {p90:>5.2f}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
