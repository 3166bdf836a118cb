"""Initialization: variance scaling and Paper B's one-time soft alignment (Algorithm 1, §B.2).

Paper B draws, for every layer (layer 0 included),

    B_l ~ N(0, a²/fan_in),   R ~ N(0, a²/fan_in),   W_l = B_lᵀ cos θ_init + R sin θ_init,

with a = √2 (He). θ_init = 0° gives W = Bᵀ (initial feedback alignment, IFA); θ_init = 90° gives
independent draws (plain feedback alignment, FA). The trainability study (§B.5) scales W and B
separately: W ~ N(0, a²/fan_in), B ~ N(0, b²/fan_in). We combine both: with unit-variance draws
B̂ and R̂,

    B = b B̂ / √fan_in,   W = a (B̂ cos θ + R̂ sin θ) / √fan_in,

which is Algorithm 1 exactly when a = b, and keeps W's variance a²/fan_in for every θ.

``B`` is stored shaped like ``W`` (it is Paper B's ``B_lᵀ``), so θ_init = 0 means ``W == B``.
Draws are made on the CPU from a generator seeded by the network's seed, in a fixed order that does
not depend on the rule or θ: for the same seed, B₀ and R are identical for BP, FA and IFA, and a
network gives the same numbers on every device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "HE_GAIN",
    "check_theta",
    "fan_in",
    "variance_scaling",
    "soft_alignment",
    "init_weights_and_feedback",
    "init_feedback_layer_",
]

HE_GAIN = math.sqrt(2.0)


def check_theta(theta_init: float) -> float:
    """Validate an initial alignment angle in degrees (0° ≤ θ ≤ 180°)."""
    theta = float(theta_init)
    if not (0.0 <= theta <= 180.0) or math.isnan(theta):
        raise ValueError(f"theta_init must lie in [0°, 180°], got {theta_init!r}")
    return theta


def _cos_sin(theta_deg: float) -> tuple[float, float]:
    """cos and sin of an angle in degrees, exact at multiples of 90° (cos 90° is 0, not 6e-17)."""
    rad = math.radians(theta_deg)
    c, s = math.cos(rad), math.sin(rad)
    return (0.0 if abs(c) < 1e-12 else c), (0.0 if abs(s) < 1e-12 else s)


def fan_in(shape: Sequence[int]) -> int:
    """Number of inputs to one output unit: ``in`` for ``(out, in)``, ``in·kh·kw`` for a conv kernel."""
    if len(shape) < 2 or any(n <= 0 for n in shape):
        raise ValueError(f"a weight shape needs ≥ 2 positive dims, got {tuple(shape)}")
    return math.prod(shape[1:])


def variance_scaling(
    shape: Sequence[int], gain: float, generator: torch.Generator | None = None
) -> Tensor:
    """A draw from ``N(0, gain²/fan_in)`` (LeCun for gain 1, He for gain √2), on the CPU."""
    if gain < 0:
        raise ValueError(f"gain must be ≥ 0, got {gain}")
    return torch.randn(tuple(shape), generator=generator) * (gain / math.sqrt(fan_in(shape)))


def soft_alignment(feedback: Tensor, random: Tensor, theta_init: float) -> Tensor:
    """Paper B Algorithm 1 line 4: ``W = Bᵀ cos θ + R sin θ`` (B stored shaped like W)."""
    if feedback.shape != random.shape:
        raise ValueError(
            f"feedback {tuple(feedback.shape)} and random {tuple(random.shape)} shapes differ"
        )
    c, s = _cos_sin(check_theta(theta_init))
    return feedback * c + random * s


def init_weights_and_feedback(
    shapes: Sequence[Sequence[int]],
    *,
    seed: int,
    theta_init: float = 90.0,
    a: float = HE_GAIN,
    b: float | None = None,
) -> list[tuple[Tensor, Tensor]]:
    """Draw ``(W_l, B_l)`` for every layer of one network (Algorithm 1 with separate scales a, b).

    The generator is seeded with ``seed`` and draws, layer by layer, B̂_l then R̂_l; the rule and
    θ only change how they are combined.
    """
    check_theta(theta_init)
    b = a if b is None else b
    if a < 0 or b < 0:
        raise ValueError(f"scales must be ≥ 0, got a={a}, b={b}")
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    for shape in shapes:
        unit_b = variance_scaling(shape, 1.0, gen)
        unit_r = variance_scaling(shape, 1.0, gen)
        out.append((a * soft_alignment(unit_b, unit_r, theta_init), b * unit_b))
    return out


@torch.no_grad()
def init_feedback_layer_(layer, *, seed: int, theta_init: float = 90.0, a: float = HE_GAIN,
                         b: float | None = None) -> None:
    """Initialize one :class:`~fa_companion.rules.feedback.FeedbackLinear`/``Conv2d`` in place; bias → 0."""
    ((w, fb),) = init_weights_and_feedback([layer.weight.shape], seed=seed, theta_init=theta_init,
                                           a=a, b=b)
    layer.weight.copy_(w)
    layer.feedback.copy_(fb)
    if layer.bias is not None:
        layer.bias.zero_()
