"""The bench pages' charts as inline SVG: histograms and a timeline of tasks per worker, drawn
with matplotlib (imported on first use: it costs a few tenths of a second)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STATUS_COLOURS: Mapping[str, str] = {
    "resolved": "#2e7d32",
    "unresolved": "#c62828",
    "broken": "#6d4c41",
    "error": "#ef6c00",
}
_SVG_START = re.compile(r"<svg\b")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


@dataclass(frozen=True)
class Span:
    """One task on the timeline: its lane (worker, or node/worker), start and length in
    seconds from the run's start, and its status (its colour)."""

    lane: str
    start: float
    length: float
    status: str
    label: str = ""


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72, layout="constrained")
    return figure


def _svg(figure: Any) -> str:
    """The figure as an `<svg>` element to inline (no XML prolog, no RDF metadata; text kept
    as text, not glyph outlines, so the page stays small and the labels searchable)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "devagent"}):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    text = buffer.getvalue()
    match = _SVG_START.search(text)
    return _METADATA.sub("", text[match.start() :] if match else text, count=1)


def histogram_svg(values: Sequence[float], *, title: str, unit: str, bins: int = 20) -> str:
    """A histogram of `values` (`unit` labels the x axis); a note when there are none."""
    figure = _figure(3.5, 2.5)
    axes = figure.add_subplot()
    distinct = set(values)
    if len(distinct) > 1:
        axes.hist(list(values), bins=min(bins, len(distinct)), color="#3f6fb5")
    else:
        said = f"all {len(values)} tasks: {values[0]:g}" if values else "no values"
        axes.text(0.5, 0.5, said, ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(unit, fontsize=9)
    axes.set_ylabel("tasks", fontsize=9)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def timeline_svg(spans: Sequence[Span], *, title: str) -> str:
    """One row per lane, a bar per task from its start to its end, coloured by status."""
    lanes = sorted({s.lane for s in spans}, key=_lane_order)
    figure = _figure(8.4, 0.9 + 0.32 * max(1, len(lanes)))
    axes = figure.add_subplot()
    for row, lane in enumerate(lanes):
        mine = [s for s in spans if s.lane == lane]
        axes.broken_barh(
            [(s.start, max(s.length, 0.01)) for s in mine],
            (row - 0.4, 0.8),
            facecolors=[STATUS_COLOURS.get(s.status, "#888888") for s in mine],
            edgecolor="white",
            linewidth=0.5,
        )
    axes.set_yticks(range(len(lanes)), lanes, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the run started", fontsize=9)
    axes.set_title(title, fontsize=11)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    if not spans:
        axes.text(0.5, 0.5, "no tasks", ha="center", va="center", transform=axes.transAxes)
    return _svg(figure)


def _lane_order(lane: str) -> tuple[str, int, str]:
    head, _, tail = lane.rpartition(" ")
    return (head, int(tail), "") if tail.isdigit() else (head, -1, lane)


@dataclass(frozen=True)
class Estimate:
    """One row of an interval chart: a value and its interval, in the same unit."""

    label: str
    value: float
    low: float
    high: float


def intervals_svg(rows: Sequence[Estimate], *, title: str, unit: str) -> str:
    """A dot per row with its interval as a bar (a forest plot); a line marks 0 when the
    values can be negative (a difference)."""
    figure = _figure(6.4, 0.9 + 0.45 * max(1, len(rows)))
    axes = figure.add_subplot()
    for row, estimate in enumerate(rows):
        axes.plot([estimate.low, estimate.high], [row, row], color="#3f6fb5", linewidth=3)
        axes.plot([estimate.value], [row], "o", color="#1d1d1f")
    if any(r.low < 0 for r in rows):
        axes.axvline(0, color="#999999", linewidth=1, linestyle="--")
    axes.set_yticks(range(len(rows)), [r.label for r in rows], fontsize=9)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlabel(unit, fontsize=9)
    axes.set_title(title, fontsize=11)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)
