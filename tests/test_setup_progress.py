"""The image build as a person sees it: one line with the phase, step n/N and the time; the whole
log in the run folder (and on the screen with --verbose), never a wall of pip lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from devagent.commands.progress import SetupLine, SetupProgress, step_text
from sandbox.errors import ImageBuildError
from sandbox.imagebuild import BuildSpec, run_build

BUILD = [
    {"stream": "Step 1/5 : ARG DEPS\n"},
    {"stream": "Step 2/5 : FROM ${DEPS}\n"},
    {"stream": " ---> 1f2e3d4c5b6a\n"},
    {"stream": "Step 3/5 : RUN pip install -e .\n"},
    {"stream": " ---> Running in 0a1b2c3d\n"},
    {"stream": "Collecting calc\n  Downloading calc-1.0.tar.gz (3 kB)\n"},
    {"stream": "Successfully installed calc-1.0\n"},
]
FINISH = [
    {"stream": "Step 4/5 : RUN python -c 'import calc'\n"},
    {"stream": "Step 5/5 : USER agent\n"},
    {"aux": {"ID": "sha256:feedface"}},
    {"stream": "Successfully built feedface\n"},
]


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class FakeDocker:
    """A docker client whose low-level build streams the given chunks, 2 s apart, and looks at
    the progress line after each one."""

    def __init__(self, chunks: list[dict[str, Any]], clock: FakeClock, look: Any) -> None:
        self.api, self.chunks, self.clock, self.look = self, chunks, clock, look
        self.seen: list[str] = []

    def build(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for chunk in self.chunks:
            self.clock.now += 2
            yield chunk
            self.seen.append(self.look())


def build(progress: SetupProgress, clock: FakeClock, chunks: list[dict[str, Any]]) -> list[str]:
    """The progress line after each chunk of a build that ends well."""
    docker = FakeDocker(chunks + FINISH, clock, progress.state.line)
    run_build(docker, BuildSpec(Path("/nonexistent"), "devagent/env:0123"), progress)  # type: ignore[arg-type]
    return docker.seen


def test_a_build_shows_as_one_line_with_step_n_of_n_and_the_time(tmp_path: Path) -> None:
    clock = FakeClock()
    progress = SetupProgress(Console(force_terminal=False), clock=clock)
    progress("building devagent/env:0123abcd: the project from /src/calc")
    seen = build(progress, clock, BUILD)
    assert seen[2] == "building environment image · step 2/5 FROM ${DEPS} · 6s"
    assert seen[6] == "building environment image · step 3/5 pip install -e . · 14s"
    narrow = Console(record=True, force_terminal=False, width=40, soft_wrap=True)
    progress.console = narrow
    narrow.print(progress.render())
    assert narrow.export_text() == "⠋ building environment image · step 5/5…\n"


def test_off_a_terminal_only_the_phases_and_steps_are_printed(tmp_path: Path) -> None:
    clock, screen = FakeClock(), Console(record=True, force_terminal=False, width=120)
    progress = SetupProgress(screen, log_path=tmp_path / "out" / "image-build.log", clock=clock)
    progress("sandbox image: the repository's environment")
    progress("building devagent/env:0123abcd: the project from /src/calc")
    build(progress, clock, BUILD)
    progress.close()
    assert screen.export_text().splitlines() == [
        "· sandbox image: the repository's environment",
        "· building devagent/env:0123abcd: the project from /src/calc",
        "· step 1/5 ARG DEPS",
        "· step 2/5 FROM ${DEPS}",
        "· step 3/5 pip install -e .",
        "· step 4/5 python -c 'import calc'",
        "· step 5/5 USER agent",
        f"ready in 22 s, 1 image build · build log: {tmp_path}/out/image-build.log",
    ]


def test_the_whole_build_log_is_written_to_the_run_folder(tmp_path: Path) -> None:
    clock, log = FakeClock(), tmp_path / "out" / "image-build.log"
    progress = SetupProgress(Console(force_terminal=False, quiet=True), log_path=log, clock=clock)
    progress("sandbox image: base")
    progress("building devagent/env:0123abcd: the project from /src/calc")
    build(progress, clock, BUILD)
    progress.close()
    lines = log.read_text().splitlines()
    assert lines[:3] == [
        "sandbox image: base",
        "building devagent/env:0123abcd: the project from /src/calc",
        "Step 1/5 : ARG DEPS",
    ]
    assert "  Downloading calc-1.0.tar.gz (3 kB)" in lines and " ---> 1f2e3d4c5b6a" in lines
    assert lines[-1] == "Successfully built feedface"


def test_verbose_shows_the_whole_log_on_the_screen(tmp_path: Path) -> None:
    clock, screen = FakeClock(), Console(record=True, force_terminal=False, width=120)
    progress = SetupProgress(screen, verbose=True, clock=clock)
    build(progress, clock, BUILD)
    assert "Collecting calc" in screen.export_text().splitlines()


def test_no_log_file_when_nothing_was_built(tmp_path: Path) -> None:
    log = tmp_path / "image-build.log"
    screen = Console(record=True, force_terminal=False, width=120)
    progress = SetupProgress(screen, log_path=log, clock=FakeClock())
    progress("devagent/env:0123 is up to date")
    progress.close()
    assert not log.exists()
    assert screen.export_text().splitlines()[-1] == "ready in 0.0 s"


def test_the_phase_names_the_image_and_the_clock_restarts_with_each_phase() -> None:
    clock = FakeClock()
    line = SetupLine(clock)
    line.feed("building devagent/envdeps:ab12: dependencies on python 3.11")
    clock.now += 75
    assert line.line() == "building environment image (dependencies) · 1m15s"
    line.feed("starting the sandbox (devagent/env:ab12)")
    assert line.line() == "starting the sandbox (devagent/env:ab12) · 0s"


def test_a_step_shows_its_first_command_with_short_paths() -> None:
    run = (
        "/opt/devagent-tools/bin/python /opt/devagent-tools/install_deps.py deps     "
        "&& rm -rf /tmp/devagent-uv-cache"
    )
    assert step_text(run) == "python install_deps.py deps …"
    assert step_text("pip install -e .") == "pip install -e ."
    assert step_text("COPY --chown=agent:agent workspace/ /workspace/") == (
        "COPY --chown=agent:agent workspace/ /workspace/"
    )
    assert len(step_text("LABEL devagent.image.hash=" + "0" * 64)) == 50


def test_a_failed_preparation_names_the_build_log_and_not_ready(tmp_path: Path) -> None:
    clock, screen = FakeClock(), Console(record=True, force_terminal=False, width=120)
    log = tmp_path / "image-build.log"
    with (
        pytest.raises(ImageBuildError, match="pip failed"),
        SetupProgress(screen, log_path=log, clock=clock) as progress,
    ):
        progress("building devagent/env:0123abcd: the project from /src/calc")
        build(progress, clock, [*BUILD[:3], {"error": "pip failed"}])
    text = screen.export_text().splitlines()
    assert text[-1] == f"build log: {log}"
    assert not any(line.startswith("ready") for line in text)
