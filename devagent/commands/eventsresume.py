"""What `solve --events` and `solve --resume` add to a solve: the event stream on stdout, and
the command made to go on from a run folder (`EventsAndResume`). The event models are imported
only for a run that streams them."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from devagent.commands.solvecmd import SolveCommand
from devagent.errors import DevagentError

if TYPE_CHECKING:
    from devagent.agent.events import ResultEvent
    from devagent.agent.eventstream import JsonlWriter
    from devagent.agent.resume import ResumePoint
    from devagent.agent.trajectory import Listener
    from devagent.pipeline import SolveOptions, SolveOutcome


@dataclass
class EventsAndResume:
    """A solve's event stream (None without --events) and resume point (None without
    --resume)."""

    events: JsonlWriter | None = None
    point: ResumePoint | None = None

    def issue(self) -> tuple[str, None] | None:
        """The resumed run's issue (no forge issue: it is not fetched again), else None."""
        return (self.point.task.issue, None) if self.point else None

    def listeners(self, view: Listener | None) -> list[Listener]:
        shown: list[Listener] = [view] if view else []
        if self.events is None:
            return shown
        from devagent.agent.eventstream import EventTranslator

        return [*shown, EventTranslator(self.events.write)]

    def options(self, opts: SolveOptions) -> SolveOptions:
        from devagent.commands.solveresume import resume_options

        return resume_options(opts, self.point) if self.point else opts

    def finished(
        self, code: int, outcome: SolveOutcome, out: Path, delivered: dict[str, Any]
    ) -> int:
        """Write the `result` event (the stream's last); the exit code `code`."""
        if self.events is not None:
            self.events.write(result_event(outcome, out, delivered, code))
        return code


def events_and_resume(
    args: SolveCommand, console: Console, secrets: Sequence[str]
) -> tuple[SolveCommand, EventsAndResume, Console]:
    """--resume and --events: the command made to go on from the run folder, and the event
    stream; with it stdout carries the events only (the `console` returned is stderr)."""
    from devagent.commands.solveresume import resumed_command

    check_output_flags(args)
    args, point = resumed_command(args) if args.resume else (args, None)
    if not args.events:
        return args, EventsAndResume(point=point), console
    from devagent.agent.eventstream import JsonlWriter
    from devagent.agent.redact import Redactor

    events = JsonlWriter(sys.stdout, Redactor(secrets))
    return args, EventsAndResume(events, point), Console(stderr=True, soft_wrap=True)


def check_output_flags(args: SolveCommand) -> None:
    """An issue or --resume (not both: the run has its issue); --json or --events."""
    if not args.issue and args.resume is None:
        raise DevagentError(
            "give the ISSUE (a Markdown file, '-' or gh:OWNER/REPO#N), or --resume RUN_DIR"
        )
    if args.json and args.events:
        raise DevagentError(
            "--json and --events do not go together: the event stream ends with the result "
            "(its `result` event)"
        )


def stream_error(exc: BaseException, secrets: Sequence[str]) -> None:
    """The stream's last event when the command failed before its result."""
    from devagent.agent.events import ErrorEvent
    from devagent.agent.eventstream import JsonlWriter
    from devagent.agent.redact import Redactor

    JsonlWriter(sys.stdout, Redactor(secrets)).write(ErrorEvent(ts=time.time(), message=str(exc)))


def result_event(
    outcome: SolveOutcome, out: Path, delivered: dict[str, Any], exit_code: int
) -> ResultEvent:
    """How the run ended and where its files are (in `out`)."""
    from devagent.agent.events import ResultEvent

    result = outcome.result
    return ResultEvent(
        ts=time.time(),
        status=result.status,
        solved=result.solved,
        reason=result.reason,
        exit_code=exit_code,
        out=str(out),
        patch=str(out / "patch.diff"),
        report=str(out / "report.md"),
        trajectory=str(out / "trajectory.jsonl"),
        steps=result.steps,
        tokens=result.usage.total_tokens,
        cost_usd=round(result.cost_usd, 6),
        duration_s=round(result.duration_s, 3),
        delivered={k: str(v) for k, v in delivered.items()},
    )
