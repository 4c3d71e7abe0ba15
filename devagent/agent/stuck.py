"""Loop and no-progress detection over step records. Pure: no model, sandbox or file I/O.

`StuckDetector.feed(step)` looks at the run so far and returns a `Detection` when a pattern
that burns budget shows: the same action with the same result repeated, two actions
alternating, the same error again and again, malformed calls in a row, edits undone, or many
steps without a file change or a new test result. Each detection carries the response the
ladder gives it (a nudge, then a fresh context, then a stop); after a detection the detector
forgets what it saw, so the next one needs the pattern to show again. Cost: each `feed` looks
at a window of the latest actions, O(window) time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Response = Literal["nudge", "fresh_context", "stop"]
Pattern = Literal["malformed", "repeat", "alternation", "same_error", "undone_edits", "no_progress"]


class StuckConfig(BaseModel):
    """When a run counts as stuck, and what the loop does about it."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    enabled: bool = True
    """Watch for loops at all (a chat session, with a person in the loop, does not)."""
    repeat: int = Field(default=3, ge=2)
    """The same call with the same result this many times in a row."""
    alternation: int = Field(default=3, ge=2)
    """Two calls (each with the same result every time) alternating this many full cycles."""
    same_error: int = Field(default=4, ge=2)
    """The last this-many failed calls all failed with the same text (other calls between)."""
    malformed: int = Field(default=3, ge=2)
    """Malformed calls (unparsable, unknown tool, bad arguments, no call at all) in a row."""
    undone_edits: int = Field(default=3, ge=1)
    """Times the workspace went back to a state it had before (an edit undone)."""
    no_progress_steps: int = Field(default=15, ge=2)
    """Steps in a row with no file change and no new test result."""
    ladder: tuple[Response, ...] = ("nudge", "fresh_context", "stop")
    """What the 1st, 2nd, ... detection of the run gets; the last entry repeats."""


@dataclass(frozen=True)
class Action:
    """One tool call reduced to what the detector compares."""

    name: str
    arguments: str
    """The arguments as canonical JSON."""
    outcome: str
    """The observation's text, normalized (durations masked)."""
    ok: bool = True
    malformed: bool = False
    test_result: bool = False
    """The outcome is a test result (`run_tests`, `submit`)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.arguments, self.outcome)

    @property
    def error(self) -> str:
        """The outcome without the lines that echo a command (`$ ...`): what went wrong."""
        return "\n".join(x for x in self.outcome.splitlines() if not x.startswith("$ ")).strip()

    def label(self) -> str:
        args = self.arguments if len(self.arguments) <= 120 else self.arguments[:117] + "..."
        return f"`{self.name}` {args}" if self.name else "a reply without a tool call"


@dataclass(frozen=True)
class StepRecord:
    """What one step did: its calls in order, and the workspace patch after it."""

    actions: tuple[Action, ...]
    patch: str | None = None
    """A digest of the workspace patch after the step; None: not read (no call changes files)."""


@dataclass(frozen=True)
class Detection:
    """A pattern seen, in words for the model and the report, and the ladder's response."""

    pattern: Pattern
    count: int
    detail: str
    response: Response
    number: int
    """1 for the run's first detection, 2 for the second, ..."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_section(detections: Sequence[dict[str, Any]]) -> list[str]:
    """The report's lines on the loop checks (`Detection.to_dict()` records); [] when none."""
    if not detections:
        return []
    lines = ["## Loop checks", ""]
    for d in detections:
        lines.append(f"{d['number']}. {d['pattern']}: {d['detail']} -> {d['response']}")
    return [*lines, ""]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class _Window:
    """What the detector has seen since the last detection."""

    actions: list[Action] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    undone: int = 0
    idle_steps: int = 0
    results: set[str] = field(default_factory=set)


