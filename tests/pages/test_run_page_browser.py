"""The run page in a real headless chromium, network cut off: every section, the diff and the
charts render, nothing is requested from outside, and a screenshot is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from devagent.pages.run import SECTIONS, write_run_page
from devagent.pages.sample import write_sample_run

pytestmark = pytest.mark.browser

SECRET = "sk-browser-secret-9876"


@pytest.fixture(scope="module")
def run_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = write_sample_run(tmp_path_factory.mktemp("run") / "out", steps=100, secret=SECRET)
    return write_run_page(run_dir, redact=lambda text: text.replace(SECRET, "[REDACTED]"))


def test_every_section_is_present_and_nothing_is_requested_from_outside(browser, run_page):  # type: ignore[no-untyped-def]
    browser.open(run_page)
    for section in SECTIONS:
        assert browser.find(f"#{section}").is_displayed(), section
    assert browser.driver.title == "devagent: solved"
    urls = browser.requested_urls()
    assert urls == [run_page.resolve().as_uri()]


def test_the_diff_and_the_charts_render(browser, run_page):  # type: ignore[no-untyped-def]
    browser.open(run_page)
    added = browser.find_all("#changes tr.add td.mono")
    assert [cell.text for cell in added] == [
        "+    # was a - b: <the bug> & its fix",
        "+    return a + b",
    ]
    assert added[0].value_of_css_property("background-color") == "rgba(218, 251, 225, 1)"
    charts = browser.find_all("#charts svg")
    assert len(charts) == 3
    for chart in charts:
        size = chart.size
        assert size["width"] > 200 and size["height"] > 50
        assert chart.find_elements("css selector", "polyline, rect")


def test_steps_sit_in_their_lanes_with_stuck_and_budget_marks(browser, run_page):  # type: ignore[no-untyped-def]
    browser.open(run_page)
    heads = [th.text for th in browser.find_all(".lanes th")]
    assert heads == ["main agent", "sub-agent 0.1", "sub-agent 0.2"]
    steps = browser.find_all("#timeline .step")
    assert len(steps) == 106
    badges = {b.text for b in browser.find_all("#timeline .badge")}
    assert {"loop check", "budget warning", "check failed", "check passed"} <= badges
    failing = browser.find("#checks").text
    assert "PASS" in failing and "python -m pytest -q tests/test_calc.py" in failing


def test_long_observations_fold_and_secrets_stay_redacted(browser, run_page):  # type: ignore[no-untyped-def]
    browser.open(run_page)
    folded = browser.find_all("#timeline .step details")
    assert folded and not folded[0].get_attribute("open")
    source = browser.driver.page_source
    assert SECRET not in source and "API_KEY=[REDACTED]" in source
    assert "<the bug>" not in source and "&lt;the bug&gt;" in source


def test_a_screenshot_is_kept(browser, run_page):  # type: ignore[no-untyped-def]
    browser.open(run_page)
    shot = browser.screenshot("run-page.png", height=1800)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
