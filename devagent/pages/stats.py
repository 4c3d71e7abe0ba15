"""Interval estimates for resolve rates: Wilson's score interval for one rate, Newcombe's
hybrid score interval (his method 10) for the paired difference of two rates on the same
tasks, and McNemar's exact test. Pure arithmetic on counts.

Why these: a bench has tens of tasks, where the textbook `p ± z·sqrt(p(1-p)/n)` (Wald)
collapses to a zero-width interval at 0 or n successes and covers badly near them; Wilson's
interval does not. Two runs on the same tasks are paired: a task easy for one run is easy for
the other, so the difference is more precise than two independent rates suggest. Newcombe's
method 10 combines the two Wilson intervals with the correlation of the pairs (the phi
coefficient, with his continuity adjustment), is closed-form and stays inside [-1, 1]
(Newcombe, Statistics in Medicine 17, 1998, 2635-2650).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Rate:
    """`successes` of `n`, with its Wilson interval."""

    successes: int
    n: int
    interval: Interval

    @property
    def value(self) -> float:
        return self.successes / self.n if self.n else 0.0


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson's score interval for a proportion; [0, 1] when there is nothing to estimate from."""
    if n <= 0:
        return Interval(0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes of {n} is not a proportion")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def rate(successes: int, n: int, z: float = Z95) -> Rate:
    return Rate(successes, n, wilson(successes, n, z))


@dataclass(frozen=True)
class PairedCounts:
    """The tasks graded in both runs, by outcome in run A and run B."""

    both: int
    """Resolved in A and in B."""
    a_only: int
    """Resolved in A, not in B (flipped to unresolved)."""
    b_only: int
    """Resolved in B, not in A (flipped to resolved)."""
    neither: int

    @property
    def n(self) -> int:
        return self.both + self.a_only + self.b_only + self.neither


@dataclass(frozen=True)
class PairedDifference:
    """B's resolve rate minus A's on the same tasks, with its interval and McNemar's p."""

    counts: PairedCounts
    difference: float
    interval: Interval
    p_value: float


def phi(counts: PairedCounts) -> float:
    """The correlation of the pairs with Newcombe's adjustment: `ad - bc` is shrunk by n/2
    toward 0 when positive (0 when within n/2), kept when negative; 0 when a margin is empty."""
    a, b, c, d = counts.both, counts.a_only, counts.b_only, counts.neither
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        return 0.0
    cross = a * d - b * c
    adjusted = cross - counts.n / 2 if cross > counts.n / 2 else min(cross, 0)
    return adjusted / math.sqrt(margins)


def paired_difference(counts: PairedCounts, z: float = Z95) -> PairedDifference:
    """Newcombe's method 10 for `p_B - p_A`, where p_A = (both + a_only)/n and
    p_B = (both + b_only)/n; the interval is [-1, 1] for no pairs."""
    n = counts.n
    p_value = mcnemar_exact_p(counts.a_only, counts.b_only)
    if n == 0:
        return PairedDifference(counts, 0.0, Interval(-1.0, 1.0), p_value)
    x_a, x_b = counts.both + counts.a_only, counts.both + counts.b_only
    p_a, p_b = x_a / n, x_b / n
    a_int, b_int = wilson(x_a, n, z), wilson(x_b, n, z)
    r = phi(counts)
    down_b, up_b = p_b - b_int.low, b_int.high - p_b
    down_a, up_a = p_a - a_int.low, a_int.high - p_a
    delta = p_b - p_a
    low = delta - math.sqrt(max(0.0, down_b**2 - 2 * r * down_b * up_a + up_a**2))
    high = delta + math.sqrt(max(0.0, up_b**2 - 2 * r * up_b * down_a + down_a**2))
    return PairedDifference(counts, delta, Interval(max(-1.0, low), min(1.0, high)), p_value)


def mcnemar_exact_p(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value: the discordant pairs as a fair coin's tosses."""
    m = a_only + b_only
    if m == 0:
        return 1.0
    tail = sum(math.comb(m, i) for i in range(min(a_only, b_only) + 1)) / 2**m
    return min(1.0, 2 * tail)
