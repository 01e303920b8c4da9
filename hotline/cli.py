"""The `hotline` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from .config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _services(settings: Settings, *, seed: bool | None = None):
    from .services import build_services

    return build_services(settings, seed=seed)


# ---- kb ------------------------------------------------------------------
def cmd_kb_import(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.importer import import_path

    # An empty database gets the seed first, so its curated aliases and summaries survive the import.
    svc = _services(settings)
    try:
        report = import_path(svc.store, Path(args.path), draft=args.draft, actor="cli-import")
    except FileNotFoundError as exc:
        print(f"hotline kb import: {exc}", file=sys.stderr)
        return 1
    finally:
        svc.close()
    if args.json:
        _print_json(report.to_dict())
    else:
        print(
            f"{report.files} files in {report.seconds:.2f} s: {report.imported} imported, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.flagged} flagged for review, {len(report.skipped)} skipped "
            f"(status of new records: {report.status})"
        )
        for s in report.skipped[:50]:
            print(f"  skipped {s.file}: {s.reason}")
        if len(report.skipped) > 50:
            print(f"  ... and {len(report.skipped) - 50} more (use --json)")
    return 0


def cmd_kb_stats(args: argparse.Namespace, settings: Settings) -> int:
    svc = _services(settings)
    try:
        stats = svc.store.stats()
    finally:
        svc.close()
    if args.json:
        _print_json(stats)
    else:
        print(f"procedures: {stats['procedures']} ({stats['flagged']} flagged for review)")
        for key in ("by_status", "by_level", "by_field"):
            print(f"{key[3:]}:")
            for name, n in list(stats[key].items())[:25]:
                print(f"  {n:6d}  {name}")
    return 0


def cmd_kb_show(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.store import ProcedureNotFound

    svc = _services(settings)
    try:
        rec = svc.store.get(args.code)
    except ProcedureNotFound as exc:
        print(f"hotline kb show: {exc}", file=sys.stderr)
        return 1
    finally:
        svc.close()
    if args.json:
        _print_json(rec.to_dict())
        return 0
    print(f"{rec.code}  {rec.name}  [{', '.join(rec.levels)}] {rec.field}  ({rec.status}, v{rec.version})")
    for c in rec.channels:
        print(f"  {c.channel:7s} time={c.time_text!r} days={c.days} {c.day_kind or ''}  fee={c.fee_vnd} ({c.fee_text[:60]!r})")
    if rec.spoken_summary:
        print(f"  summary: {rec.spoken_summary}")
    if rec.aliases:
        print(f"  aliases: {', '.join(rec.aliases)}")
    if rec.flags:
        print(f"  flags: {', '.join(rec.flags)}")
    return 0


def cmd_kb_seed(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.seed import load_seed

    svc = _services(settings, seed=False)
    try:
        counts = svc.store.upsert_imported(load_seed(), status="published", actor="seed")
    finally:
        svc.close()
    print(f"seed: {len(counts.imported)} imported, {len(counts.updated)} updated, {len(counts.unchanged)} unchanged")
    return 0


# ---- accounts ------------------------------------------------------------
def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from .accounts import AccountError

    svc = _services(settings, seed=False)
    try:
        token = svc.accounts.create_token(args.name, args.role, username=args.user)
    except AccountError as exc:
        print(f"hotline token create: {exc}", file=sys.stderr)
        return 1
    finally:
        svc.close()
    print(token)
    return 0


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from .accounts import AccountError

    password = args.password or getpass.getpass("password: ")
    svc = _services(settings, seed=False)
    try:
        svc.accounts.create_user(args.username, password, args.role)
    except AccountError as exc:
        print(f"hotline user add: {exc}", file=sys.stderr)
        return 1
    finally:
        svc.close()
    print(f"user {args.username} ({args.role}) created")
    return 0


# ---- text channel --------------------------------------------------------
def _brain(settings: Settings):
    from .brain import Brain

    svc = _services(settings)
    return svc, Brain(svc.store)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .textchannel import ask

    svc, brain = _brain(settings)
    try:
        result = ask(brain.snapshot(), args.text, operator_available=bool(settings.operator_uri))
    finally:
        svc.close()
    if args.json:
        _print_json(result)
    else:
        print(f"[{result['action']}] {result['reply']}")
        for c in result["candidates"][:3]:
            print(f"  {c['score']:.2f}  {c['code']}  {c['name']}")
    return 0


_DIGITS = frozenset("0123456789*#")


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """A conversation in the terminal; a line of only keypad characters is sent as digits,
    an empty line as silence. With --script, lines come from a file (or - for stdin)."""
    svc, brain = _brain(settings)
    try:
        manager = brain.snapshot().conversation(operator_available=bool(settings.operator_uri))
        turn = manager.start()
        print(f"hotline: {turn.reply}")
        lines = _script_lines(args.script) if args.script else None
        while not manager.finished:
            if lines is not None:
                line = next(lines, None)
                if line is None:
                    break
                print(f"caller: {line}")
            else:
                try:
                    line = input("caller: ")
                except EOFError:
                    break
            line = line.strip()
            if line and set(line) <= _DIGITS:
                turn = manager.handle(None, digits=line)
            else:
                turn = manager.handle(line or None)
            print(f"hotline: {turn.reply}")
            if args.events:
                _print_json(turn.event.to_dict())
            if turn.action == "transfer":
                print("hotline: [chuyển cuộc gọi tới nhân viên]")
                break
    finally:
        svc.close()
    return 0


def _script_lines(path: str):
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    with stream:
        yield from (ln.rstrip("\n") for ln in stream)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Matcher accuracy on labelled phrasings, against the catalogue in the database
    (cases naming procedures absent from it are counted as skipped)."""
    from dialog.evaluation import DEFAULT_CASES, evaluate, load_cases, select

    from .brain import Brain

    svc = _services(settings)
    try:
        if args.path:
            from knowledge.importer import import_path

            import_path(svc.store, Path(args.path), actor="eval")
        snap = Brain(svc.store).snapshot()
    finally:
        svc.close()
    try:
        cases = select(load_cases(Path(args.cases) if args.cases else DEFAULT_CASES), args.split)
    except (OSError, ValueError) as exc:
        print(f"hotline eval: {exc}", file=sys.stderr)
        return 1
    report = evaluate(snap.matcher, cases)
    if args.json:
        _print_json({"records": len(snap.catalogue), **report.summary()})
    else:
        print(f"catalogue     {len(snap.catalogue)} published records")
        print(report.format(misses=args.misses))
    return 0


