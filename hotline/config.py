"""Configuration from environment variables prefixed ``HOTLINE_``.

The only global state of the application: everything else is passed in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PREFIX = "HOTLINE_"


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "hotline"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, its environment variable is ``HOTLINE_<NAME upper-cased>``."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""  # default: sqlite file in data_dir
    admin_token: str = ""  # bootstrap admin bearer token, accepted when set
    http_host: str = "0.0.0.0"
    http_port: int = 8000
    sip_host: str = "0.0.0.0"
    sip_port: int = 5060
    rtp_port_min: int = 20000
    rtp_port_max: int = 30000
    # One shared RTP port (the first free one of the range) for all calls, with batched system
    # calls; false: a port per call. On by measurement: at 1,000 calls 69 % of a core and send
    # p99 9 ms against 92 % and 58 ms (docs/loadtest.md, "One RTP socket per process").
    rtp_mux: bool = True
    max_calls: int = 1000
    operator_uri: str = ""  # SIP URI for blind transfer (REFER); empty = no operator
    public_address: str = ""  # address put in SDP/Contact; empty = the bind address or primary interface
    shutdown_grace_s: float = 60.0  # on SIGTERM: active calls may finish for this long
    max_call_s: float = 600.0
    # A full garbage-collector pass every this many seconds instead of CPython's own rule,
    # which at 1,000 calls ran one (90-150 ms of stalled RTP) every 10-20 s; 0 = CPython's.
    gc_full_interval_s: float = 60.0
    no_input_s: float = 7.0
    caller_hash_key: str = ""  # key of the caller-number hash; empty = a random key kept in data_dir
    prerender: str = "summaries"  # answer audio rendered ahead: none | fixed | summaries | all
    asr_engine: str = "whisper"  # whisper | vosk
    asr_model_path: str = ""  # empty = the bundled default of the engine
    asr_phrases: str = ""  # file of phrases to bias the recogniser; empty = the bundled hotline/asr_phrases.txt
    tts_engine: str = "espeak"  # espeak | coqui
    tts_voice: str = "vi"
    tts_model_path: str = ""
    seed: bool = True  # load the bundled seed catalogue into an empty database
    log_level: str = "INFO"
    workers: int = 1  # gateway processes; more than 1 runs them behind Kamailio (docs/scaling.md)
    kamailio_bin: str = "kamailio"  # the Kamailio binary `hotline serve --workers N` starts

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hotline.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _convert(kind: object, raw: str, name: str):
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.strip().lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.strip().lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind == "Path":
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ValueError(f"{PREFIX}{name.upper()}: cannot read {raw!r} as {kind}") from exc
    return raw
