"""Perturb correct unified diffs the ways models get them wrong, for perf/patch_bench.py."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

Texts = tuple[str, str, str]
"""(diff, file before, file after)."""


def _split(diff: str) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """File header lines, and each hunk as (old start, new start, body lines)."""
    lines = diff.splitlines()
    header: list[str] = []
    hunks: list[tuple[int, int, list[str]]] = []
    for line in lines:
        match = HEADER.match(line)
        if match:
            hunks.append((int(match.group(1)), int(match.group(3)), []))
        elif hunks:
            hunks[-1][2].append(line)
        else:
            header.append(line)
    return header, hunks


def _join(header: list[str], hunks: list[tuple[int, int, list[str]]]) -> str:
    out = list(header)
    for old, new, body in hunks:
        n_old = sum(1 for b in body if b[:1] in " -")
        n_new = sum(1 for b in body if b[:1] in " +")
        out.append(f"@@ -{old},{n_old} +{new},{n_new} @@")
        out.extend(body)
    return "\n".join(out) + "\n"


def shift_numbers(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    header, hunks = _split(diff)
    k = rng.choice([-9, -4, -2, 3, 6, 15, 40])
    return _join(header, [(max(1, o + k), max(1, n + k), b) for o, n, b in hunks]), before, after


def no_numbers(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    text = "\n".join("@@ ... @@" if HEADER.match(x) else x for x in diff.splitlines()) + "\n"
    return text, before, after


def drop_context(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    """Drop 1-2 leading and trailing context lines of each hunk, keeping at least one on each
    side and one non-blank context line (a hunk with no usable context cannot be located)."""
    header, hunks = _split(diff)
    out = []
    for old, new, body in hunks:
        lead = _run_of_context(body)
        trail = _run_of_context(body[::-1])
        drop_lead = rng.randint(1, min(2, lead - 1)) if lead > 1 else 0
        drop_trail = rng.randint(1, min(2, trail - 1)) if trail > 1 else 0
        kept = body[drop_lead : len(body) - drop_trail]
        if not any(b.startswith(" ") and b.strip() for b in kept):
            kept, drop_lead = body, 0
        out.append((old + drop_lead, new + drop_lead, kept))
    return _join(header, out), before, after


def _run_of_context(body: list[str]) -> int:
    count = 0
    for line in body:
        if not line.startswith(" "):
            break
        count += 1
    return 0 if count == len(body) else count


def invented_context(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    """One context line the file does not have, at the start or end of each hunk."""
    header, hunks = _split(diff)
    out = []
    for old, new, body in hunks:
        line = rng.choice([" # (unchanged)", "     pass", " }", " return result"])
        out.append((old, new, [line, *body] if rng.random() < 0.5 else [*body, line]))
    return _join(header, out), before, after


def whitespace_drift(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    """Context and removed lines lose trailing spaces, blank ones their prefix, some gain one."""
    lines = []
    for line in diff.splitlines():
        if line[:1] in (" ", "-") and not line.startswith("--- "):
            body = line[1:].rstrip()
            line = line[0] + body + (" " if body and rng.random() < 0.3 else "")
            line = "" if line == " " else line
            if body.startswith("    ") and rng.random() < 0.2:
                line = line[0] + "\t" + body[4:]
        lines.append(line)
    return "\n".join(lines) + "\n", before, after


def no_prefixes(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    text = re.sub(r"^(---|\+\+\+) [ab]/", r"\1 ", diff, flags=re.MULTILINE)
    return text, before, after


def crlf_diff(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    return diff.replace("\n", "\r\n"), before, after


def crlf_file(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    return diff, before.replace("\n", "\r\n"), after.replace("\n", "\r\n")


def mixed(diff: str, before: str, after: str, rng: random.Random) -> Texts:
    for step in (shift_numbers, drop_context, whitespace_drift, no_prefixes):
        diff, before, after = step(diff, before, after, rng)
    return diff, before, after


PERTURBATIONS: dict[str, Callable[[str, str, str, random.Random], Texts]] = {
    "shifted line numbers": shift_numbers,
    "no line numbers": no_numbers,
    "dropped context": drop_context,
    "invented context": invented_context,
    "whitespace drift": whitespace_drift,
    "no a/ b/ prefixes": no_prefixes,
    "CRLF diff": crlf_diff,
    "CRLF file": crlf_file,
    "mixed": mixed,
}


def make_ambiguous(diff: str, before: str, rng: random.Random) -> tuple[str, str] | None:
    """A single-hunk diff whose before-block is duplicated at the file's end, with line
    numbers pointing at neither copy: (diff, new before). None if the diff does not fit."""
    header, hunks = _split(diff)
    if len(hunks) != 1:
        return None
    old, _new, body = hunks[0]
    block = [b[1:] for b in body if b[:1] in " -"]
    if len(block) < 3:
        return None
    lines = before.splitlines()
    doubled = "\n".join([*lines, "", *block]) + "\n"
    far = [n for n in range(1, len(lines) + len(block)) if abs(n - old) > 20]
    far = [n for n in far if abs(n - (len(lines) + 2)) > 20]
    if not far:
        return None
    start = rng.choice(far)
    return _join(header, [(start, start, body)]), doubled
