"""Find where a hunk's "before" lines sit in a file, or say why no single place fits. Pure.

The search goes from strict to loose and stops at the first level that finds any place: the
whole block (exactly or ignoring whitespace), then the block without one, two, ... of its
leading/trailing context lines (the model invented or misremembered them), then a bounded fuzzy
alignment in which every removed line must still be found. At each level, two different places
are an ambiguity (refused): a model's line numbers are weak evidence. Only when the caller says
the numbers are trustworthy (`trust_hint`: every other hunk of the diff landed exactly at its
stated line) does the one place at the stated line win. A fuzzy place that explains too few of
the hunk's lines is far-fetched (refused).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devagent.tools.diffparse import Op

FUZZ_MIN_SCORE = 0.7
"""Share of the hunk's "before" lines a fuzzy place must explain."""
FUZZ_MIN_LINES = 4
"""Hunks shorter than this are never matched fuzzily."""
FUZZ_TIE_MARGIN = 0.15
"""A second place scoring within this margin of the best one makes the match ambiguous."""
_MAX_STARTS = 400


def exact_key(line: str) -> str:
    return line.rstrip("\r")


def loose_key(line: str) -> str:
    return " ".join(line.split())


@dataclass(frozen=True)
class Placement:
    mapping: dict[int, int]
    """Index in the hunk's ops -> index of the file line it matched. Unmatched context ops
    (the model's invented lines) are absent; '+' ops are never in it."""
    how: str

    @property
    def start(self) -> int:
        return min(self.mapping.values())

    @property
    def end(self) -> int:
        return max(self.mapping.values()) + 1


@dataclass(frozen=True)
class NoPlace:
    reason: str
    ambiguous_lines: tuple[int, ...] = ()
    """0-based file lines where equally good matches start, when the reason is ambiguity."""


def locate(
    lines: Sequence[str], ops: Sequence[Op], expected: int | None, *, trust_hint: bool = False
) -> Placement | NoPlace:
    """Where `ops`' before-block sits in `lines`; `expected` is the model's 0-based line hint,
    which decides between equal places only with `trust_hint`."""
    before = [i for i, (kind, _) in enumerate(ops) if kind != "+"]
    if not before:
        return NoPlace("the hunk has no context or removed lines to locate it by")
    keys_by_norm = {norm: [norm(line) for line in lines] for norm in (exact_key, loose_key)}
    for variants in _trims(ops, before):
        places: dict[tuple[int, ...], Placement] = {}
        for trimmed in variants:
            for norm, how in ((exact_key, "exact"), (loose_key, "whitespace")):
                block_keys = [norm(ops[i][1]) for i in trimmed]
                for start in _find_all(keys_by_norm[norm], block_keys):
                    mapping = {op: start + j for j, op in enumerate(trimmed)}
                    label = how if len(trimmed) == len(before) else f"{how}, trimmed context"
                    places.setdefault(tuple(sorted(mapping.values())), Placement(mapping, label))
        if places:
            return _choose(list(places.values()), ops, expected if trust_hint else None)
    return _fuzzy(keys_by_norm[loose_key], ops, before, expected)


