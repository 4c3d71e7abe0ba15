"""The slash commands of a chat (`/diff`, `/undo`, `/apply`...): each returns text to show.

`/apply` goes through `delivery.apply_to_tree` (the same checks as `solve --apply`: three-way,
refusing and changing nothing on a conflict). `/commit` never touches the person's checkout: it
commits the session's patch on top of the session's base commit as branch `devagent/chat-<id>`
(created or replaced), which they can merge or cherry-pick; their HEAD, index and tree stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from devagent.chat.session import ChatSession
from devagent.delivery import Author, apply_to_tree, commit_to_branch
from devagent.deliverypolicy import review_patch
from devagent.errors import DevagentError
from devagent.llm.types import Model
from devagent.tools.run import detect_test_command, render_exec
from sandbox import SandboxError

HELP = """\
/diff          everything changed so far (against where the session started)
/undo          revert the last approved change (repeatable)
/test          run the tests in the sandbox
/run CMD       run CMD in the sandbox
/apply         apply the session's changes to your working tree (three-way; refuses on conflict)
/commit [MSG]  commit the session's changes as branch devagent/chat-<id> (your checkout stays)
               (changes to CI, hooks or devagent's config, mass deletions and invisible
               characters need /apply --yes or /commit --yes [MSG])
/model NAME    switch model, e.g. /model anthropic:claude-sonnet-4-6
/budget        tokens and cost so far, and the limits
/clear         forget the conversation (changes stay)
/help          this list
/exit          end the session (Ctrl-D too); resume later with --resume <id>
Input: end a line with \\ to continue it, or wrap a block in \"\"\" lines."""

Kind = Literal["text", "diff", "error"]


@dataclass
class CommandResult:
    text: str
    kind: Kind = "text"
    exit: bool = False


@dataclass
class CommandEnv:
    """What the commands act on besides the session."""

    session: ChatSession
    repo: Path
    session_id: str
    base: str
    build_model: Callable[[str], Model]
    author: Author = field(default_factory=lambda: Author("devagent", "devagent@localhost"))


def is_command(line: str) -> bool:
    return line.startswith("/") and not line.startswith("//")


def run_command(line: str, env: CommandEnv) -> CommandResult:
    """Run one slash command line; an unknown command or a refused delivery is an error text."""
    name, _, arg = line.strip().partition(" ")
    handler = HANDLERS.get(name.lower())
    if handler is None:
        return CommandResult(f"unknown command {name}; /help lists them", "error")
    try:
        return handler(env, arg.strip())
    except (DevagentError, SandboxError) as exc:
        return CommandResult(f"{name}: {exc}", "error")


def _diff(env: CommandEnv, arg: str) -> CommandResult:
    patch = _patch(env)
    return CommandResult(patch, "diff") if patch.strip() else CommandResult("no changes yet")


def _patch(env: CommandEnv) -> str:
    workspace = env.session.workspace
    return workspace.diff(since_start=True)


def _undo(env: CommandEnv, arg: str) -> CommandResult:
    if not env.session.undo():
        return CommandResult("nothing to undo", "error")
    left = len(env.session.undo_points)
    return CommandResult(f"reverted the last change ({left} more undo point(s))")


def _test(env: CommandEnv, arg: str) -> CommandResult:
    session = env.session
    command = session.chat.test_command or detect_test_command(session.workspace.tree)
    if command is None:
        return CommandResult("no test command known; start the chat with --test CMD", "error")
    return _exec(env, command + (f" {arg}" if arg else ""))


def _run(env: CommandEnv, arg: str) -> CommandResult:
    if not arg:
        return CommandResult("usage: /run CMD", "error")
    return _exec(env, arg)


def _exec(env: CommandEnv, command: str) -> CommandResult:
    session, timeout = env.session, env.session.chat.command_timeout
    session.record("command", command=command)
    try:
        result = session.ctx.sandbox.exec(command, timeout=timeout)
    except KeyboardInterrupt:
        session.fresh_sandbox()
        return CommandResult(f"$ {command}\ninterrupted; the sandbox was restarted", "error")
    kind: Kind = "text" if result.ok else "error"
    return CommandResult(f"$ {command}\n{render_exec(result, timeout)}", kind)


def _needs_yes(name: str, patch: str, arg: str) -> tuple[CommandResult | None, str]:
    """An error listing what needs the person's review, unless `arg` starts with --yes; and
    `arg` without it."""
    confirmed = arg == "--yes" or arg.startswith("--yes ")
    rest = arg.removeprefix("--yes").strip()
    concerns = review_patch(patch)
    if concerns and not confirmed:
        listed = "\n".join(f"  - {c}" for c in concerns)
        text = f"the changes need your review first:\n{listed}\nrun {name} --yes to go ahead"
        return CommandResult(text, "error"), rest
    return None, rest


def _apply(env: CommandEnv, arg: str) -> CommandResult:
    refused, _ = _needs_yes("/apply", _patch(env), arg)
    if refused is not None:
        return refused
    result = apply_to_tree(env.repo, _patch(env))
    how = " (three-way merge)" if result.three_way else ""
    return CommandResult(f"applied to {env.repo}{how}: {', '.join(result.files)}")


def _commit(env: CommandEnv, arg: str) -> CommandResult:
    patch = env.session.workspace.diff()
    if not patch.strip():
        return CommandResult("no changes to commit", "error")
    refused, arg = _needs_yes("/commit", patch, arg)
    if refused is not None:
        return refused
    branch = f"devagent/chat-{env.session_id}"
    message = (arg or f"devagent chat session {env.session_id}").strip() + "\n"
    sha = commit_to_branch(env.repo, patch, branch, message, env.author, base=env.base)
    return CommandResult(
        f"committed {sha[:12]} on branch {branch} (your checkout is unchanged; "
        f"`git merge {branch}` or `git cherry-pick {sha[:12]}` to take it)"
    )


def _model(env: CommandEnv, arg: str) -> CommandResult:
    if not arg:
        return CommandResult(f"model: {env.session.model.name}")
    env.session.model = env.build_model(arg)
    env.session.record("note", text=f"model switched to {arg}")
    return CommandResult(f"model: {env.session.model.name}")


def _budget(env: CommandEnv, arg: str) -> CommandResult:
    budget = env.session.budget
    lines = [
        f"tokens: {budget.usage.input_tokens} in, {budget.usage.output_tokens} out"
        f" ({budget.usage.cached_tokens} cached); cost ${budget.usd:.4f}; steps {budget.steps}"
    ]
    for kind, value in budget.snapshot().items():
        limit = value["limit"]
        lines.append(f"  {kind}: {value['used']:.4g} of {'no limit' if limit is None else limit}")
    return CommandResult("\n".join(lines))


def _clear(env: CommandEnv, arg: str) -> CommandResult:
    env.session.clear()
    return CommandResult("conversation cleared (the workspace changes stay)")


def _help(env: CommandEnv, arg: str) -> CommandResult:
    return CommandResult(HELP)


def _exit(env: CommandEnv, arg: str) -> CommandResult:
    return CommandResult("bye", exit=True)


HANDLERS: dict[str, Callable[[CommandEnv, str], CommandResult]] = {
    "/diff": _diff,
    "/undo": _undo,
    "/test": _test,
    "/run": _run,
    "/apply": _apply,
    "/commit": _commit,
    "/model": _model,
    "/budget": _budget,
    "/clear": _clear,
    "/help": _help,
    "/exit": _exit,
    "/quit": _exit,
}
