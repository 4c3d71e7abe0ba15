"""`devagent solve --network allow:LIST` end to end: the model sees the refusal, OUT has the log."""

from __future__ import annotations

import json

import pytest

from tests.e2e.scenario import CHECK, FIX

pytestmark = pytest.mark.docker

FETCH = "python3 -c \"import urllib.request as u; u.urlopen('http://example.org/', timeout=10)\""


def test_a_refused_destination_reaches_the_model_and_the_log(solve, tmp_path):
    out = tmp_path / "out"
    fetch = {
        "content": "Fetching.",
        "tool_calls": [{"name": "run", "arguments": {"command": FETCH}}],
    }
    result = solve(
        [fetch, *FIX],
        "--image", "devagent/base:latest", "--test", CHECK,
        "--network", "allow:pypi.org",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (out / "trajectory.jsonl").read_text().splitlines()]
    seen = json.dumps([r for r in records if r["type"] == "observation"])
    assert "egress refused to example.org:80" in seen
    events = [json.loads(line) for line in (out / "egress.jsonl").read_text().splitlines()]
    assert [(e["host"], e["port"], e["allowed"]) for e in events] == [("example.org", 80, False)]
