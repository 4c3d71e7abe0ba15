"""Charts as inline SVG strings, drawn by hand: line, bar, histogram, lanes of spans, intervals.

Hand-written rather than a plotting library: these shapes take about 150 lines, draw a
100-point chart in 1-3 ms with no import cost, weigh 10-25 KB at 100 points and need no script
(a point's value is its `<title>` tooltip). Measured on 2026-12-02 for one 100-point line:
matplotlib (Figure + SVG canvas) took 0.7-2.0 s to import, 60-250 ms to draw, and brings ~80 MB
of dependencies; pygal imported in 0.1 s but wrote 41 KB, and by default fetches its tooltip
script from the network. Pure: values in, SVG text out; linear in the number of points (spans,
rows) times log of the lanes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from markupsafe import Markup, escape

__all__ = [
    "PALETTE",
    "STATUS_COLOURS",
    "Estimate",
    "Span",
    "bar_chart",
    "compact",
    "cumulative",
    "histogram",
    "interval_chart",
    "line_chart",
    "timeline_chart",
]

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


def _frame(
    title: str, top: float, fmt: Formatter, x_label: str, y_label: str, width: int = WIDTH
) -> list[Markup]:
    """Title, horizontal grid lines with their labels, and the axis names."""
    parts = [Markup('<text x="{}" y="18" class="t">{}</text>').format(LEFT, title)]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="g"/>'
                   '<text x="{}" y="{:.1f}" class="yl">{}</text>').format(
                LEFT, width - RIGHT, y, y, LEFT - 6, y + 4, fmt(top * i / 4))
        )  # fmt: skip
    parts.append(
        Markup('<text x="{}" y="{}" class="xl">{}</text>').format(
            (LEFT + width - RIGHT) / 2, HEIGHT - 4, x_label
        )
    )
    if y_label:
        parts.append(Markup('<text x="4" y="{}" class="an">{}</text>').format(TOP - 10, y_label))
    return parts


def _svg(label: str, parts: Sequence[Markup], width: int = WIDTH, height: float = HEIGHT) -> str:
    style = Markup(
        "<style>text{font:11px system-ui,sans-serif;fill:#59636e}.t{font-weight:600;fill:#1f2328}"
        ".yl{text-anchor:end}.xl{text-anchor:middle}.g{stroke:#d1d9e0;stroke-width:1}"
        ".m{stroke:#cf222e;stroke-dasharray:3 3}.z{stroke:#59636e;stroke-dasharray:4 3}</style>"
    )
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{}">'
    ).format(width, round(height), label)
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
    parts = _bars(labels, values, (title, x_label, y_label), fmt, WIDTH, len(values) <= 12)
    return _svg(title, parts)


def _bars(
    labels: Sequence[str], values: Sequence[float], names: tuple[str, str, str],
    fmt: Formatter, chart_width: int, named: bool,
) -> list[Markup]:  # fmt: skip
    """The frame (`names`: title, x and y label) and the bars, each labelled when `named`."""
    title, x_label, y_label = names
    top = _nice_max(max(values, default=0.0))
    parts = _frame(title, top, fmt, x_label, y_label, chart_width)
    n = max(len(values), 1)
    slot = (chart_width - LEFT - RIGHT) / n
    width = max(slot * 0.8, 0.5)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = LEFT + slot * i + (slot - width) / 2, _y(value, top)
        tip, height = escape(f"{label}: {fmt(value)}"), HEIGHT - BOTTOM - y
        parts.append(
            Markup(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                   f'fill="{PALETTE[0]}"><title>{tip}</title></rect>')
        )  # fmt: skip
        if named:
            parts.append(_tick(x + width / 2, label[:14]))
    return parts


def _tick(x: float, text: str) -> Markup:
    return Markup('<text x="{:.1f}" y="{}" class="xl">{}</text>').format(
        x, HEIGHT - BOTTOM + 12, text
    )


def histogram(
    values: Sequence[float],
    *,
    title: str,
    bins: int = 10,
    x_label: str = "",
    fmt: Formatter = compact,
    width: int = WIDTH,
) -> str:
    """How many values fall in each of `bins` equal ranges between their least and greatest;
    the range edges label the x axis (every other one past six bins), `width` in pixels."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    size = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / size), bins - 1)] += 1
    labels = [f"{fmt(low + size * i)}-{fmt(low + size * (i + 1))}" for i in range(bins)]
    parts = _bars(labels, [float(c) for c in counts], (title, x_label, "count"), fmt, width, False)
    slot, every = (width - LEFT - RIGHT) / bins, 1 if bins <= 6 else 2
    parts += [_tick(LEFT + slot * i, fmt(low + size * i)) for i in range(0, bins + 1, every)]
    return _svg(title, parts, width)


STATUS_COLOURS: Mapping[str, str] = {
    "resolved": "#1a7f37",
    "unresolved": "#cf222e",
    "broken": "#6d4c41",
    "error": "#bc4c00",
}
"""A bench task's colour by its status (the bench page's badges use the same)."""
WIDE = 1120
LANE, ROW = 22, 34
"""Pixels per timeline lane and per interval row."""


@dataclass(frozen=True)
class Span:
    """One bar of a timeline: its lane (worker, or node and worker), start and length in
    seconds from the run's start, its status (its colour) and its label (its tooltip)."""

    lane: str
    start: float
    length: float
    status: str
    label: str = ""


@dataclass(frozen=True)
class Estimate:
    """One row of an interval chart: a value and its interval, in the same unit."""

    label: str
    value: float
    low: float
    high: float


def _lane_order(lane: str) -> tuple[str, int, str]:
    """'worker 2' before 'worker 10'."""
    head, _, tail = lane.rpartition(" ")
    return (head, int(tail), "") if tail.isdigit() else (head, -1, lane)


