"""The text the model reads after an edit: what changed, or what failed and what to do next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from devagent.tools.names import escape_name
from devagent.tools.patch import HunkFailure

_MAX_SHOWN = 12


def numbered(lines: Sequence[tuple[int, str]]) -> str:
    return "\n".join(f"{number:>6} | {text}" for number, text in lines[:_MAX_SHOWN]) + (
        f"\n       ... ({len(lines) - _MAX_SHOWN} more lines)" if len(lines) > _MAX_SHOWN else ""
    )


def hunk_failure_text(failure: HunkFailure) -> str:
    path = escape_name(failure.path)
    where = f"{path}, hunk {failure.hunk}" if failure.hunk else path
    parts = [f"{where}: {failure.reason}."]
    if failure.candidates:
        lines = ", ".join(str(n) for n in failure.candidates[:10])
        parts.append(
            f"It fits at lines {lines}. Add unchanged lines around the change so that it "
            "fits only one place."
        )
    if failure.already_applied_at is not None:
        parts.append(
            f"The hunk's result is already in {path} at line "
            f"{failure.already_applied_at}: was it already applied?"
        )
    if failure.closest and not failure.candidates:
        parts.append(f"Closest lines in {path}:\n{numbered(failure.closest)}")
    return "\n".join(parts)


def patch_failure_text(failures: Sequence[HunkFailure]) -> str:
    body = "\n\n".join(hunk_failure_text(f) for f in failures)
    return (
        "apply_patch failed; no file was changed.\n\n"
        f"{body}\n\n"
        "Fix the failing hunks so their context and '-' lines match the file's current text "
        "(view the file if unsure), then send the whole patch again."
    )


def change_summary(contents: Mapping[str, str | None], existed: Mapping[str, bool]) -> str:
    lines = []
    for raw, text in contents.items():
        path = escape_name(raw)
        if text is None:
            lines.append(f"deleted {path}")
        elif existed.get(raw):
            lines.append(f"modified {path}")
        else:
            lines.append(f"created {path}")
    return "\n".join(lines)