class StuckDetector:
    """Feed it every step; it returns a `Detection` when the run loops or stalls."""

    def __init__(self, config: StuckConfig | None = None, start_patch: str | None = None) -> None:
        """`start_patch`: the digest of the workspace patch before the first step, if known."""
        self.config = config or StuckConfig()
        self.detections: list[Detection] = []
        self._window = _Window(states=[start_patch] if start_patch is not None else [])

    def start_at(self, start_patch: str | None) -> None:
        """The digest of the workspace patch before the first step, when it is known only after
        the detector was made (and before it is fed)."""
        if start_patch is not None and not self._window.states:
            self._window.states.append(start_patch)

    def feed(self, step: StepRecord) -> Detection | None:
        """Take the next step; the detection it completes (also kept in `detections`)."""
        if not self.config.enabled:
            return None
        window = self._window
        window.actions.extend(step.actions)
        del window.actions[: -self._keep()]
        progress = self._track_patch(step.patch)
        for action in step.actions:
            if action.test_result and digest(action.outcome) not in window.results:
                window.results.add(digest(action.outcome))
                progress = True
        window.idle_steps = 0 if progress else window.idle_steps + 1
        found = self._find()
        if found is None:
            return None
        pattern, count, detail = found
        ladder = self.config.ladder or ("stop",)
        response = ladder[min(len(self.detections), len(ladder) - 1)]
        detection = Detection(pattern, count, detail, response, len(self.detections) + 1)
        self.detections.append(detection)
        self._window = _Window(states=window.states[-1:])
        return detection

    def _keep(self) -> int:
        c = self.config
        return max(c.repeat, 2 * c.alternation, c.malformed, 4 * c.same_error, 64)

    def _track_patch(self, patch: str | None) -> bool:
        """Note the workspace state; True when it changed."""
        states = self._window.states
        if patch is None or (states and states[-1] == patch):
            return False
        if patch in states:
            self._window.undone += 1
        states.append(patch)
        return len(states) > 1

    def _find(self) -> tuple[Pattern, int, str] | None:
        actions, c, window = self._window.actions, self.config, self._window
        checks = (
            _malformed(actions, c.malformed),
            _repeat(actions, c.repeat),
            _alternation(actions, c.alternation),
            _same_error(actions, c.same_error),
        )
        for found in checks:
            if found is not None:
                return found
        if window.undone >= c.undone_edits:
            detail = f"the workspace went back to an earlier state {window.undone} times"
            return ("undone_edits", window.undone, detail)
        if window.idle_steps >= c.no_progress_steps:
            detail = f"{window.idle_steps} steps without a file change or a new test result"
            return ("no_progress", window.idle_steps, detail)
        return None


def _trailing(actions: Sequence[Action], same: Any) -> int:
    """How many actions at the end satisfy `same(action)`."""
    count = 0
    for action in reversed(actions):
        if not same(action):
            break
        count += 1
    return count


def _malformed(actions: Sequence[Action], threshold: int) -> tuple[Pattern, int, str] | None:
    count = _trailing(actions, lambda a: a.malformed)
    if count < threshold:
        return None
    return ("malformed", count, f"{count} malformed tool calls in a row")


def _repeat(actions: Sequence[Action], threshold: int) -> tuple[Pattern, int, str] | None:
    if not actions:
        return None
    last = actions[-1]
    count = _trailing(actions, lambda a: a.key == last.key)
    if count < threshold:
        return None
    return ("repeat", count, f"{last.label()} {count} times in a row with the same result")


def _alternation(actions: Sequence[Action], cycles: int) -> tuple[Pattern, int, str] | None:
    span = 2 * cycles
    if len(actions) < span:
        return None
    tail = actions[-span:]
    a, b = tail[0], tail[1]
    if a.key == b.key or any(x.key != (a if i % 2 == 0 else b).key for i, x in enumerate(tail)):
        return None
    detail = f"alternating between {a.label()} and {b.label()} {cycles} times, same results"
    return ("alternation", cycles, detail)


def _same_error(actions: Sequence[Action], threshold: int) -> tuple[Pattern, int, str] | None:
    failed = [a for a in actions if not a.ok and not a.malformed]
    if len(failed) < threshold:
        return None
    last = failed[-1]
    count = _trailing(failed, lambda a: a.error == last.error)
    if count < threshold:
        return None
    first_line = next((line for line in last.error.splitlines() if line.strip()), "")[:200]
    return ("same_error", count, f"the same error {count} times: {first_line}")
