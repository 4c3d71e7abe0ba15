"""The numbers on the pages against values worked out by hand (steps in the comments)."""

from __future__ import annotations

import pytest

from devagent.pages.stats import (
    PairedCounts,
    mcnemar_exact_p,
    paired_difference,
    phi,
    wilson,
)


def test_wilson_seven_of_ten():
    # z^2/n = 0.384146; centre = (0.7 + 0.192073) / 1.384146 = 0.644494
    # half = 1.959964 * sqrt(0.021 + 0.009604) / 1.384146 = 0.247715
    interval = wilson(7, 10)
    assert interval.low == pytest.approx(0.39678, abs=1e-5)
    assert interval.high == pytest.approx(0.89221, abs=1e-5)


def test_wilson_none_of_ten_is_not_a_zero_width_interval():
    # p = 0: centre = half = 0.192073 / 1.384146 = 0.138766
    interval = wilson(0, 10)
    assert interval.low == 0.0
    assert interval.high == pytest.approx(0.27753, abs=1e-5)


def test_wilson_all_of_ten_mirrors_none():
    assert wilson(10, 10).low == pytest.approx(1 - 0.27753, abs=1e-5)
    assert wilson(10, 10).high == pytest.approx(1.0)


def test_wilson_of_nothing_is_the_whole_range():
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)


def test_phi_shrinks_a_positive_cross_product_by_half_n():
    # ad - bc = 5*10 - 1*4 = 46 > n/2 = 10 -> 36; margins 6*14*9*11 = 8316
    assert phi(PairedCounts(5, 1, 4, 10)) == pytest.approx(36 / 8316**0.5)
    # ad - bc = 3 - 4 = -1 < 0: kept as it is
    assert phi(PairedCounts(1, 2, 2, 3)) == pytest.approx(-1 / (3 * 5 * 3 * 5) ** 0.5)
    # 0 <= ad - bc <= n/2: no correlation
    assert phi(PairedCounts(2, 1, 1, 1)) == 0.0


def test_paired_difference_worked_by_hand():
    # A resolves 6/20 = 0.30 (Wilson 0.145477..0.518973), B 9/20 = 0.45 (0.258198..0.657915),
    # phi = 0.394771. low = 0.15 - sqrt(0.191802^2 - 2 phi 0.191802*0.218973 + 0.218973^2)
    #                     = 0.15 - sqrt(0.051579) = -0.077105
    # high = 0.15 + sqrt(0.207915^2 - 2 phi 0.207915*0.154523 + 0.154523^2)
    #      = 0.15 + sqrt(0.041741) = 0.354303
    result = paired_difference(PairedCounts(both=5, a_only=1, b_only=4, neither=10))
    assert result.difference == pytest.approx(0.15)
    assert result.interval.low == pytest.approx(-0.07711, abs=1e-4)
    assert result.interval.high == pytest.approx(0.35430, abs=1e-4)
    # McNemar: 1 vs 4 discordant, 2 * (C(5,0) + C(5,1)) / 2^5 = 12/32
    assert result.p_value == pytest.approx(0.375)


def test_identical_runs_differ_by_nothing_within_a_symmetric_interval():
    result = paired_difference(PairedCounts(both=10, a_only=0, b_only=0, neither=0))
    assert result.difference == 0.0
    assert result.interval.low == pytest.approx(-result.interval.high)
    assert result.p_value == 1.0


def test_paired_interval_is_narrower_than_the_independent_one():
    counts = PairedCounts(both=30, a_only=2, b_only=8, neither=60)
    paired = paired_difference(counts)
    a, b = wilson(32, 100), wilson(38, 100)
    independent = ((0.38 - b.low) ** 2 + (a.high - 0.32) ** 2) ** 0.5
    assert 0.06 - paired.interval.low < independent


def test_mcnemar_exact_p_values():
    assert mcnemar_exact_p(0, 0) == 1.0
    assert mcnemar_exact_p(0, 6) == pytest.approx(2 / 64)  # 2 * (1/2)^6
    assert mcnemar_exact_p(3, 3) == 1.0
