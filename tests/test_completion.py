"""`devagent completion SHELL`: scripts each shell reads without error and that complete the
commands and flags a person types (bash and fish asked directly; zsh parsed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def script(shell: str, tmp_path: Path) -> Path:
    out = subprocess.run(
        [sys.executable, "-m", "devagent.cli", "completion", shell],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    path = tmp_path / f"devagent.{shell}"
    path.write_text(out.stdout)
    return path


def needs(shell: str) -> None:
    """`make test` installs zsh and fish (images/ensure-test-shells.sh): in CI a missing one is
    a failure, elsewhere a skip."""
    if shutil.which(shell) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{shell} is not installed: `make test` should have installed it")
        pytest.skip(f"{shell} is not installed")


def test_bash_completes_commands_and_flags(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    probe = (
        f"source {path}; COMP_WORDS=(devagent so); COMP_CWORD=1; COMP_LINE='devagent so';"
        " COMP_POINT=${#COMP_LINE}; _shtab_devagent devagent so devagent; echo ${COMPREPLY[@]};"
        " COMP_WORDS=(devagent solve --max-t); COMP_CWORD=2; COMP_LINE='devagent solve --max-t';"
        " COMP_POINT=${#COMP_LINE}; _shtab_devagent devagent --max-t solve; echo ${COMPREPLY[@]}"
    )
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()[-2:]
    assert first.split() == ["solve"]
    assert "--max-time" in second.split()


def test_zsh_reads_its_script(tmp_path: Path) -> None:
    needs("zsh")
    subprocess.run(["zsh", "-n", str(script("zsh", tmp_path))], check=True)


def test_fish_completes_commands_and_flags(tmp_path: Path) -> None:
    needs("fish")
    path = script("fish", tmp_path)
    subprocess.run(["fish", "--no-execute", str(path)], check=True)
    ask = f"source {path}; complete -C 'devagent so'; complete -C 'devagent solve --max-t'"
    out = subprocess.run(["fish", "-c", ask], capture_output=True, text=True, check=True)
    words = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert "solve" in words
    assert "--max-time" in words


def test_fish_offers_the_new_commands_and_not_the_deprecated_spellings(tmp_path: Path) -> None:
    needs("fish")
    path = script("fish", tmp_path)
    ask = (
        f"source {path}; complete -C 'devagent se'; complete -C 'devagent chat --te';"
        " complete -C 'devagent images pr'"
    )
    out = subprocess.run(["fish", "-c", ask], capture_output=True, text=True, check=True)
    words = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert "sessions" in words and "prune" in words
    assert "--test" in words and "--test-cmd" not in words


def test_bash_offers_the_new_commands_and_not_the_deprecated_spellings(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    probe = (
        f"source {path}; COMP_WORDS=(devagent chat --t); COMP_CWORD=2;"
        " COMP_LINE='devagent chat --t'; COMP_POINT=${#COMP_LINE};"
        " _shtab_devagent devagent --t chat; echo ${COMPREPLY[@]}"
    )
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    words = out.stdout.split()
    assert "--test" in words and "--test-cmd" not in words and "--timeout" not in words
