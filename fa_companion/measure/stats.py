"""Statistics the papers report."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["ranksum", "mean_sd", "spearman"]


def ranksum(a, b) -> float:
    """Two-sided Wilcoxon rank-sum (Mann-Whitney U) p-value (Paper B Fig 1h: n_net = 10 per group).

    Exact when there are no ties (SciPy's "auto" would switch to the normal approximation above
    8 values per group); with ties, the tie-corrected normal approximation."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        raise ValueError(f"need ≥ 2 values per group, got {a.size} and {b.size}")
    ties = np.unique(np.concatenate([a, b])).size < a.size + b.size
    method = "asymptotic" if ties else "exact"
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample SD (ddof = 1) over networks."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def spearman(x, y, *, n_resamples: int = 100_000, seed: int = 0) -> tuple[float, float]:
    """Spearman's ρ and a two-sided permutation p-value that stays valid for few points.

    SciPy's t-approximation returns p → 0 when ``|ρ| = 1`` (6.6e-64 for n = 10, whose exact p is
    2/10! = 5.5e-7). Here ρ's null distribution is that of random pairings of the ranks: exact
    when n! ≤ ``n_resamples``, otherwise ``n_resamples`` seeded random pairings with
    p = (k + 1)/(N + 1) per tail, so the smallest two-sided p is 2/(N + 1)."""
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    if rx.size != ry.size or rx.size < 3:
        raise ValueError(f"need two samples of equal size ≥ 3, got {rx.size} and {ry.size}")
    ry = (ry - ry.mean()) / np.linalg.norm(ry - ry.mean())

    def rho(a, axis=-1):
        a = a - a.mean(axis=axis, keepdims=True)
        return (a * ry).sum(axis=axis) / np.linalg.norm(a, axis=axis)

    res = stats.permutation_test((rx,), rho, permutation_type="pairings", vectorized=True,
                                 n_resamples=n_resamples, alternative="two-sided",
                                 rng=np.random.default_rng(seed))
    return float(res.statistic), float(res.pvalue)
