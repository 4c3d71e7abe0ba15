"""A run's OUT/environment.json is started by its first model request, not before (reading it
takes a container and the daemon's time, which the run's start needs), and is written by the
end of the run whether or not a request was made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devagent.envreport import EnvironmentReport
from sandbox.client import docker_client

pytestmark = pytest.mark.docker

IMAGE = "devagent/base:latest"


def test_the_report_starts_at_the_first_request_record(tmp_path: Path) -> None:
    report = EnvironmentReport(IMAGE, tmp_path, docker_client())
    for kind in ("start", "instructions", "note"):
        report.on_record({"type": kind})
    assert not report.started
    report.on_record({"type": "request", "messages": []})
    assert report.started
    report.wait()
    _assert_read(tmp_path)


def test_a_run_without_a_request_still_gets_its_report(tmp_path: Path) -> None:
    report = EnvironmentReport(IMAGE, tmp_path)
    report.wait()
    _assert_read(tmp_path)


def _assert_read(out: Path) -> None:
    """OUT/environment.json holds the image's report as read, not the error form."""
    written = json.loads((out / "environment.json").read_text())
    assert "error" not in written, written
    assert written["image"] == IMAGE
    assert written["image_id"].startswith("sha256:")
