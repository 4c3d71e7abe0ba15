"""`ScriptedModel` and `ReplayModel`: deterministic models that answer from a list, at no cost."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devagent.llm.errors import ScriptError
from devagent.llm.limits import CallLimits
from devagent.llm.runtime import parse_arguments
from devagent.llm.tokens import estimate_messages_tokens, estimate_tokens
from devagent.llm.types import Completion, Message, StopReason, ToolCall, ToolSpec, Usage
from devagent.problems import summary


class ScriptedCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    """An object, or a string sent as-is (to script malformed JSON)."""


class ScriptedExpect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    last_message_contains: str | None = None
    tools_include: list[str] = Field(default_factory=list)


class ScriptedReply(BaseModel):
    """One reply of a script. Usage fields left out are estimated from the text."""

    model_config = ConfigDict(extra="forbid")
    content: str = ""
    tool_calls: list[ScriptedCall] = Field(default_factory=list)
    expect: ScriptedExpect | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    stop_reason: StopReason | None = None


def load_script(path: Path) -> list[ScriptedReply]:
    """Replies from a YAML or JSON file holding a list (JSON is YAML, so one parser reads both);
    of a file of per-attempt scripts (`load_scripts`), the first attempt's."""
    return load_scripts(path)[0]


def load_scripts(path: Path) -> list[list[ScriptedReply]]:
    """The scripts of a file: a list of replies (one script, which every attempt of
    `solve --attempts N` plays from its start), or a mapping `{attempts: [[...], [...]]}`
    (attempt i plays script i, cycling when there are fewer scripts than attempts)."""
    import yaml  # a sixtieth of a second: only when a script is read, not for a live model

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"cannot read script {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ScriptError(f"cannot read script {path}: {exc}") from exc
    if isinstance(data, dict) and set(data) == {"attempts"}:
        scripts = data["attempts"]
        if (
            not isinstance(scripts, list)
            or not scripts
            or not all(isinstance(s, list) for s in scripts)
        ):
            raise ScriptError(f"script {path}: `attempts` must be a non-empty list of lists")
        return [_validate(s, f"{path} attempt {i + 1}") for i, s in enumerate(scripts)]
    if not isinstance(data, list):
        raise ScriptError(f"script {path} must be a list of replies, or {{attempts: [...]}}")
    return [_validate(data, str(path))]


def _validate(items: Iterable[Any], where: str) -> list[ScriptedReply]:
    replies = []
    for index, item in enumerate(items):
        try:
            replies.append(ScriptedReply.model_validate(item))
        except ValidationError as exc:
            raise ScriptError(f"{where}: reply {index} is invalid: {summary(exc)}") from exc
    return replies


class ScriptedModel:
    """Answers with its replies in order; checks each reply's expectations on what it is sent.
    Tool-call ids are deterministic: 'call-<reply>-<call>'. A reply may also be a ready
    `Message` (tests build tool calls with their own ids). `usage` and `cost_usd`, when given,
    are what every reply reports (else usage is estimated and free); `repeat_last` answers with
    the last reply for ever instead of running out. `attempts`: per-attempt scripts (the
    file's `attempts:`), which `for_attempt` hands out; none: every attempt plays `replies`."""

    def __init__(
        self,
        replies: Sequence[ScriptedReply | Message],
        name: str = "scripted:inline",
        *,
        usage: Usage | None = None,
        cost_usd: float = 0.0,
        repeat_last: bool = False,
        attempts: Sequence[Sequence[ScriptedReply | Message]] = (),
    ) -> None:
        self.name = name
        self.replies = list(replies)
        self.attempts = [list(a) for a in attempts]
        self.position = 0
        self.usage, self.cost_usd, self.repeat_last = usage, cost_usd, repeat_last
        self.requests: list[list[Message]] = []
        """Every conversation it was sent, for tests to inspect."""

    @classmethod
    def from_replies(cls, replies: Iterable[dict[str, Any] | str]) -> ScriptedModel:
        """From dicts (the file format) or bare strings (text replies)."""
        items = [{"content": r} if isinstance(r, str) else r for r in replies]
        return cls(_validate(items, "inline script"))

    @classmethod
    def from_file(cls, path: Path) -> ScriptedModel:
        scripts = load_scripts(path)
        more = scripts if len(scripts) > 1 else ()
        return cls(scripts[0], name=f"scripted:{path}", attempts=more)

    def for_attempt(self, index: int) -> ScriptedModel:
        """A fresh model for parallel attempt `index` (0-based): its own script from the
        start, and its own position in it."""
        scripts = self.attempts or [self.replies]
        return ScriptedModel(
            scripts[index % len(scripts)],
            self.name,
            usage=self.usage,
            cost_usd=self.cost_usd,
            repeat_last=self.repeat_last,
        )

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        if self.repeat_last and self.position >= len(self.replies) > 0:
            self.position = len(self.replies) - 1
        if self.position >= len(self.replies):
            raise ScriptError(f"{self.name}: all {len(self.replies)} scripted replies are used")
        reply, index = self.replies[self.position], self.position
        self.position += 1
        self.requests.append(list(messages))
        if isinstance(reply, Message):
            return Completion(
                message=reply,
                usage=self.usage or Usage(),
                cost_usd=self.cost_usd,
                stop_reason="tool_use" if reply.tool_calls else "end_turn",
                raw_id=f"scripted-{index}",
                model=self.name,
            )
        if reply.expect:
            _check(reply.expect, messages, tools, f"{self.name} reply {index}")
        calls = tuple(_call(f"call-{index}-{i}", c) for i, c in enumerate(reply.tool_calls))
        message = Message(role="assistant", content=reply.content, tool_calls=calls)
        return Completion(
            message=message,
            usage=self.usage or _usage(reply, messages, message),
            cost_usd=self.cost_usd,
            stop_reason=reply.stop_reason or ("tool_use" if calls else "end_turn"),
            raw_id=f"scripted-{index}",
            model=self.name,
        )


