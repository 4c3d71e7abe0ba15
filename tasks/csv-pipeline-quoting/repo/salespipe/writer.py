"""Write dict rows as CSV text."""

from __future__ import annotations

from typing import IO, Sequence


def write_rows(out: IO[str], header: Sequence[str], rows: list[dict[str, object]]) -> None:
    out.write(",".join(header) + "\n")
    for row in rows:
        out.write(",".join(str(row[name]) for name in header) + "\n")
