"""The hand-drawn SVG charts: values in, well-formed SVG out, escaped labels, tooltips."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from devagent.pages.charts import bar_chart, compact, cumulative, histogram, line_chart

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


def test_empty_charts_still_render() -> None:
    assert _parse(line_chart({}, title="nothing")).tag == f"{SVG}svg"
    assert _parse(bar_chart([], [], title="nothing")).tag == f"{SVG}svg"


def test_compact_numbers() -> None:
    assert [compact(v) for v in (0, 7, 950, 1200, 25_000, 3_400_000, 0.25)] == [
        "0", "7", "950", "1.2k", "25k", "3.4M", "0.25",
    ]  # fmt: skip