def _call(call_id: str, call: ScriptedCall) -> ToolCall:
    if isinstance(call.arguments, str):
        return parse_arguments(call_id, call.name, call.arguments)
    return ToolCall(id=call_id, name=call.name, arguments=call.arguments)


def _check(
    expect: ScriptedExpect, messages: list[Message], tools: list[ToolSpec], where: str
) -> None:
    last = messages[-1].content if messages else ""
    wanted = expect.last_message_contains
    if wanted is not None and wanted not in last:
        raise ScriptError(f"{where}: expected the last message to contain {wanted!r}; got {last!r}")
    missing = set(expect.tools_include) - {t.name for t in tools}
    if missing:
        raise ScriptError(f"{where}: expected tools {sorted(missing)} among those sent")


def _usage(reply: ScriptedReply, messages: list[Message], message: Message) -> Usage:
    out_text = message.content + "".join(json.dumps(c.arguments) for c in message.tool_calls)
    estimated = {
        "input_tokens": estimate_messages_tokens(m.content for m in messages),
        "output_tokens": max(1, estimate_tokens(out_text)),
    }
    return Usage.from_dict({**estimated, **reply.usage})


class ReplayModel:
    """Returns the completions recorded in a trajectory, in order, at zero cost. Lines other
    than `{"type": "completion", "completion": {...}}` are ignored."""

    def __init__(self, completions: list[Completion], name: str = "replay:inline") -> None:
        self.name = name
        self.completions = completions
        self.position = 0

    @classmethod
    def from_file(cls, path: Path) -> ReplayModel:
        completions, chosen = [], ""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ScriptError(f"cannot read trajectory {path}: {exc}") from exc
        agents = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if record.get("type") == "completion":
                    completions.append(Completion.from_dict(record["completion"]))
                    agents.append(str(record.get("agent", "0")))
                elif record.get("type") == "attempts" and record.get("chosen"):
                    chosen = str(record["chosen"])
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise ScriptError(f"{path}:{number}: not a trajectory record: {exc}") from exc
        if chosen:  # parallel attempts: the chosen one's replies (and its sub-agents')
            completions = [
                c for c, a in zip(completions, agents, strict=True) if _of_agent(a, chosen)
            ]
        return cls(completions, name=f"replay:{path}")

    def for_attempt(self, index: int) -> ReplayModel:
        """A fresh model (from the first reply) for parallel attempt `index`."""
        del index
        return ReplayModel(self.completions, self.name)

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        if self.position >= len(self.completions):
            raise ScriptError(
                f"{self.name}: the trajectory has no more completions "
                f"({len(self.completions)} recorded); the run diverged from the recording"
            )
        recorded = self.completions[self.position]
        self.position += 1
        return Completion(
            message=recorded.message,
            usage=recorded.usage,
            cost_usd=0.0,
            stop_reason=recorded.stop_reason,
            latency_s=0.0,
            raw_id=recorded.raw_id,
            model=self.name,
        )


def _of_agent(agent: str, label: str) -> bool:
    """Whether a record's `agent` is `label` or one of its sub-agents ('0.a2', '0.a2.1')."""
    return agent == label or agent.startswith(label + ".")
