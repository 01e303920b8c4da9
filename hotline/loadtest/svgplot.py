"""Tiny hand-written SVG charts for the HTML report (no plotting dependency):
a scatter/line chart over time and a histogram. Pure functions returning markup."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

W, H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 28, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _axes(title: str, xmax: float, ymax: float, xlabel: str, ylabel: str) -> list[str]:
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{W / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
           f'<rect x="{PAD_L}" y="{PAD_T}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for i in range(5):
        y = PAD_T + ph - ph * i / 4
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">{_fmt(ymax * i / 4)}</text>')
        x = PAD_L + pw * i / 4
        out.append(f'<text x="{x:.1f}" y="{PAD_T + ph + 14}" text-anchor="middle">{_fmt(xmax * i / 4)}</text>')
    out.append(f'<text x="{PAD_L + pw / 2}" y="{H - 6}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="12" y="{PAD_T + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 12 {PAD_T + ph / 2})">{escape(ylabel)}</text>')
    return out


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2g}"


def time_chart(title: str, series: Sequence[tuple[str, str, Sequence[tuple[float, float]], bool]],
               *, xlabel: str = "seconds", ylabel: str = "") -> str:
    """series: (label, colour, points (x, y), as_line). Dots for events, lines for samples."""
    pts = [p for _, _, points, _ in series for p in points]
    xmax = _nice_max(max((x for x, _ in pts), default=1))
    ymax = _nice_max(max((y for _, y in pts), default=1))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    out = _axes(title, xmax, ymax, xlabel, ylabel)

    def xy(x: float, y: float) -> tuple[float, float]:
        return PAD_L + pw * x / xmax, PAD_T + ph - ph * min(y, ymax) / ymax

    for n, (label, colour, points, as_line) in enumerate(series):
        if as_line and points:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(x, y) for x, y in points))
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        else:
            out.extend(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.2" fill="{colour}" fill-opacity="0.7"/>'
                       for a, b in (xy(x, y) for x, y in points))
        lx = PAD_L + 8 + 150 * n
        out.append(f'<rect x="{lx}" y="{PAD_T + 6}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{lx + 14}" y="{PAD_T + 15}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def histogram(title: str, values: Sequence[float], *, bins: int = 20, xlabel: str = "", colour: str = "#3b7dd8") -> str:
    if not values:
        return f'<p class="empty">{escape(title)}: no data</p>'
    xmax = _nice_max(max(values))
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v / xmax * bins))] += 1
    ymax = _nice_max(max(counts))
    pw, ph = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    out = _axes(title, xmax, ymax, xlabel, "calls")
    bw = pw / bins
    for i, c in enumerate(counts):
        h = ph * c / ymax
        out.append(f'<rect x="{PAD_L + i * bw + 1:.1f}" y="{PAD_T + ph - h:.1f}" width="{bw - 2:.1f}" '
                   f'height="{h:.1f}" fill="{colour}"><title>{c}</title></rect>')
    out.append("</svg>")
    return "\n".join(out)