def _trims(ops: Sequence[Op], before: list[int]) -> list[list[list[int]]]:
    """The before-block, then variants without some leading/trailing context, grouped by how
    many lines they drop (fewest first): variants of one group are equally plausible."""
    changes = [i for i, (kind, _) in enumerate(ops) if kind != " "]
    lead = sum(1 for i in before if i < changes[0]) if changes else 0
    trail = sum(1 for i in before if i > changes[-1]) if changes else 0
    keep_at_least = max(1, (len(before) + 1) // 2)
    groups = []
    for total in range(lead + trail + 1):
        group = []
        for i in range(max(0, total - trail), min(lead, total) + 1):
            block = before[i : len(before) - (total - i)]
            if len(block) >= keep_at_least and any(ops[k][1].strip() for k in block):
                group.append(block)
        groups.append(group)
    return groups


def _find_all(keys: list[str], block: list[str]) -> list[int]:
    if not block:
        return []
    first, n = block[0], len(block)
    return [s for s in range(len(keys) - n + 1) if keys[s] == first and keys[s : s + n] == block]


def _choose(
    places: list[Placement], ops: Sequence[Op], expected: int | None
) -> Placement | NoPlace:
    if len(places) == 1:
        return places[0]
    if expected is not None:
        at_hint = [p for p in places if _hunk_start(p, ops) == expected]
        if len(at_hint) == 1:
            return Placement(at_hint[0].mapping, f"{at_hint[0].how}, chosen by its line number")
    starts = tuple(sorted(_hunk_start(p, ops) for p in places))
    return NoPlace(f"the hunk matches {len(places)} places equally well", starts)


def _hunk_start(place: Placement, ops: Sequence[Op]) -> int:
    """The file line where the hunk's first before-line would be, given this placement."""
    op, line = min(place.mapping.items(), key=lambda item: item[1])
    skipped = sum(1 for i in range(op) if ops[i][0] != "+")
    return line - skipped


def _fuzzy(
    keys: list[str], ops: Sequence[Op], before: list[int], expected: int | None
) -> Placement | NoPlace:
    if len(before) < FUZZ_MIN_LINES:
        return NoPlace("no exact or whitespace-insensitive match")
    scored = _fuzzy_candidates(keys, ops, before, expected)
    if not scored or scored[0][0] < FUZZ_MIN_SCORE:
        return NoPlace("no place in the file is close enough")
    best_score, best = scored[0]
    rivals = [p for s, p in scored[1:] if s >= best_score - FUZZ_TIE_MARGIN and _apart(p, best)]
    if rivals:
        starts = tuple(sorted({_hunk_start(p, ops) for p in (best, *rivals)}))
        return NoPlace("the hunk is about as close to several places", starts)
    return best


def _apart(a: Placement, b: Placement) -> bool:
    return a.end <= b.start or b.end <= a.start


def _fuzzy_candidates(
    keys: list[str], ops: Sequence[Op], before: list[int], expected: int | None
) -> list[tuple[float, Placement]]:
    """Fuzzy placements whose removed lines are all found, best first (nearest hint on ties)."""
    block = [loose_key(ops[i][1]) for i in before]
    n = len(block)
    slack = max(2, n // 4)
    found: dict[tuple[int, ...], tuple[float, Placement]] = {}
    for start in candidate_starts(keys, block, expected):
        lo = max(0, start - slack)
        window = keys[lo : start + n + slack]
        matcher = difflib.SequenceMatcher(None, block, window, autojunk=False)
        blocks = matcher.get_matching_blocks()
        mapping = {before[m.a + k]: lo + m.b + k for m in blocks for k in range(m.size)}
        if not mapping or any(ops[i][0] == "-" and i not in mapping for i in before):
            continue
        place = Placement(mapping, "fuzzy")
        score = len(mapping) / max(n, place.end - place.start)
        found[tuple(sorted(mapping.values()))] = (score, place)
    hint = expected if expected is not None else 0
    return sorted(found.values(), key=lambda sp: (-sp[0], abs(sp[1].start - hint)))


def candidate_starts(keys: list[str], block: list[str], expected: int | None) -> list[int]:
    """File lines where `block` could start, judging by its rarer lines."""
    index: dict[str, list[int]] = defaultdict(list)
    wanted = {k for k in block if k}
    for i, key in enumerate(keys):
        if key in wanted:
            index[key].append(i)
    starts = {pos - j for j, key in enumerate(block) if key for pos in index.get(key, ())}
    hint: Callable[[int], int] = lambda s: abs(s - (expected or 0))  # noqa: E731
    return sorted(starts, key=hint)[:_MAX_STARTS]


def closest_lines(lines: Sequence[str], ops: Sequence[Op], expected: int | None) -> range:
    """The file lines most like the hunk's before-block, to show the model after a failure."""
    block = [loose_key(text) for kind, text in ops if kind != "+"]
    keys = [loose_key(line) for line in lines]
    n = max(1, len(block))
    best, best_score = (expected or 0), -1.0
    for start in candidate_starts(keys, block, expected):
        start = max(0, start)
        score = difflib.SequenceMatcher(None, block, keys[start : start + n]).ratio()
        if score > best_score:
            best, best_score = start, score
    best = min(max(0, best), max(0, len(lines) - n))
    return range(best, min(len(lines), best + n))


def find_after_block(lines: Sequence[str], ops: Sequence[Op]) -> int | None:
    """Where the hunk's after-block already is (whitespace aside): a sign it was applied."""
    block = [loose_key(text) for kind, text in ops if kind != "-"]
    if not any(kind == "+" for kind, _ in ops) or not any(block):
        return None
    found = _find_all([loose_key(line) for line in lines], block)
    return found[0] if found else None


def indent_fix(lines: Sequence[str], ops: Sequence[Op], place: Placement) -> Callable[[str], str]:
    """How to re-indent added lines when every matched line of the hunk is indented by the same
    amount more (or less) in the file than in the hunk; identity otherwise."""
    shifts = set()
    for op, j in place.mapping.items():
        text, actual = ops[op][1], lines[j]
        if not text.strip():
            continue
        ours, theirs = _indent(text), _indent(actual)
        if theirs == ours:
            shifts.add(("", ""))
        elif theirs.endswith(ours):
            shifts.add(("add", theirs[: len(theirs) - len(ours)]))
        elif ours.endswith(theirs):
            shifts.add(("cut", ours[: len(ours) - len(theirs)]))
        else:
            return _same
    if len(shifts) != 1:
        return _same
    kind, delta = shifts.pop()
    if kind == "add":
        return lambda text: delta + text if text.strip() else text
    if kind == "cut":
        return lambda text: text.removeprefix(delta)
    return _same


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _same(text: str) -> str:
    return text
