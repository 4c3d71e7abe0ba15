"""`devagent config` as a person uses it: the file it writes keeps their comments, refuses what
the settings would not load, and `get`/`list` show what a run would use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def devagent(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "DEVAGENT_CONFIG": str(tmp_path / "config.toml"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "devagent.cli", "config", *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_set_get_list_and_unset_round_trip_keeping_comments(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# my own note\nmodel = "openai:gpt-4o"  # the one I pay for\n')

    assert devagent(tmp_path, "set", "budget.max_time", "20m").returncode == 0
    assert devagent(tmp_path, "set", "chat.auto", "true").returncode == 0

    text = config.read_text()
    assert "# my own note" in text and "# the one I pay for" in text
    assert devagent(tmp_path, "get", "budget.max_time_s").stdout.strip() == "1200.0"
    assert devagent(tmp_path, "get", "model").stdout.strip() == "openai:gpt-4o"
    listed = json.loads(devagent(tmp_path, "list", "--json").stdout)
    assert listed["chat"]["auto"] is True
    assert "budget.max_usd = 3.0" in devagent(tmp_path, "list").stdout.splitlines()
    assert devagent(tmp_path, "unset", "chat.auto").returncode == 0
    assert devagent(tmp_path, "get", "chat.auto").stdout.strip() == "false"
    assert devagent(tmp_path, "path").stdout.strip() == str(config)


def test_a_value_the_settings_would_not_load_is_refused_and_nothing_written(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('model = "openai:gpt-4o"\n')

    bad_key = devagent(tmp_path, "set", "budget.max_dollars", "5")
    bad_value = devagent(tmp_path, "set", "budget.max_steps", "lots")

    assert bad_key.returncode == 2
    assert "budget.max_dollars" in bad_key.stderr
    assert bad_value.returncode == 2
    assert "budget.max_steps" in bad_value.stderr
    assert config.read_text() == 'model = "openai:gpt-4o"\n'
    missing = devagent(tmp_path, "get", "budget.nothing")
    assert missing.returncode == 2 and "config list" in missing.stderr
