"""Validation and parser errors rewritten as short text a person can act on. Pure: no I/O.

pydantic's own rendering (a header, one block per error, a documentation link) and the YAML
parser's (`in "<unicode string>", line 1`) are for developers; devagent names the file, the
line, the key and what is wrong with it, on one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

Loc = tuple[str | int, ...]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is (`loc`, the key path) and what is wrong with it."""

    loc: Loc
    message: str

    @property
    def key(self) -> str:
        return dotted(self.loc)


def dotted(loc: Sequence[str | int]) -> str:
    """`('budget', 'max_usd')` as `budget.max_usd`, list indexes as `[0]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_error(error: Any) -> str:
    """One pydantic error dict as a short phrase (no type code, no link)."""
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {_shown(error['input'])})"
    return message[:1].lower() + message[1:]


def problems(exc: ValidationError) -> list[Problem]:
    """The errors of `exc`, one `Problem` each, key paths without pydantic's tagged-union parts."""
    return [
        Problem(tuple(p for p in err["loc"] if not _internal(p)), describe_error(err))
        for err in exc.errors()
    ]


def summary(exc: ValidationError, limit: int = 3) -> str:
    """`key: what is wrong` for the first `limit` errors of `exc`, on one line."""
    found = problems(exc)
    text = "; ".join(f"{p.key}: {p.message}" if p.key else p.message for p in found[:limit])
    more = len(found) - limit
    return text + (f"; and {more} more" if more > 0 else "")


def _internal(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def key_line(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of `text` (TOML or YAML) where the key path `loc` is written, found by
    looking for each key in turn after the previous one; None when a key is not found."""
    keys = [str(p) for p in loc if isinstance(p, str)]
    if not keys:
        return None
    lines = text.splitlines()
    start, found = 0, None
    for key in keys:
        name = re.escape(key)
        pattern = re.compile(rf"^\s*\[*\s*(?:[\w\"'-]+\s*\.\s*)*[\"']?{name}[\"']?\s*[]:=.]")
        hit = next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)
        if hit is None:
            return found
        start, found = hit, hit + 1
    return found


def toml_position(exc: Exception) -> tuple[int | None, str]:
    """(line, message without its position) of a `tomllib.TOMLDecodeError`."""
    text = str(exc)
    match = _TOML_POSITION.search(text)
    if match:
        return int(match.group(1)), text[: match.start()]
    return None, _TOML_END.sub(" at the end of the file", text)


def yaml_position(exc: Exception) -> tuple[int | None, str]:
    """(0-based line, message) of a `yaml.YAMLError`, without the parser's `<unicode string>`
    location lines."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}, {problem}" if context else str(problem)
    return (mark.line if mark is not None else None), message


def located(source: str, line: int | None) -> str:
    """`file:line` (or the file alone when the line is unknown)."""
    return f"{source}:{line}" if line else source
