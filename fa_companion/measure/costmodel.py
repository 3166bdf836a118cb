"""A memory-access cost model of weight transport (Paper B Fig 1c-d).

Paper B argues that BP must read the current forward weights into the backward pathway at every
iteration ("forward weights must be copied into memory and accessed during each backward pass"),
while FA and IFA keep fixed feedback weights local to the backward circuit; IFA pays one copy at
initialization. The paper gives no formula; this model counts weight words moved between the
forward-weight memory and the backward pathway, from layer sizes alone:

- BP: every iteration reads and writes each W_l that carries error backwards (layers 1 … L−1;
  layer 0 sends no error to the input): 2 Σ_{l≥1} ``|W_l|`` words per iteration;
- IFA: one copy W_l → B_l of every feedback matrix at initialization, 2 Σ_{l≥1} ``|W_l|``
  words once;
- FA: nothing (B is drawn in place).

All three read W_l for the forward pass and read/write it for the update; those costs are equal
and left out, so the model isolates weight transport, the quantity Fig 1d compares.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..rules.feedback import check_rule

__all__ = ["transported_words", "cumulative_transport_bytes"]


def transported_words(sizes: Sequence[int]) -> int:
    """Words that one weight transport (read + write of every feedback-carrying W_l) moves."""
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"sizes needs ≥ 2 positive widths, got {tuple(sizes)}")
    return 2 * sum(o * i for i, o in zip(sizes[1:-1], sizes[2:]))


def cumulative_transport_bytes(sizes: Sequence[int], rule: str, iterations: np.ndarray,
                               bytes_per_word: int = 4) -> np.ndarray:
    """Cumulative bytes of weight transport after each number of ``iterations`` under ``rule``."""
    check_rule(rule)
    it = np.asarray(iterations, dtype=np.float64)
    per = transported_words(sizes) * bytes_per_word
    if rule == "bp":
        return per * it
    if rule == "ifa":
        return np.full_like(it, float(per))
    return np.zeros_like(it)
