"""`devagent solve --runtime runsc`: the whole run (clone, sandbox, tools, checks) under gVisor.

Where runsc cannot run, the run fails with the reason (in CI too: `make setup` registers it)."""

from __future__ import annotations

import json

import docker
import pytest

from tests.e2e.scenario import CHECK, FIX

pytestmark = pytest.mark.docker


def test_a_run_under_runsc_is_solved_in_a_gvisor_sandbox(solve, tmp_path):
    out = tmp_path / "out"
    args = ["--image", "devagent/base:latest", "--test", CHECK, "--runtime", "runsc"]
    result = solve(FIX, *args, "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["status"], payload["checks"][0]["passed"]) == ("solved", True)
    assert "+    return a + b" in (out / "patch.diff").read_text()


def test_a_run_with_network_under_runsc_runs_or_is_refused_naming_why(solve, tmp_path):
    client = docker.from_env()
    runsc = client.info()["Runtimes"].get("runsc", {})
    client.close()
    args = ["--image", "devagent/base:latest", "--test", CHECK, "--runtime", "runsc", "--network"]
    result = solve(FIX, *args, "--json")
    if "--network=none" in (runsc.get("runtimeArgs") or []):  # Debian's 2022 runsc here
        assert result.returncode != 0
        assert "network cannot run under runsc" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
