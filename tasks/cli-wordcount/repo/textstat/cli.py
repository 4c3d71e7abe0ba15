"""The command line: argument parsing and output formatting."""

from __future__ import annotations

import argparse
import sys
from typing import IO, Sequence

from .counting import Counts, count_text


def _format(counts: Counts, name: str, args: argparse.Namespace) -> str:
    show_all = not (args.lines or args.words or args.chars)
    fields = []
    if show_all or args.lines:
        fields.append(counts.lines)
    if show_all or args.words:
        fields.append(counts.words)
    if show_all or args.chars:
        fields.append(counts.chars)
    return "".join(f"{n:>7} " for n in fields) + name


def main(argv: Sequence[str] | None = None, stdin: IO[str] | None = None,
         stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="textstat")
    parser.add_argument("-l", "--lines", action="store_true")
    parser.add_argument("-w", "--words", action="store_true")
    parser.add_argument("-c", "--chars", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            with open(name, encoding="utf-8") as handle:
                counts = count_text(handle.read())
        except FileNotFoundError:
            print(f"textstat: {name}: No such file or directory", file=stderr)
            status = 1
            continue
        print(_format(counts, name, args), file=stdout)
    return status
