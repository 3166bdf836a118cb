"""Paper A's output codes: mutually exclusive n-hot label codes (Methods §4.9) and their decoding.

Paper A's deep networks (Figs 6-8) have as many output neurons as hidden ones (the network width
m = 50 or 100) and code each of the C = 10 classes by an *n-hot* vector of length m (n = 5 for
width 50, n = 10 for width 100): "for each category c ∈ {0, …, C−1} … randomly selected n out of
m − c·n elements that were not equal to 1 in any of the c previously coded category vectors".
The codes are mutually exclusive (no output neuron belongs to two classes). For the flexibility
experiment (Fig 8) new codes are drawn the same way at epoch 100.

A prediction is decoded as the class whose code has the largest inner product with the network's
output, ``argmax_c (Y · code_cᵀ)`` (from the authors' code).

Label smoothing (Supplementary Note 4, Figs S2-S3) replaces the ones of every code by 0.95 and the
zeros by 0.05; decoding is unchanged (adding a constant to every code entry adds the same amount
to every class score).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["n_hot_codes", "member_codes", "code_targets", "decode", "LABEL_SMOOTHING"]

LABEL_SMOOTHING = (0.05, 0.95)
"""Supplementary Note 4: zeros → 0.05, ones → 0.95."""


def n_hot_codes(n_classes: int, width: int, n_hot: int, *,
                generator: torch.Generator | None = None, dtype=torch.float32) -> Tensor:
    """Mutually exclusive n-hot codes of Paper A §4.9: a ``(n_classes, width)`` 0/1 tensor, each
    row with ``n_hot`` ones, no column with more than one.

    Class c takes ``n_hot`` positions drawn uniformly without replacement among the
    ``width − c·n_hot`` positions still free, classes in order 0, 1, … (a uniformly random
    permutation cut into consecutive blocks has exactly this distribution; that is how it is
    drawn here). Deterministic given ``generator``.
    """
    for name, v in (("n_classes", n_classes), ("width", width), ("n_hot", n_hot)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if n_hot * n_classes > width:
        raise ValueError(f"n_hot · n_classes = {n_hot} · {n_classes} = {n_hot * n_classes} exceeds "
                         f"the output width {width}; mutually exclusive codes need n·C ≤ m")
    perm = torch.randperm(width, generator=generator)[: n_classes * n_hot].view(n_classes, n_hot)
    codes = torch.zeros(n_classes, width, dtype=dtype)
    codes.scatter_(1, perm, 1.0)
    return codes


def member_codes(seeds: Sequence[int], n_classes: int, width: int, n_hot: int, *,
                 draw: int = 0, dtype=torch.float32) -> Tensor:
    """Codes for an ensemble: ``(len(seeds), n_classes, width)``, member i's from its own seed.

    ``draw`` numbers successive code sets of the same member (0: the codes of the first phase,
    1: the new codes of Fig 8's second phase); each (seed, draw) pair has its own generator, so a
    member's codes do not depend on which other members share the ensemble.
    """
    out = []
    for s in seeds:
        gen = torch.Generator().manual_seed(_code_seed(int(s), int(draw)))
        out.append(n_hot_codes(n_classes, width, n_hot, generator=gen, dtype=dtype))
    return torch.stack(out)


def _code_seed(seed: int, draw: int) -> int:
    """A generator seed for (member seed, code draw) distinct from the weight-init seeds."""
    return (seed * 1_000_003 + 7919 * (draw + 1) + 0xC0DE) % (2**63 - 1)


def code_targets(codes: Tensor, labels: Tensor, smoothing: tuple[float, float] | None = None) -> Tensor:
    """Desired outputs Y* for ``labels``: ``codes[..., labels, :]``.

    ``codes``: ``(C, m)`` or ``(K, C, m)``; ``labels``: ``(N,)`` → ``(N, m)`` or ``(K, N, m)``.
    ``smoothing=(low, high)`` maps zeros to ``low`` and ones to ``high`` (Paper A's label smoothing
    is :data:`LABEL_SMOOTHING`).
    """
    y = codes.index_select(-2, labels)
    if smoothing is not None:
        low, high = smoothing
        y = low + (high - low) * y
    return y


def decode(output: Tensor, codes: Tensor) -> Tensor:
    """Predicted classes: ``argmax_c output · code_cᵀ`` (Paper A's decoding).

    ``output``: ``(N, m)`` or ``(K, N, m)``; ``codes``: ``(C, m)`` or ``(K, C, m)`` → ``(N,)`` or
    ``(K, N)``.
    """
    if output.shape[-1] != codes.shape[-1]:
        raise ValueError(f"output width {output.shape[-1]} differs from code width {codes.shape[-1]}")
    return torch.matmul(output, codes.transpose(-1, -2)).argmax(-1)
