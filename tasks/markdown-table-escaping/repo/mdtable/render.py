"""Render rows (dicts) as a padded GitHub-flavoured Markdown table."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

_SEPARATORS = {"left": ":{}", "right": "{}:", "center": ":{}:", None: "{}"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _separator(width: int, align: str | None) -> str:
    pattern = _SEPARATORS[align]
    return pattern.format("-" * (width - pattern.count(":") if width > 3 else 3))


def _pad(text: str, width: int, align: str | None) -> str:
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    align: Mapping[str, str] | None = None,
) -> str:
    align = dict(align or {})
    for name, how in align.items():
        if how not in ("left", "right", "center"):
            raise ValueError(f"column {name!r}: unknown alignment {how!r}")
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    table = [[_cell(row.get(name)) for name in columns] for row in rows]
    widths = [max([len(name), 3, *(len(r[i]) for r in table)]) for i, name in enumerate(columns)]
    lines = [
        "| " + " | ".join(_pad(n, w, align.get(n)) for n, w in zip(columns, widths)) + " |",
        "| " + " | ".join(_separator(w, align.get(n)) for n, w in zip(columns, widths)) + " |",
    ]
    for cells in table:
        padded = (_pad(c, w, align.get(n)) for c, w, n in zip(cells, widths, columns))
        lines.append("| " + " | ".join(padded) + " |")
    return "\n".join(lines) + "\n"
