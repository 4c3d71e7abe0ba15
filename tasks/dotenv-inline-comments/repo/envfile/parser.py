"""A .env parser: one KEY=value per line."""

from __future__ import annotations

import re

_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class EnvSyntaxError(ValueError):
    def __init__(self, lineno: int, line: str) -> None:
        super().__init__(f"line {lineno}: cannot parse {line!r}")
        self.lineno = lineno


def _value(raw: str, env: dict[str, str]) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        quote, inner = raw[0], raw[1:-1]
        if quote == "'":
            return inner
        inner = inner.replace("\\n", "\n").replace('\\"', '"')
        return _expand(inner, env)
    return _expand(raw, env)


def _expand(text: str, env: dict[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m[1], ""), text)


def parse(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if not match:
            raise EnvSyntaxError(lineno, line)
        env[match[1]] = _value(match[2], env)
    return env
