"""Small server-side SVG charts (bars, steps, horizontal bars): no JavaScript
and no chart library to vendor, and they print and screenshot as they are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

W, H = 720, 220
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 12, 34


def _nice_max(value: float) -> float:
    if value <= 4:
        return 4.0  # counts: whole-number grid lines
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 4:
            return float(step * 4) if value > step * 2 else float(max(step * 2, value))
    return float(value)


def _frame(title: str, body: list[str], top: float) -> str:
    grid = []
    for i in range(5):
        y = PAD_T + (H - PAD_T - PAD_B) * i / 4
        value = top * (4 - i) / 4
        grid.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" class="grid"/>')
        grid.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" class="ylab">{value:g}</text>')
    return (f'<svg viewBox="0 0 {W} {H}" class="chart" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>' + "".join(grid + body) + "</svg>")


def bars(title: str, points: Sequence[tuple[datetime, float]], *, label_every: int | None = None) -> str:
    """Vertical bars over time buckets, labelled HH:00."""
    if not points:
        return _frame(title, [], 1.0)
    top = _nice_max(max(v for _, v in points))
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    step = inner_w / len(points)
    every = label_every or max(1, len(points) // 12)
    body = []
    for i, (at, value) in enumerate(points):
        h = inner_h * value / top
        x = PAD_L + i * step
        body.append(f'<rect x="{x + step * 0.1:.1f}" y="{PAD_T + inner_h - h:.1f}" width="{step * 0.8:.1f}" '
                    f'height="{h:.1f}" class="bar"><title>{at:%d/%m %H:00}: {value:g}</title></rect>')
        if i % every == 0:
            body.append(f'<text x="{x + step / 2:.1f}" y="{H - PAD_B + 16}" class="xlab">{at:%H:00}</text>')
    return _frame(title, body, top)


def steps(title: str, points: Sequence[tuple[datetime, float]]) -> str:
    """A step line (value holds until the next point), e.g. calls in progress."""
    if len(points) < 2:
        return _frame(title, [], 1.0)
    top = _nice_max(max(v for _, v in points))
    t0, t1 = points[0][0], points[-1][0]
    span = max((t1 - t0).total_seconds(), 1.0)
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def xy(at: datetime, v: float) -> tuple[float, float]:
        return PAD_L + inner_w * (at - t0).total_seconds() / span, PAD_T + inner_h * (1 - v / top)

    path: list[str] = []
    prev_y = None
    for at, v in points:
        x, y = xy(at, v)
        if prev_y is None:
            path.append(f"M{x:.1f},{y:.1f}")
        else:
            path.append(f"L{x:.1f},{prev_y:.1f}L{x:.1f},{y:.1f}")
        prev_y = y
    body = [f'<path d="{"".join(path)}" class="line"/>']
    for i in range(7):
        at = t0 + (t1 - t0) * i / 6
        x, _ = xy(at, 0)
        anchor = ' style="text-anchor:end"' if i == 6 else ""  # the last label stays inside the frame
        body.append(f'<text x="{x:.1f}" y="{H - PAD_B + 16}" class="xlab"{anchor}>{at:%H:%M}</text>')
    return _frame(title, body, top)


def hbars(title: str, items: Sequence[tuple[str, float]], *, width: int = W) -> str:
    """Horizontal bars with a label each, e.g. the top procedures."""
    row = 24
    height = max(row * len(items) + 8, 40)
    top = max((v for _, v in items), default=1) or 1
    label_w = 300
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 60) * value / top
        short = label if len(label) <= 44 else label[:43] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" class="hlab"><title>{escape(label)}</title>'
                    f'{escape(short)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" class="bar"/>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="val">{value:g}</text>')
    return (f'<svg viewBox="0 0 {width} {height}" class="chart" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')
