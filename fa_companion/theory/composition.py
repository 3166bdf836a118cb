"""Angles of products of matrices: Paper A §2.4, Fig 5 and Methods §4.8.

In a d-layer linear network the FA error of layer ℓ is δ_d B_{d−1} ⋯ B_ℓ while BP's is
δ_d W_{d−1}ᵀ ⋯ W_ℓᵀ (Paper A eqs 10-11), so how well a *product* of feedback matrices aligns with
the product of transposed forward matrices decides how far the FA update of an early layer is from
BP's. Paper A's Fig 5 studies two factors:

    θ₁ = B₁ ∠ W₁ᵀ,   θ₂ = B₂ ∠ W₂ᵀ,   θ₃ = B₂B₁ ∠ W₂ᵀW₁ᵀ,

with B₂ ∈ R^{30×15}, B₁ ∈ R^{15×40} and W's drawn on the unit sphere at angles θ₁, θ₂ uniform on
0-180° (Methods §4.8), and a nonlinear version (eq. 12) where ReLU derivative masks f'(Z₂),
f'(Z₁) of Gaussian Z₂ ∈ R^{30×15}, Z₁ ∈ R^{30×40} are applied after each factor:

    θ₃^nonlin = {B₂ ⊙ f'(Z₂)} B₁ ⊙ f'(Z₁) ∠ {W₂ᵀ ⊙ f'(Z₂)} W₁ᵀ ⊙ f'(Z₁).

All angles are Paper A eq. 33 (Frobenius), in degrees. Everything is batched over samples
(leading dim ``n``) and seeded through a ``torch.Generator``; computation is in float64.

The matrices called ``w1t``/``w2t`` here are W₁ᵀ, W₂ᵀ (shaped like B₁, B₂).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from ..rules.metrics import frobenius_angle

__all__ = [
    "SHAPE_B1",
    "SHAPE_B2",
    "unit_sphere",
    "orthonormal_direction",
    "at_angle",
    "uniform_angle_pair",
    "product_angles",
    "relu_masks",
    "sample_composition",
    "predicted_theta3",
    "fig5_experiment",
]

SHAPE_B2 = (30, 15)
"""B₂ ∈ R^{30×15} (Paper A §2.4)."""
SHAPE_B1 = (15, 40)
"""B₁ ∈ R^{15×40} (Paper A §2.4)."""


def _gen(generator: torch.Generator | None, seed: int | None) -> torch.Generator:
    if generator is not None:
        return generator
    return torch.Generator().manual_seed(0 if seed is None else int(seed))


def _fro(x: Tensor) -> Tensor:
    return torch.linalg.vector_norm(x.flatten(-2), dim=-1).reshape(x.shape[:-2] + (1, 1))


def unit_sphere(n: int, shape: Sequence[int], generator: torch.Generator,
                dtype=torch.float64) -> Tensor:
    """``n`` matrices of ``shape`` uniform on the unit Frobenius sphere: i.i.d. N(0, 1) entries,
    normalized (Paper A §4.8)."""
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    x = torch.randn((n, *shape), generator=generator, dtype=dtype)
    return x / _fro(x)


def orthonormal_direction(b: Tensor, generator: torch.Generator) -> Tensor:
    """A unit matrix A ⟂ B (Frobenius) for each unit ``b``: a random unit A, then Gram-Schmidt
    ``A ← A − ⟨A, B⟩ B`` (Paper A §4.8), then normalized again.

    Paper A's text stops after the Gram-Schmidt step, where ‖A‖² = 1 − ⟨A, B⟩² (≈ 1 − 1/D for
    D entries); renormalizing makes the angles of :func:`uniform_angle_pair` exactly uniform.
    """
    a = unit_sphere(b.shape[0], b.shape[1:], generator, b.dtype)
    a = a - (a * b).sum((-2, -1), keepdim=True) * b
    return a / _fro(a)


def at_angle(b: Tensor, theta_deg, generator: torch.Generator) -> Tensor:
    """Unit matrices W with W ∠ B = ``theta_deg`` exactly: W = cos θ B + sin θ A with A a unit
    matrix orthogonal to B (:func:`orthonormal_direction`). ``b`` must be unit-norm, shape
    ``(n, rows, cols)``; ``theta_deg`` a number or ``(n,)`` tensor in [0°, 180°]."""
    theta = torch.as_tensor(theta_deg, dtype=b.dtype)
    if bool(((theta < 0) | (theta > 180)).any()):
        raise ValueError(f"theta_deg must lie in [0, 180] degrees, got {theta_deg!r}")
    theta = torch.deg2rad(theta).reshape(-1, 1, 1) if theta.dim() else torch.deg2rad(theta)
    a = orthonormal_direction(b, generator)
    return torch.cos(theta) * b + torch.sin(theta) * a


def uniform_angle_pair(n: int, shape: Sequence[int], generator: torch.Generator,
                       dtype=torch.float64) -> tuple[Tensor, Tensor]:
    """Paper A Methods §4.8: ``(B, Wᵀ)``, both ``(n, *shape)`` on the unit sphere with
    B ∠ Wᵀ ~ U(0°, 180°).

    B unit; A unit and ⟂ B; r₁, r₂ ~ N(0, 1); Wᵀ = r₁A + r₂B, normalized. The angle is the polar
    angle of the isotropic Gaussian point (r₂, r₁) folded to [0, π], hence exactly uniform.
    """
    b = unit_sphere(n, shape, generator, dtype)
    a = orthonormal_direction(b, generator)
    r = torch.randn((2, n, 1, 1), generator=generator, dtype=dtype)
    w = r[0] * a + r[1] * b
    return b, w / _fro(w)


def product_angles(b2: Tensor, b1: Tensor, w2t: Tensor, w1t: Tensor,
                   masks: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """θ₃ = B₂B₁ ∠ W₂ᵀW₁ᵀ per sample (degrees); with ``masks = (M₂, M₁)`` the nonlinear angle of
    eq. 12, ({B₂ ⊙ M₂} B₁) ⊙ M₁ ∠ ({W₂ᵀ ⊙ M₂} W₁ᵀ) ⊙ M₁."""
    if masks is None:
        pb, pw = b2 @ b1, w2t @ w1t
    else:
        m2, m1 = masks
        pb, pw = ((b2 * m2) @ b1) * m1, ((w2t * m2) @ w1t) * m1
    return frobenius_angle(pb, pw, batch_dims=1)


def relu_masks(n: int, shape2: Sequence[int], shape1: Sequence[int], generator: torch.Generator,
               dtype=torch.float64) -> tuple[Tensor, Tensor]:
    """f'(Z₂), f'(Z₁) for ReLU with Z₂ ∈ R^{shape2}, Z₁ ∈ R^{rows(shape2) × cols(shape1)} i.i.d.
    N(0, 1) (Paper A eq. 12: 30×15 and 30×40); f'(0) = 1 by Paper A's convention (measure zero)."""
    z2 = torch.randn((n, *shape2), generator=generator, dtype=dtype)
    z1 = torch.randn((n, shape2[0], shape1[1]), generator=generator, dtype=dtype)
    return (z2 >= 0).to(dtype), (z1 >= 0).to(dtype)


def sample_composition(n: int, *, theta1=None, theta2=None, nonlinear: bool = False,
                       shape2: Sequence[int] = SHAPE_B2, shape1: Sequence[int] = SHAPE_B1,
                       generator: torch.Generator | None = None, seed: int | None = None,
                       chunk: int = 20_000) -> dict[str, Tensor]:
    """Draw ``n`` samples of (θ₁, θ₂, θ₃) for Fig 5.

    ``theta1`` / ``theta2``: None draws the angle uniformly on 0-180° (§4.8); a number or an
    ``(n,)`` tensor fixes it exactly (:func:`at_angle`). ``nonlinear`` applies eq. 12's ReLU masks.
    Returns float64 tensors ``theta1``, ``theta2`` (the measured angles), ``theta3`` of shape
    ``(n,)``. Drawn in chunks of ``chunk`` samples to bound memory; deterministic under
    ``generator`` (or ``seed``).
    """
    if shape2[1] != shape1[0]:
        raise ValueError(f"B₂ {tuple(shape2)} and B₁ {tuple(shape1)} cannot be multiplied")
    gen = _gen(generator, seed)
    out = {"theta1": [], "theta2": [], "theta3": []}
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        pieces = {}
        for key, fixed, shape in (("2", theta2, shape2), ("1", theta1, shape1)):
            if fixed is None:
                b, w = uniform_angle_pair(m, shape, gen)
            else:
                f = torch.as_tensor(fixed, dtype=torch.float64)
                f = f[start:start + m] if f.dim() else f
                b = unit_sphere(m, shape, gen)
                w = at_angle(b, f, gen)
            pieces[key] = (b, w)
        (b2, w2t), (b1, w1t) = pieces["2"], pieces["1"]
        masks = relu_masks(m, shape2, shape1, gen) if nonlinear else None
        out["theta1"].append(frobenius_angle(b1, w1t, batch_dims=1))
        out["theta2"].append(frobenius_angle(b2, w2t, batch_dims=1))
        out["theta3"].append(product_angles(b2, b1, w2t, w1t, masks))
    return {k: torch.cat(v) for k, v in out.items()}


def predicted_theta3(theta1, theta2) -> Tensor:
    """Our first-order prediction (not in Paper A): arccos(cos θ₁ cos θ₂) in degrees.

    Write W₁ᵀ = cos θ₁ B₁ + sin θ₁ A₁ and W₂ᵀ likewise; the three cross products of W₂ᵀW₁ᵀ with
    an A factor are orthogonal to B₂B₁ on average, and all four products of random unit matrices
    have about the same norm, so cos θ₃ ≈ cos θ₁ cos θ₂. It explains the special cases of Fig 5:
    θ₁ ≈ 0° gives θ₃ ≈ θ₂, θ₁ ≈ 180° gives θ₃ ≈ 180° − θ₂, θ₁ ≈ 90° gives θ₃ ≈ 90°.
    """
    t1 = torch.deg2rad(torch.as_tensor(theta1, dtype=torch.float64))
    t2 = torch.deg2rad(torch.as_tensor(theta2, dtype=torch.float64))
    return torch.rad2deg(torch.arccos((torch.cos(t1) * torch.cos(t2)).clamp(-1, 1)))



def fig5_experiment(config: dict) -> dict:
    """Every sample behind Paper A's Fig 5, as a results-store compute function.

    ``config``: ``n_uniform`` (θ₁, θ₂ uniform; one linear and one independent nonlinear
    population), ``n_fixed`` (samples per fixed angle pair), ``diagonal`` (θ values with
    θ₁ = θ₂ = θ), ``special_theta1`` and ``theta2_grid`` (θ₁ fixed near 0°, 90°, 180° against a grid
    of θ₂), ``seed``. Every block has its own generator (seeded from ``seed`` and the block), so
    blocks do not depend on each other's sizes. Arrays are float32 degrees:
    ``uniform_{lin,nonlin}_theta{1,2,3}`` ``(n_uniform,)``; ``diag_{lin,nonlin}`` ``(len(diagonal),
    n_fixed)``; ``special_{lin,nonlin}`` ``(len(special_theta1), len(theta2_grid), n_fixed)``.
    """
    seed = int(config["seed"])
    n_u, n_f = int(config["n_uniform"]), int(config["n_fixed"])
    arrays = {}
    for block, nonlinear in (("lin", False), ("nonlin", True)):
        r = sample_composition(n_u, nonlinear=nonlinear, seed=seed * 1000 + (7 if nonlinear else 3))
        for key, v in r.items():
            arrays[f"uniform_{block}_{key}"] = v.float().numpy()
        diag = []
        for i, theta in enumerate(config["diagonal"]):
            s = sample_composition(n_f, theta1=float(theta), theta2=float(theta),
                                   nonlinear=nonlinear, seed=seed * 1000 + 100 + 2 * i + nonlinear)
            diag.append(s["theta3"].float().numpy())
        arrays[f"diag_{block}"] = np.stack(diag)
        special = []
        for i, t1 in enumerate(config["special_theta1"]):
            row = []
            for j, t2 in enumerate(config["theta2_grid"]):
                s = sample_composition(n_f, theta1=float(t1), theta2=float(t2), nonlinear=nonlinear,
                                       seed=seed * 1000 + 500 + 97 * i + 2 * j + nonlinear)
                row.append(s["theta3"].float().numpy())
            special.append(np.stack(row))
        arrays[f"special_{block}"] = np.stack(special)
    return {"arrays": arrays, "summary": {"n_uniform": n_u, "n_fixed": n_f},
            "provenance": {"seed": seed, "device": "cpu"}}
