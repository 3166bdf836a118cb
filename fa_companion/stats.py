"""Statistics the papers report."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["ranksum", "mean_sd"]


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
