"""Charts as inline SVG strings, drawn by hand: line (one or more series), bar and histogram.

Hand-written rather than a plotting library: these shapes take about 150 lines, draw a
100-point chart in 1-3 ms with no import cost, weigh 10-25 KB at 100 points and need no script
(a point's value is its `<title>` tooltip). Measured on 2026-12-02 for one 100-point line:
matplotlib (Figure + SVG canvas) took 0.7-2.0 s to import, 60-250 ms to draw, and brings ~80 MB
of dependencies; pygal imported in 0.1 s but wrote 41 KB, and by default fetches its tooltip
script from the network. Pure: values in, SVG text out; linear in the number of points."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate

from markupsafe import Markup, escape

__all__ = ["PALETTE", "bar_chart", "compact", "cumulative", "histogram", "line_chart"]

PALETTE = ("#0969da", "#bc4c00", "#1a7f37", "#8250df", "#cf222e", "#9a6700")
"""Series colours, in order (distinguishable, readable on white)."""

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 34
Formatter = Callable[[float], str]


def compact(value: float) -> str:
    """`950`, `1.2k`, `3.4M`, `0.25`: a tick label that fits."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.1f}M".replace(".0M", "M")
    if size >= 1e3:
        return f"{value / 1e3:.1f}k".replace(".0k", "k")
    if size == 0 or size >= 10 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.2g}"


def cumulative(values: Sequence[float]) -> list[float]:
    """Running totals: [1, 2, 3] -> [1, 3, 6]."""
    return list(accumulate(values))


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (1 for nothing)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-9))


def _frame(title: str, top: float, fmt: Formatter, x_label: str, y_label: str) -> list[Markup]:
    """Title, horizontal grid lines with their labels, and the axis names."""
    parts = [Markup('<text x="{}" y="18" class="t">{}</text>').format(LEFT, title)]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="g"/>'
                   '<text x="{}" y="{:.1f}" class="yl">{}</text>').format(
                LEFT, WIDTH - RIGHT, y, y, LEFT - 6, y + 4, fmt(top * i / 4))
        )  # fmt: skip
    parts.append(
        Markup('<text x="{}" y="{}" class="xl">{}</text>').format(
            (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 4, x_label
        )
    )
    if y_label:
        parts.append(Markup('<text x="4" y="{}" class="an">{}</text>').format(TOP - 10, y_label))
    return parts


def _svg(label: str, parts: Sequence[Markup]) -> str:
    style = Markup(
        "<style>text{font:11px system-ui,sans-serif;fill:#59636e}.t{font-weight:600;fill:#1f2328}"
        ".yl{text-anchor:end}.xl{text-anchor:middle}.g{stroke:#d1d9e0;stroke-width:1}"
        ".m{stroke:#cf222e;stroke-dasharray:3 3}</style>"
    )
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{}">'
    ).format(WIDTH, HEIGHT, label)
    return str(head + style + Markup("").join(parts) + Markup("</svg>"))


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * i / (n - 1) if n > 1 else span / 2)


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * max(value, 0.0) / top


def line_chart(
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str = "step",
    y_label: str = "",
    fmt: Formatter = compact,
    marks: Mapping[int, str] | None = None,
) -> str:
    """One polyline per series over x = 1..n (shorter series stop early); `marks` draws a
    dashed vertical line at x (1-based) with its text as tooltip (e.g. a stuck detection)."""
    n = max((len(v) for v in series.values()), default=0)
    top = _nice_max(max((max(v) for v in series.values() if v), default=0.0))
    parts = _frame(title, top, fmt, x_label, y_label)
    for x, why in (marks or {}).items():
        px = _x(min(max(x, 1), max(n, 1)) - 1, n)
        parts.append(
            Markup('<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" class="m"><title>{3}</title>'
                   "</line>").format(px, TOP, HEIGHT - BOTTOM, f"{x_label} {x}: {why}")
        )  # fmt: skip
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_x(i, n):.1f},{_y(v, top):.1f}" for i, v in enumerate(values))
        parts.append(
            Markup('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>').format(
                colour, points
            )
        )
        parts += [_dot(_x(i, n), _y(v, top), colour, f"{name}, {x_label} {i + 1}: {fmt(v)}")
                  for i, v in enumerate(values) if n <= 200]  # fmt: skip
        parts.append(_legend(k, name, colour))
    parts.append(
        Markup('<text x="{}" y="{}" class="yl">{}</text>').format(WIDTH - RIGHT, HEIGHT - 20, n)
    )
    return _svg(title, parts)


def _dot(x: float, y: float, colour: str, text: str) -> Markup:
    # f-strings for what is drawn per point: `Markup.format` is ten times slower
    return Markup(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"><title>{escape(text)}</title>'
        "</circle>"
    )


def _legend(k: int, name: str, colour: str) -> Markup:
    x = WIDTH - RIGHT - 150 * (k + 1) + 20
    return Markup(
        '<rect x="{}" y="9" width="10" height="10" fill="{}"/><text x="{}" y="18">{}</text>'
    ).format(x, colour, x + 14, name)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    fmt: Formatter = compact,
) -> str:
    """One bar per label; each bar's tooltip says its label and value."""
    top = _nice_max(max(values, default=0.0))
    parts = _frame(title, top, fmt, x_label, y_label)
    n = max(len(values), 1)
    slot = (WIDTH - LEFT - RIGHT) / n
    width = max(slot * 0.8, 0.5)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = LEFT + slot * i + (slot - width) / 2, _y(value, top)
        tip, height = escape(f"{label}: {fmt(value)}"), HEIGHT - BOTTOM - y
        parts.append(
            Markup(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                   f'fill="{PALETTE[0]}"><title>{tip}</title></rect>')
        )  # fmt: skip
        if n <= 12:
            parts.append(
                Markup('<text x="{:.1f}" y="{}" class="xl">{}</text>').format(
                    x + width / 2, HEIGHT - BOTTOM + 12, label[:14]
                )
            )
    return _svg(title, parts)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    bins: int = 10,
    x_label: str = "",
    fmt: Formatter = compact,
) -> str:
    """How many values fall in each of `bins` equal ranges between their least and greatest."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    size = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / size), bins - 1)] += 1
    labels = [f"{fmt(low + size * i)}-{fmt(low + size * (i + 1))}" for i in range(bins)]
    return bar_chart(
        labels, [float(c) for c in counts], title=title, x_label=x_label, y_label="count"
    )
