"""The verdicts and the helpers the per-paper check modules share (:mod:`~fa_companion.ledger.claims`
builds the registry from :mod:`~fa_companion.ledger.claims_paper_a` and
:mod:`~fa_companion.ledger.claims_paper_b`; they import only this module, so nothing imports in a
circle)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["VERDICTS", "all_or_some", "resolved_above", "within_factor"]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not testable here")
"""The four verdicts, from best to worst agreement with the paper."""


def all_or_some(flags: Iterable[bool]) -> str:
    """"reproduced" if every flag holds, "partly reproduced" if some do, else "not reproduced"."""
    flags = [bool(f) for f in flags]
    if not flags:
        raise ValueError("all_or_some needs at least one flag")
    if all(flags):
        return VERDICTS[0]
    return VERDICTS[1] if any(flags) else VERDICTS[2]


def resolved_above(x: Sequence[float], y: Sequence[float]) -> bool:
    """Mean of ``x`` above mean of ``y`` by more than SD(x) + SD(y) (sample SDs): the criterion for
    "clearly above" with 2-3 networks per condition, where a rank-sum test cannot reach p < 0.05."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    sx = x.std(ddof=1) if x.size > 1 else 0.0
    sy = y.std(ddof=1) if y.size > 1 else 0.0
    return bool(x.mean() - y.mean() > sx + sy)


def within_factor(ratio: float, factor: float = 1.25) -> bool:
    """``1/factor ≤ ratio ≤ factor``."""
    if not factor >= 1:
        raise ValueError(f"factor must be ≥ 1, got {factor}")
    return bool(1 / factor <= ratio <= factor)
