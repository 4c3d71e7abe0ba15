"""What a start of the CLI imports: the parser is built from light modules, and a command's heavy
ones (settings, pipeline, forge client, templates, tables) wait for the command that needs them.

Seen before: `import devagent.cli` loaded the settings, the whole agent, the GitHub client with
httpx2, jinja2 and yaml for every command, `--help` included (about half a second). Each test
runs a fresh interpreter, so that a module imported by another test cannot hide one."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from devagent import cli
from tests.support import committed_repo

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "demo" / "lru-cache-eviction.scripted.yaml"

NOT_FOR_THE_PARSER = (
    "devagent.agent",
    "devagent.assembly",
    "devagent.bench",
    "devagent.chat",
    "devagent.commands.benchrun",
    "devagent.commands.deliver",
    "devagent.config",
    "devagent.delivery",
    "devagent.llm",
    "devagent.pipeline",
    "devagent.tools",
    "devagent.workspace",
    "docker",
    "httpx2",
    "jinja2",
    "pydantic",
    "rich.live",
    "rich.table",
    "sandbox.docker",
    "yaml",
)
"""Modules neither `import devagent.cli` nor any command's --help may load."""

NOT_FOR_A_SOLVE = (
    "devagent.agent.events",
    "devagent.bench",
    "devagent.chat",
    "devagent.commands.benchrun",
    "devagent.forge.propose",
    "httpx2",
    "rich.table",
)
"""Modules a plain `devagent solve` (no --pr, no gh: issue, no --events) has not loaded when its
run starts."""


def python(script: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "DEVAGENT_CACHE_DIR": str(home / "cache"),
        "DEVAGENT_MODEL": "scripted:none.yaml",  # no provider SDK imported ahead (`entry`)
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Those of `names` that are in `modules`, or that have a submodule there."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


def command_paths(parser: argparse.ArgumentParser, path: str = "") -> list[str]:
    """Every command and subcommand, e.g. 'solve', 'images prune'."""
    found = [path] if path else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += command_paths(sub, f"{path} {name}".strip())
    return found


def test_importing_the_cli_loads_no_command_s_heavy_modules(tmp_path: Path) -> None:
    done = python("import sys, devagent.cli; print(' '.join(sys.modules))", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert loaded(done.stdout.split(), NOT_FOR_THE_PARSER) == []


HELP_OF_EACH = """
import contextlib, io, json, sys
from devagent import cli

codes = {}
for path in sys.argv[1:]:
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        try:
            cli.main([*path.split(), "--help"])
        except SystemExit as exc:
            codes[path] = [exc.code, shown.getvalue()]
print(json.dumps({"codes": codes, "modules": sorted(sys.modules)}))
"""


def test_every_command_s_help_works_without_its_heavy_modules(tmp_path: Path) -> None:
    paths = command_paths(cli.build_parser())
    assert {"solve", "ci", "chat", "bench", "cluster", "replay", "usage", "images prune"} <= set(
        paths
    )
    done = python(HELP_OF_EACH, *paths, home=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    failed = {p: code for p, (code, _) in answer["codes"].items() if code not in (0, None)}
    assert failed == {}
    assert all(f"devagent {p}" in text for p, (_, text) in answer["codes"].items())
    assert sorted(answer["codes"]) == sorted(paths)
    assert loaded(answer["modules"], NOT_FOR_THE_PARSER) == []


UNTIL_THE_RUN = """
import json, sys
import devagent.pipeline as pipeline

def started(opts):
    print(json.dumps(sorted(sys.modules)))
    raise SystemExit(0)

pipeline.run_pipeline = started
from devagent.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_solve_reaches_its_run_without_delivery_forge_or_event_modules(tmp_path: Path) -> None:
    calc = {"calc.py": "def add(a, b):\n    return a - b\n"}
    repo = committed_repo(tmp_path / "repo", calc, "calc")
    issue = tmp_path / "issue.md"
    issue.write_text("# add subtracts\n\nMake add add.\n")
    args = ["solve", str(issue), "--repo", str(repo), "--model", f"scripted:{SCRIPT}", "--json"]
    done = python(UNTIL_THE_RUN, *args, "--out", str(tmp_path / "out"), home=tmp_path)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout)
    assert "devagent.config" in modules  # the run was reached through the settings
    assert loaded(modules, NOT_FOR_A_SOLVE) == []


def test_a_live_model_s_factory_leaves_yaml_for_scripts(tmp_path: Path) -> None:
    done = python("import sys, devagent.llm.factory; print(' '.join(sys.modules))", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert loaded(done.stdout.split(), ("yaml", "httpx2")) == []