def _x_axis(
    ticks: Sequence[float], box: tuple[float, float, float, float], fmt: Formatter, label: str
) -> tuple[list[Markup], Callable[[float], float]]:
    """Vertical grid lines at `ticks` (the first and last are the ends), their labels under
    `box` (left, right, top, bottom) and the axis name; and the value -> x function."""
    (low, high), (left, right, top, bottom) = (ticks[0], ticks[-1]), box

    def x(value: float) -> float:
        return left + (right - left) * (value - low) / ((high - low) or 1.0)

    parts = []
    for value in ticks:
        parts.append(
            Markup('<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" class="g"/>'
                   '<text x="{0:.1f}" y="{3}" class="xl">{4}</text>').format(
                x(value), top, bottom, bottom + 13, fmt(value))
        )  # fmt: skip
    parts.append(
        Markup('<text x="{:.1f}" y="{}" class="xl">{}</text>').format(
            (left + right) / 2, bottom + 28, label
        )
    )
    return parts, x


def timeline_chart(spans: Sequence[Span], *, title: str, x_label: str = "seconds since the run "
                   "started", fmt: Formatter = compact) -> str:  # fmt: skip
    """One lane per `Span.lane` (in natural order), a bar per span from its start to its end,
    coloured by status, its label, status and times as tooltip."""
    lanes = sorted({s.lane for s in spans}, key=_lane_order)
    row = {lane: i for i, lane in enumerate(lanes)}
    left = min(200, 16 + 6.5 * max((len(lane) for lane in lanes), default=0))
    bottom = TOP + LANE * max(len(lanes), 1)
    ticks = _ticks(0.0, max((s.start + s.length for s in spans), default=0.0))
    parts, x = _x_axis(ticks, (left, WIDE - RIGHT, TOP, bottom), fmt, x_label)
    parts.insert(0, Markup('<text x="{}" y="18" class="t">{}</text>').format(left, title))
    for lane, i in row.items():
        parts.append(
            Markup('<text x="{}" y="{:.1f}" class="yl">{}</text>').format(
                left - 6, TOP + LANE * i + LANE / 2 + 4, lane
            )
        )
    for s in spans:
        x0, y = x(s.start), TOP + LANE * row[s.lane] + 2
        width = max(x(s.start + s.length) - x0, 1.0)
        tip = escape(f"{s.label}: {s.status}, {s.length:.1f} s from {s.start:.0f} s")
        colour = STATUS_COLOURS.get(s.status, "#8c959f")
        parts.append(
            Markup(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{width:.1f}" height="{LANE - 4}" '
                   f'fill="{colour}" stroke="#fff" stroke-width=".5"><title>{tip}</title></rect>')
        )  # fmt: skip
    if not spans:
        parts.append(_note(left, WIDE - RIGHT, TOP + LANE / 2 + 4, "no timed tasks"))
    return _svg(title, parts, WIDE, bottom + BOTTOM)


def _note(left: float, right: float, y: float, text: str) -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" class="xl">{}</text>').format(
        (left + right) / 2, y, text
    )


def _ticks(low: float, high: float) -> list[float]:
    """Round ticks, about five, from at or below `low` to at or above `high`."""
    step = _nice_max((high - low) / 5)
    first = math.floor(low / step + 1e-9)
    count = max(math.ceil(high / step - 1e-9) - first, 1)
    return [step * (first + i) for i in range(count + 1)]


def interval_chart(
    rows: Sequence[Estimate], *, title: str, unit: str, fmt: Formatter = compact
) -> str:
    """A forest plot: per row a diamond at the estimate and a whisker over its interval (95%
    on our pages), the numbers at the right; a dashed line marks 0 when an end is below it."""
    left = min(200, 16 + 6.5 * max((len(r.label) for r in rows), default=0))
    right = WIDE - 220
    bottom = TOP + ROW * max(len(rows), 1)
    low = min((min(r.low, r.value) for r in rows), default=0.0)
    high = max((max(r.high, r.value) for r in rows), default=1.0)
    ticks = _ticks(min(low, 0.0), max(high, 0.0))
    parts, x = _x_axis(ticks, (left, right, TOP, bottom), fmt, unit)
    parts.insert(0, Markup('<text x="{}" y="18" class="t">{}</text>').format(left, title))
    if low < 0:
        parts.append(Markup('<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" class="z"/>')
                     .format(x(0.0), TOP, bottom))  # fmt: skip
    for i, r in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        said = f"{fmt(r.value)} [{fmt(r.low)}, {fmt(r.high)}]"
        tip = escape(f"{r.label}: {said}")
        parts.append(
            Markup(f'<text x="{left - 6}" y="{y + 4:.1f}" class="yl">{escape(r.label)}</text>'
                   f'<path d="M{x(r.low):.1f} {y:.1f}H{x(r.high):.1f}M{x(r.low):.1f} {y - 6:.1f}'
                   f'v12M{x(r.high):.1f} {y - 6:.1f}v12" stroke="{PALETTE[0]}" stroke-width="2" '
                   f'fill="none"><title>{tip}</title></path>'
                   f'<path d="M{x(r.value):.1f} {y - 6:.1f}l6 6-6 6-6-6z" fill="#1f2328">'
                   f'<title>{tip}</title></path>'
                   f'<text x="{right + 12}" y="{y + 4:.1f}">{escape(said)}</text>')
        )  # fmt: skip
    if not rows:
        parts.append(_note(left, right, TOP + ROW / 2 + 4, "no estimates"))
    return _svg(title, parts, WIDE, bottom + BOTTOM)
