"""Read CSV text into dict rows keyed by the header."""

from __future__ import annotations

from typing import Iterable


def parse_line(line: str) -> list[str]:
    return [field.strip() for field in line.split(",")]


def read_rows(lines: Iterable[str]) -> list[dict[str, str]]:
    iterator = iter(lines)
    try:
        header = parse_line(next(iterator).rstrip("\r\n"))
    except StopIteration:
        return []
    rows = []
    for number, line in enumerate(iterator, start=2):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        fields = parse_line(line)
        if len(fields) != len(header):
            raise ValueError(f"row {number} has {len(fields)} fields, expected {len(header)}")
        rows.append(dict(zip(header, fields)))
    return rows