# ---- speech --------------------------------------------------------------
def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from tts.audio import write_wav
    from tts.base import Voice

    from .voice import configured_synthesizer

    try:
        synth = configured_synthesizer(settings, args.engine)
        voice = Voice(name=args.voice or settings.tts_voice, rate=args.rate, pitch=args.pitch)
        audio = synth.synthesize(args.text, voice, sample_rate=args.sample_rate)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"hotline say: {exc}", file=sys.stderr)
        return 1
    Path(args.output).write_bytes(write_wav(audio))
    print(f"{args.output}: {audio.duration:.2f} s at {audio.sample_rate} Hz")
    return 0


# ---- test caller ---------------------------------------------------------
class _StepAction(argparse.Action):
    """--say and --digits keep their order on the command line."""

    def __call__(self, parser, namespace, values, option_string=None):
        from .caller import Step

        steps = getattr(namespace, "steps", None) or []
        steps.append(Step("say" if option_string == "--say" else "digits", values))
        namespace.steps = steps


def cmd_call(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .caller import place_call

    target = args.target or f"sip:hotline@127.0.0.1:{settings.sip_port}"
    if not target.startswith("sip:"):
        print("hotline call: --target must be a sip: URI, e.g. sip:127.0.0.1:5060", file=sys.stderr)
        return 2
    steps = getattr(args, "steps", None) or []
    result = asyncio.run(place_call(target, steps, local_host=args.local_host))
    if args.record and result.received_audio:
        from tts.audio import write_wav
        from tts.base import Audio

        Path(args.record).write_bytes(write_wav(Audio(result.received_audio, 8000)))
    events = _call_events(args, settings, result.call_id) if result.connected and not args.no_events else []
    if args.json:
        _print_json({**result.to_dict(), "events": events})
        return 0 if result.connected else 1
    if not result.connected:
        print(f"call failed: {result.failure}", file=sys.stderr)
        return 1
    for ev in events:
        if ev.get("type") == "turn":
            if ev.get("heard") or ev.get("digits"):
                print(f"caller:  {ev.get('heard') or '[phím ' + ev.get('digits', '') + ']'}")
            print(f"hotline: {ev.get('reply', '')}  [{ev.get('decision')}"
                  f"{' ' + ev['procedure_code'] if ev.get('procedure_code') else ''}]")
        elif ev.get("type") == "ended":
            print(f"(call ended: {ev.get('cause')}, {ev.get('outcome')})")
    if not events:
        print(f"connected in {result.setup_s:.3f} s, heard {len(result.prompts)} prompts "
              f"({len(result.received_audio) / 16000:.1f} s of audio)")
    if args.record:
        print(f"recorded what the caller heard to {args.record}")
    return 0


def _call_events(args: argparse.Namespace, settings: Settings, call_id: str) -> list[dict]:
    """The call's event stream from the hotline's HTTP API (history, since the call is over)."""
    import httpx

    url = (args.http or f"http://127.0.0.1:{settings.http_port}") + f"/api/v1/calls/{call_id}/events"
    token = args.token or settings.admin_token
    revoke = None
    if not token and not args.http:
        # A local server shares our database: a short-lived viewer token, removed afterwards.
        svc = _services(settings, seed=False)
        try:
            from datetime import timedelta

            name = f"hotline-call-{call_id[:12]}"
            token = svc.accounts.create_token(name, "viewer", ttl=timedelta(minutes=10))
            revoke = (svc, name)
        except Exception:
            svc.close()
            raise
    events: list[dict] = []
    try:
        with httpx.stream("GET", url, params={"wait": 5}, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as resp:
            if resp.status_code != 200:
                print(f"(no event stream: HTTP {resp.status_code})", file=sys.stderr)
                return []
            for line in resp.iter_lines():
                if line.startswith("data: ") and line != "data: {}":
                    events.append(json.loads(line[6:]))
    except httpx.HTTPError as exc:
        print(f"(no event stream from {url}: {exc})", file=sys.stderr)
    finally:
        if revoke:
            revoke[0].accounts.revoke_token(revoke[1])
            revoke[0].close()
    return events


# ---- load tester ---------------------------------------------------------
def cmd_loadtest(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .loadtest.pool import build_pool, keypad_scripts, mix, seed_menu_paths
    from .loadtest.report import progress_line, summarize, terminal_summary, to_json, write_reports
    from .loadtest.runner import LOOPBACK, LoadConfig, run_load, target_port

    host, _ = target_port(args.target) if args.target.startswith("sip:") else ("", 0)
    http, token = args.http, args.token
    if http is None and host in LOOPBACK and not args.no_records:
        http = f"http://127.0.0.1:{settings.http_port}"
    if http and not token:
        token = settings.admin_token or None
    slowest = args.hold if args.hold else 120.0
    try:
        config = LoadConfig(
            target=args.target, calls=args.calls, rate=args.rate, hold_s=args.hold,
            time_limit_s=args.time_limit or args.calls / args.rate + slowest + 60, local_host=args.local_host,
            http=http, token=token, record=bool(args.record), server_pid=args.server_pid,
            record_wait_s=args.record_wait)
    except ValueError as exc:
        print(f"hotline loadtest: {exc}", file=sys.stderr)
        return 2
    if args.record and not args.report:
        print("hotline loadtest: --record needs --report DIR", file=sys.stderr)
        return 2
    if not 0.0 <= args.speech_share <= 1.0:
        print("hotline loadtest: --speech-share must be between 0 and 1", file=sys.stderr)
        return 2
    keypad = keypad_scripts(seed_menu_paths(limit=4))
    speech = []
    if args.speech_share > 0:
        print("synthesising the caller audio pool ...", file=sys.stderr)
        try:
            speech = [s for s in build_pool().scripts() if s.speech_steps]
        except (RuntimeError, OSError) as exc:
            print(f"hotline loadtest: {exc}", file=sys.stderr)
            return 1
    scripts = mix(speech, keypad, config.calls, args.speech_share)
    live = sys.stderr.isatty() and not args.quiet

    def progress(outcomes, sample) -> None:
        if live:
            sys.stderr.write(progress_line(outcomes, sample, config.calls))
            sys.stderr.flush()

    try:
        result = asyncio.run(run_load(config, scripts, on_progress=progress))
    except KeyboardInterrupt:
        print("\nhotline loadtest: interrupted", file=sys.stderr)
        return 130
    if live:
        sys.stderr.write("\n")
    summary = summarize(result)
    if args.report:
        paths = write_reports(result, Path(args.report))
        if args.record:
            from tts.audio import write_wav
            from tts.base import Audio

            calls_dir = Path(args.report) / "calls"
            calls_dir.mkdir(exist_ok=True)
            for c in result.calls:
                if c.result.received_audio:
                    (calls_dir / f"{c.index:05d}.wav").write_bytes(write_wav(Audio(c.result.received_audio, 8000)))
    if args.json:
        _print_json(to_json(result))
    else:
        print(terminal_summary(summary))
        if args.report:
            print(f"  reports    {paths['json']}  {paths['html']}")
    failed = summary["calls"]["failed"] or summary["correctness"]["wrong"]
    return 1 if failed else 0


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from asr.audio import read_audio
    from asr.base import AsrError, Hints, create_engine

    engine_name = args.engine or settings.asr_engine
    try:
        engine = create_engine(engine_name, args.model or settings.asr_model_path or None)
        pcm = read_audio(args.file, sample_rate=engine.sample_rate)
        started = time.perf_counter()
        hints = Hints(candidates=tuple(args.candidate or ()), expect=args.expect)
        result = engine.transcribe(pcm, engine.sample_rate, hints)
    except (AsrError, OSError, ValueError) as exc:
        print(f"hotline transcribe: {exc}", file=sys.stderr)
        return 1
    out = {
        "file": args.file, "engine": engine_name, "text": result.text, "confidence": round(result.confidence, 4),
        "alternatives": [{"text": a.text, "confidence": round(a.confidence, 4)} for a in result.alternatives],
        "audio_s": round(len(pcm) / 2 / engine.sample_rate, 3), "seconds": round(time.perf_counter() - started, 3),
    }
    if args.json:
        _print_json(out)
    else:
        print(out["text"])
    return 0


def cmd_models_install(args: argparse.Namespace, settings: Settings) -> int:
    from asr.base import AsrError
    from asr.models import install_vosk_vi

    dest = Path(args.dest) if args.dest else settings.data_dir / "models"
    try:
        path = install_vosk_vi(dest, size=args.size)
    except AsrError as exc:
        print(f"hotline models install: {exc}", file=sys.stderr)
        return 1
    print(f"installed {path}\nuse it with: HOTLINE_ASR_ENGINE=vosk HOTLINE_ASR_MODEL_PATH={path}")
    return 0


# ---- server --------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.workers > 1:
        from .workers import serve_workers

        return serve_workers(settings)
    from .server import serve

    return serve(settings)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="AI voice hotline for administrative procedures")
    p.add_argument("--database-url", help="overrides HOTLINE_DATABASE_URL")
    p.add_argument("--data-dir", help="overrides HOTLINE_DATA_DIR")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the hotline (HTTP API; SIP when enabled)")
    serve.add_argument("--http-port", type=int)
    serve.add_argument("--sip-port", type=int)
    serve.add_argument("--host", help="listen address (HTTP and SIP)")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="run N gateway processes behind Kamailio on the SIP port (overrides HOTLINE_WORKERS)")
    serve.set_defaults(func=cmd_serve)

    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    imp = kb.add_parser("import", help="import national-portal JSON (a file or a directory tree)")
    imp.add_argument("path")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument("--draft", action="store_true", help="new records stay unpublished")
    imp.set_defaults(func=cmd_kb_import)
    st = kb.add_parser("stats", help="counts by level, field and status")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_kb_stats)
    sh = kb.add_parser("show", help="one procedure")
    sh.add_argument("code")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_kb_show)
    sd = kb.add_parser("seed", help="(re)load the bundled seed catalogue")
    sd.set_defaults(func=cmd_kb_seed)

    ask = sub.add_parser("ask", help="one question against the current catalogue")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="talk to the hotline in the terminal (same dialog as a call)")
    chat.add_argument("--script", help="read caller lines from this file (- for stdin)")
    chat.add_argument("--events", action="store_true", help="print each turn's event as JSON")
    chat.set_defaults(func=cmd_chat)

    ev = sub.add_parser("eval", help="matcher accuracy on the labelled caller phrasings")
    ev.add_argument("--cases", help="JSONL file (default: the bundled evaluation set)")
    ev.add_argument("--import", dest="path", help="first import this national-portal path into the database")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--misses", type=int, default=20, help="how many misses to list")
    ev.add_argument("--split", choices=("dev", "test", "all"), default="all", help="which half of the cases")
    ev.set_defaults(func=cmd_eval)

    say = sub.add_parser("say", help="speak a text to a WAV file (8 kHz mono by default)")
    say.add_argument("text")
    say.add_argument("-o", "--output", required=True)
    say.add_argument("--engine", choices=["espeak", "coqui"], help="default: HOTLINE_TTS_ENGINE")
    say.add_argument("--voice", help="e.g. vi, vi-vn-x-central, vi-vn-x-south")
    say.add_argument("--rate", type=int, default=165, help="words per minute")
    say.add_argument("--pitch", type=int, default=50)
    say.add_argument("--sample-rate", type=int, default=8000, choices=[8000, 16000, 22050])
    say.set_defaults(func=cmd_say)

    call = sub.add_parser("call", help="place a real SIP test call: speak, press keys, print the conversation")
    call.add_argument("--target", help="sip:HOST:PORT (default: the local hotline)")
    call.add_argument("--say", action=_StepAction, metavar="TEXT", help="speak this (TTS over RTP); repeatable")
    call.add_argument("--digits", action=_StepAction, metavar="KEYS", help="press keys (RFC 4733); repeatable")
    call.add_argument("--record", metavar="FILE.wav", help="save what the caller heard")
    call.add_argument("--json", action="store_true")
    call.add_argument("--http", help="the hotline's HTTP base URL for its event stream (default: local)")
    call.add_argument("--token", help="bearer token for the event stream (default: a temporary local one)")
    call.add_argument("--no-events", action="store_true", help="do not read the event stream (foreign targets)")
    call.add_argument("--local-host", default="127.0.0.1", help="address to send and receive from")
    call.set_defaults(func=cmd_call, steps=[])

    lt = sub.add_parser("loadtest", help="many real SIP calls with spoken questions; checks the answers, reports")
    lt.add_argument("--target", required=True, help="sip:HOST:PORT of the hotline (or any SIP target)")
    lt.add_argument("--calls", type=int, default=10, help="calls to place (default 10)")
    lt.add_argument("--rate", type=float, default=1.0, help="new calls per second (default 1)")
    lt.add_argument("--hold", type=float, help="seconds each call stays up (default: until the answer ends)")
    lt.add_argument("--time-limit", type=float, help="hard limit of the run in seconds")
    lt.add_argument("--json", action="store_true", help="print the full JSON report")
    lt.add_argument("--report", metavar="DIR", help="write report.json and report.html here")
    lt.add_argument("--http", help="the hotline's HTTP API for call records (default on loopback: local port)")
    lt.add_argument("--token", help="bearer token (viewer) for --http (default: HOTLINE_ADMIN_TOKEN)")
    lt.add_argument("--no-records", action="store_true", help="do not fetch call records (foreign target)")
    lt.add_argument("--record-wait", type=float, default=60.0, metavar="S",
                    help="how long to wait for each call record after hang-up (default 60)")
    lt.add_argument("--record", action="store_true", help="save what each caller heard as WAV under DIR/calls")
    lt.add_argument("--speech-share", type=float, default=1.0, metavar="F",
                    help="share of callers who ask by voice, the rest use the keypad menu (default 1)")
    lt.add_argument("--server-pid", type=int, help="sample this process's CPU (default: found from the SIP port)")
    lt.add_argument("--local-host", default="127.0.0.1", help="address to call from (default 127.0.0.1)")
    lt.add_argument("--quiet", action="store_true", help="no live progress line")
    lt.set_defaults(func=cmd_loadtest)

    tr = sub.add_parser("transcribe", help="recognise an audio file (WAV, MP3, ...)")
    tr.add_argument("file")
    tr.add_argument("--engine", choices=["whisper", "vosk"], help="default: HOTLINE_ASR_ENGINE")
    tr.add_argument("--model", help="model directory (default: HOTLINE_ASR_MODEL_PATH or the bundled one)")
    tr.add_argument("--candidate", action="append", help="a phrase to rescore against the audio; repeatable")
    tr.add_argument("--expect", default="any", choices=["any", "speech", "yes_no", "digits"])
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_transcribe)

    models = sub.add_parser("models", help="speech models").add_subparsers(dest="models_command", required=True)
    mi = models.add_parser("install", help="download a production model (needs internet)")
    mi.add_argument("name", choices=["vosk-vi"])
    mi.add_argument("--size", default="small", choices=["small", "large"])
    mi.add_argument("--dest", help="directory (default: DATA_DIR/models)")
    mi.set_defaults(func=cmd_models_install)

    tok = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    tc = tok.add_parser("create", help="create a token and print it (shown once)")
    tc.add_argument("--name", required=True)
    tc.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    tc.add_argument("--user", help="attach to a staff user")
    tc.set_defaults(func=cmd_token_create)

    usr = sub.add_parser("user", help="staff users").add_subparsers(dest="user_command", required=True)
    ua = usr.add_parser("add", help="create a staff user")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    ua.add_argument("--password", help="read from the terminal when omitted")
    ua.set_defaults(func=cmd_user_add)

    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        overrides = {
            "database_url": args.database_url,
            "data_dir": Path(args.data_dir) if args.data_dir else None,
        }
        if args.command == "serve":
            overrides |= {"http_port": args.http_port, "sip_port": args.sip_port, "workers": args.workers}
            if args.host:
                overrides |= {"http_host": args.host, "sip_host": args.host}
        settings = Settings.from_env(**overrides)
    except ValueError as exc:
        print(f"hotline: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args, settings)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
