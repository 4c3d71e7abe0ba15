"""The hand-drawn SVG charts: values in, well-formed SVG out, escaped labels, tooltips."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from devagent.pages.charts import (
    Estimate,
    Span,
    bar_chart,
    compact,
    cumulative,
    histogram,
    interval_chart,
    line_chart,
    timeline_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_line_chart_draws_one_polyline_per_series_with_a_tooltip_per_point() -> None:
    svg = _parse(line_chart({"input": [1, 5, 3], "output": [2, 2]}, title="Tokens <per> step"))
    lines = svg.findall(f"{SVG}polyline")
    assert [len(p.get("points", "").split()) for p in lines] == [3, 2]
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert "input, step 2: 5" in titles and "output, step 2: 2" in titles
    assert svg.get("aria-label") == "Tokens <per> step"


def test_marks_are_dashed_lines_that_say_why() -> None:
    svg = _parse(line_chart({"a": [1, 2, 3, 4]}, title="t", marks={3: "stuck: repeated"}))
    marked = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "m"]
    assert [m.find(f"{SVG}title").text for m in marked] == ["step 3: stuck: repeated"]  # type: ignore[union-attr]


def test_the_y_axis_ends_at_a_round_number_above_the_largest_value() -> None:
    svg = _parse(line_chart({"cost": cumulative([0.4, 0.4, 0.5])}, title="t"))
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "yl"]
    assert labels[:5] == ["0", "0.5", "1", "1.5", "2"]


def test_a_bar_chart_has_one_bar_per_value_and_nothing_for_zero() -> None:
    svg = _parse(bar_chart(["a", "b", "c"], [3.0, 0.0, 1.5], title="Time per step"))
    heights = [float(r.get("height", "0")) for r in svg.iter(f"{SVG}rect")]
    assert len(heights) == 3 and heights[1] == 0.0 and heights[0] == 2 * heights[2]


def test_a_histogram_counts_values_in_equal_ranges() -> None:
    svg = _parse(histogram([1, 2, 2, 3, 9, 10], title="h", bins=3))
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert titles == ["1-4: 4", "4-7: 0", "7-10: 2"]


def test_a_histogram_labels_the_edges_of_its_ranges() -> None:
    svg = _parse(histogram([0, 10], title="h", bins=2))
    edges = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "xl"][1:]
    assert edges == ["0", "5", "10"]


def test_a_timeline_has_a_lane_per_worker_in_natural_order_and_a_bar_per_span() -> None:
    spans = [Span("worker 10", 0, 5, "resolved", "a"), Span("worker 2", 5, 2.5, "error", "<b>"),
             Span("worker 2", 0, 5, "broken", "c")]  # fmt: skip
    svg = _parse(timeline_chart(spans, title="tasks per worker"))
    lanes = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "yl"]
    assert lanes == ["worker 2", "worker 10"]
    bars = list(svg.iter(f"{SVG}rect"))
    assert [b.find(f"{SVG}title").text for b in bars] == [  # type: ignore[union-attr]
        "a: resolved, 5.0 s from 0 s", "<b>: error, 2.5 s from 5 s", "c: broken, 5.0 s from 0 s",
    ]  # fmt: skip
    widths = [float(b.get("width", "0")) for b in bars]
    assert widths[0] == widths[2] == pytest.approx(2 * widths[1], abs=0.2)
    assert {b.get("fill") for b in bars} == {"#1a7f37", "#bc4c00", "#6d4c41"}


def test_an_interval_chart_draws_a_whisker_and_a_point_per_row_and_zero_when_crossed() -> None:
    rows = [Estimate("A", 0.5, 0.4, 0.6), Estimate("B - A", 0.1, -0.05, 0.25)]
    svg = _parse(interval_chart(rows, title="rates", unit="share"))
    tips = [t.text for t in svg.iter(f"{SVG}title")]
    assert tips == ["A: 0.5 [0.4, 0.6]"] * 2 + ["B - A: 0.1 [-0.05, 0.25]"] * 2
    assert len(list(svg.iter(f"{SVG}path"))) == 4
    assert [line.get("class") for line in svg.iter(f"{SVG}line")].count("z") == 1
    no_zero = _parse(interval_chart(rows[:1], title="rates", unit="share"))
    assert "z" not in [line.get("class") for line in no_zero.iter(f"{SVG}line")]


def test_empty_charts_still_render() -> None:
    assert _parse(line_chart({}, title="nothing")).tag == f"{SVG}svg"
    assert _parse(bar_chart([], [], title="nothing")).tag == f"{SVG}svg"
    assert _parse(timeline_chart([], title="nothing")).tag == f"{SVG}svg"
    assert _parse(interval_chart([], title="nothing", unit="u")).tag == f"{SVG}svg"


def test_compact_numbers() -> None:
    assert [compact(v) for v in (0, 7, 950, 1200, 25_000, 3_400_000, 0.25)] == [
        "0", "7", "950", "1.2k", "25k", "3.4M", "0.25",
    ]  # fmt: skip
