"""One-line descriptions of tool calls and their outcomes, for people watching a run. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from devagent.agent.testfiles import patch_paths
from devagent.tools.names import escape_name

WIDTH = 90
"""The longest description; longer ones end in `…`."""
_SPACE = re.compile(r"\s+")


def one_line(text: str, width: int = WIDTH, *, newline: str = " ") -> str:
    """`text` on one line: each line's whitespace runs become one space, lines are joined with
    `newline` (a command's show as ` ⏎ `), and the whole is cut at `width` with `…`."""
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    flat = escape_name(newline.join(line for line in lines if line))
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _detail(name: str, args: Mapping[str, Any]) -> str:
    if name == "view":
        path, start, end = args.get("path", "."), args.get("start_line"), args.get("end_line")
        return f"{path}:{start}-{end or ''}" if start else str(path)
    if name == "search":
        where = args.get("path") or "."
        return f'"{args.get("pattern", "")}"' + (f" in {where}" if where != "." else "")
    if name == "apply_patch":
        return ", ".join(patch_paths(str(args.get("patch", "")))) or "(no file)"
    if name == "run_tests":
        selection = args.get("selection") or []
        return " ".join([selection] if isinstance(selection, str) else map(str, selection))
    if name == "plan":
        return f"({len(args.get('steps') or [])} steps)"
    for key in ("command", "path", "name", "goal", "focus"):
        if isinstance(args.get(key), str):
            return str(args[key])
    return ""


def describe_call(name: str, args: Mapping[str, Any]) -> str:
    """`view src/x.py:10-40`, `run pytest -q`, `apply_patch a.py, b.py`: the tool and what it
    was pointed at, on one line (a multi-line command shows as one)."""
    detail = _detail(name, args) if isinstance(args, Mapping) else ""
    return one_line(f"{name} {detail}".strip(), newline=" ⏎ ")


def describe_outcome(ok: bool, data: Mapping[str, Any] | None, text: str) -> str:
    """What to say after a call's description: `""` when it went well, else a short reason:
    `exit 1`, `timed out`, `3 failed`, or the first line of the observation."""
    data = data or {}
    if ok:
        return ""
    if data.get("timed_out"):
        return "timed out"
    summary = data.get("summary")
    if isinstance(summary, Mapping) and (summary.get("failed") or summary.get("errors")):
        parts = [f"{summary[k]} {k}" for k in ("failed", "errors") if summary.get(k)]
        return ", ".join(parts)
    code = data.get("exit_code")
    if isinstance(code, int) and code != 0:
        return f"exit {code}"
    first = text.strip().splitlines()[:1]
    return one_line(first[0], 70) if first else "failed"
