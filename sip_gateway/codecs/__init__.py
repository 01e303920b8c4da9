"""Audio codecs used on the telephone leg (G.711 μ-law / A-law)."""

from sip_gateway.codecs.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]
