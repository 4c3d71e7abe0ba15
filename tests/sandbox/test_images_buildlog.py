"""BuildLog: following a build's JSON stream to the failing step and its log tail."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from sandbox.errors import DaemonUnavailableError, ImageBuildError
from sandbox.imagebuild import BuildLog
from sandbox.images import ensure_base_image


def test_failure_names_the_failing_step_and_keeps_only_its_tail() -> None:
    log = BuildLog(tail_lines=3)
    chunks = [
        {"stream": "Step 1/2 : FROM devagent/base:latest\n"},
        {"stream": " ---> 1234\n"},
        {"stream": "Step 2/2 : RUN pip install nope\n"},
        {"stream": "line a\nline b\n"},
        {"stream": "line c\nline d\n"},
        {"error": "The command '/bin/sh -c pip install nope' returned a non-zero code: 1"},
    ]
    for chunk in chunks:
        log.feed(chunk)
    error = log.failure("devagent/env:x")
    assert isinstance(error, ImageBuildError)
    assert error.step == "RUN pip install nope"
    assert error.log_tail == "line b\nline c\nline d"
    assert "RUN pip install nope" in str(error) and "line d" in str(error)
    assert "non-zero code: 1" in str(error)


def test_image_id_comes_from_aux_or_the_success_line() -> None:
    log = BuildLog()
    log.feed({"aux": {"ID": "sha256:abc"}})
    assert log.image_id == "sha256:abc"
    legacy = BuildLog()
    legacy.feed({"stream": "Successfully built 0123abcd\n"})
    assert legacy.image_id == "0123abcd"


def test_a_dead_daemon_raises_daemon_unavailable_naming_the_fix(tmp_path: Path) -> None:
    client = docker.DockerClient(
        base_url=f"unix://{tmp_path}/no-daemon.sock", version="1.41", timeout=2
    )
    with pytest.raises(DaemonUnavailableError, match=r"make setup` or start dockerd"):
        ensure_base_image(client=client)


def test_a_line_written_in_pieces_is_one_line() -> None:
    log = BuildLog()
    assert log.feed({"stream": "Step 1/1 : RUN uv pip install six\n + six"}) == [
        "Step 1/1 : RUN uv pip install six"
    ]
    assert log.feed({"stream": "==1.16"}) == []
    assert log.feed({"stream": ".0\nnext\n"}) == [" + six==1.16.0", "next"]
    log.feed({"stream": "devagent-error: it broke"})
    assert log.tail.splitlines()[1:] == [" + six==1.16.0", "next", "devagent-error: it broke"]
