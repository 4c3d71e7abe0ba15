"""The `browser` fixture: Debian's headless chromium driven by selenium, network cut off.

Requests to anything but the page itself are refused twice over (a dead proxy and a host
resolver that resolves nothing), and every request the page makes is logged, so a test can
assert that none left the file (`requested_urls`). Tests that use it carry the `browser` marker
(tests/conftest.py: skipped locally without chromium, an error in CI)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(os.environ.get("DEVAGENT_TEST_ARTIFACTS", "out/test-artifacts"))
"""Where the page tests keep their screenshots (CI uploads this folder)."""
WINDOW = (1280, 1400)


class Browser:
    """A headless chromium window; `open` a local page, read what it requested."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def open(self, path: Path) -> None:
        self.driver.get_log("performance")  # forget what earlier pages requested
        self.driver.get(path.resolve().as_uri())

    def find_all(self, css: str) -> list[Any]:
        """The elements matching a CSS selector (selenium WebElements)."""
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def find(self, css: str) -> Any:
        """The first element matching a CSS selector; NoSuchElementException when none."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def requested_urls(self) -> list[str]:
        """Every URL the page asked for since `open` (the page's own file included)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def screenshot(self, name: str, height: int = WINDOW[1]) -> Path:
        """A PNG of the window's top `height` pixels, kept under `ARTIFACTS`."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.driver.set_window_size(WINDOW[0], height)
        try:
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(*WINDOW)
        return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",  # root in CI containers
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield Browser(driver)
    finally:
        driver.quit()
