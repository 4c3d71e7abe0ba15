"""The bench page: its numbers and sections as values, then the page itself in Debian's
headless chromium with the network cut off (every section there, charts drawn, nothing
requested from outside, a screenshot kept)."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devagent.bench.report import TaskOutcome
from devagent.pages.bench import (
    integrity_flags,
    render_bench_page,
    summarize,
    timeline_spans,
    write_bench_page,
)
from devagent.pages.benchsample import sample_outcomes

SECTIONS = ("summary", "integrity", "tasks", "distributions", "timeline")
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOT_DOC = Path(__file__).parents[2] / "docs" / "bench-page.png"
LOCAL_SCHEMES = ("file:", "data:", "about:", "chrome:", "devtools:")


def test_the_rate_counts_graded_tasks_and_sets_errors_apart() -> None:
    outcomes = [
        TaskOutcome(id="a", status="resolved"),
        TaskOutcome(id="b", status="resolved"),
        TaskOutcome(id="c", status="unresolved"),
        TaskOutcome(id="d", status="error", reason="daemon gone"),
        TaskOutcome(id="e", status="broken", broken=True, broken_reason="goal tests already pass"),
    ]
    s = summarize(outcomes)
    assert (s.resolved, s.unresolved, s.errors, s.broken) == (2, 1, 1, 1)
    assert (s.rate.successes, s.rate.n) == (2, 3)
    flags = integrity_flags(outcomes)
    assert [o.id for o in flags["goal already passed before the change"]] == ["e"]
    assert [o.id for o in flags["environment or infrastructure error"]] == ["d"]


def test_the_timeline_has_a_lane_per_worker_and_per_node_when_several() -> None:
    one = timeline_spans(sample_outcomes(12, workers=3))
    assert sorted({s.lane for s in one}) == ["worker 0", "worker 1", "worker 2"]
    assert min(s.start for s in one) == 0.0
    two = timeline_spans(sample_outcomes(12, workers=2, nodes=2))
    assert "node-1 · worker 1" in {s.lane for s in two}


def test_every_section_and_each_task_row_with_its_run_link(tmp_path: Path) -> None:
    outcomes = sample_outcomes(20)
    (tmp_path / "runs" / "task-003").mkdir(parents=True)
    (tmp_path / "runs" / "task-003" / "report.md").write_text("# run")
    html = write_bench_page(tmp_path, outcomes, model="m", wall_s=100, jobs=4).read_text()
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in html
    assert html.count("<tr>") == 1 + 20
    assert '<a href="runs/task-003/report.md">task-003</a>' in html
    assert "95% interval (Wilson)" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_a_task_id_cannot_inject_markup() -> None:
    html = render_bench_page([TaskOutcome(id="<b>x</b>", status="resolved")], model="m",
                             wall_s=1, jobs=1)  # fmt: skip
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.fixture(scope="module")
def offline_chromium() -> Iterator[object]:
    """Headless chromium through its driver, every request to the network refused."""
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("chromium and its driver are missing: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--window-size=1200,1400", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def requested(driver: object) -> list[str]:
    """The URLs the page asked for since the last call (the driver's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def opened(driver: object, page: Path) -> list[str]:
    requested(driver)  # what came before this page
    driver.get(page.as_uri())  # type: ignore[attr-defined]
    return requested(driver)


def test_the_page_in_a_browser_offline(offline_chromium, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = offline_chromium
    source = os.environ.get("DEVAGENT_BENCH_SCREENSHOT_FROM")  # a real bench's --out folder
    outcomes, model = sample_outcomes(40, workers=4), "sample (made-up outcomes)"
    if source:
        from devagent.bench.report import read_results

        outcomes = read_results(Path(source) / "results.jsonl")
        model = outcomes[0].model
    ends = [o.started_at + o.wall_s for o in outcomes]
    wall = max(ends) - min(o.started_at for o in outcomes)
    page = write_bench_page(tmp_path, outcomes, model=model, wall_s=wall, jobs=4)
    urls = opened(driver, page)
    assert [u for u in urls if not u.startswith(LOCAL_SCHEMES)] == []
    for anchor in SECTIONS:
        assert driver.find_element(By.ID, anchor).is_displayed()
    charts = driver.find_elements(By.CSS_SELECTOR, "section svg")
    assert len(charts) == 4
    for chart in charts:
        assert chart.size["width"] > 100 and chart.size["height"] > 50
        assert len(chart.find_elements(By.CSS_SELECTOR, "path, rect, use")) > 5
    rows = driver.find_elements(By.CSS_SELECTOR, "#tasks tbody tr")
    assert len(rows) == len(outcomes)
    shot = tmp_path / "bench-page.png"
    assert driver.save_screenshot(str(shot))
    whole = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True})
    (tmp_path / "bench-page-whole.png").write_bytes(base64.b64decode(whole["data"]))
    print(f"screenshots: {shot} and the whole page: {tmp_path / 'bench-page-whole.png'}")
    if os.environ.get("DEVAGENT_UPDATE_SCREENSHOTS"):  # the README's picture
        SCREENSHOT_DOC.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT_DOC)
        assert SCREENSHOT_DOC.stat().st_size < 300_000


def test_the_offline_check_does_see_an_outside_request(offline_chromium, tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="http://example.invalid/x.png">')
    assert "http://example.invalid/x.png" in opened(offline_chromium, page)


def test_the_compare_page_in_a_browser_offline(offline_chromium, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    from devagent.pages.compare import compare_runs, write_compare_page

    a, b = sample_outcomes(30, seed=1), sample_outcomes(30, seed=2)
    page = write_compare_page(tmp_path / "compare.html", compare_runs(a, b, "run1", "run2"))
    assert [u for u in opened(offline_chromium, page) if not u.startswith(LOCAL_SCHEMES)] == []
    for anchor in ("summary", "flips", "cost", "tasks"):
        assert offline_chromium.find_element(By.ID, anchor).is_displayed()
    (chart,) = offline_chromium.find_elements(By.CSS_SELECTOR, "section svg")
    assert chart.size["width"] > 100 and len(chart.find_elements(By.CSS_SELECTOR, "path")) > 5
    assert offline_chromium.save_screenshot(str(tmp_path / "compare-page.png"))
