"""Alignment metrics.

- :func:`frobenius_angle`: the angle between two matrices, arccos(⟨A, B⟩_F / (‖A‖ ‖B‖)) in degrees
  (Paper A eq. 33).
- :func:`neuron_angles`: Paper B's per-neuron angle (§B.4) between the forward weights leaving
  neuron i (column i of W) and the feedback weights that bring the error back to it (row i of
  Paper B's B_l, i.e. column i of our B stored shaped like W). Paper B reports their mean over the
  layer's input neurons and, as the shaded band, their SD.
- :func:`update_angles`: the angle between the FA update and the BP update at the same state
  (Paper A's ΔW_ℓ,FA∠ΔW_ℓ,BP).
- :func:`acf`: Paper A's autocorrelation (eq. 34).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["frobenius_angle", "neuron_angles", "layer_angle_stats", "update_angles", "acf"]


def _angle_from_cos(cos: Tensor) -> Tensor:
    return torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0)))


def frobenius_angle(a: Tensor, b: Tensor, batch_dims: int = 0) -> Tensor:
    """Angle in degrees between ``a`` and ``b`` seen as flat vectors (Paper A eq. 33).

    The first ``batch_dims`` dimensions are kept (one angle per ensemble member, say). A zero
    matrix has no direction: its angle is NaN.
    """
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    a64, b64 = a.detach().double(), b.detach().double()
    a64, b64 = a64.flatten(batch_dims), b64.flatten(batch_dims)
    dot = (a64 * b64).sum(-1)
    norm = a64.norm(dim=-1) * b64.norm(dim=-1)
    cos = torch.where(norm > 0, dot / norm, torch.full_like(dot, float("nan")))
    return _angle_from_cos(cos)


def neuron_angles(weight: Tensor, feedback: Tensor) -> Tensor:
    """Per-neuron angles (degrees) of Paper B §B.4, one per input neuron of the layer.

    ``weight`` and ``feedback`` are shaped ``(…, out, in)``; the result is ``(…, in)``: for input
    neuron i, the angle between ``weight[…, :, i]`` and ``feedback[…, :, i]``.
    """
    if weight.shape != feedback.shape:
        raise ValueError(f"shapes differ: {tuple(weight.shape)} vs {tuple(feedback.shape)}")
    cos = F.cosine_similarity(weight.detach().double(), feedback.detach().double(), dim=-2, eps=1e-300)
    return _angle_from_cos(cos)


def layer_angle_stats(model) -> dict[str, Tensor]:
    """Per layer and member: mean and SD of the per-neuron angles and the Frobenius angle.

    Returns tensors of shape ``(n_layers, K)`` under keys ``angle_mean``, ``angle_sd``,
    ``angle_frob``. BP members use W as their feedback, so their angles are 0°. Layer 0 is included although its feedback never acts in training (Paper B
    excludes it from its figures; so do our chapters).
    """
    means, sds, frobs = [], [], []
    bp = model.bp_mask.view(-1, 1, 1)
    for l in range(model.n_layers):
        # A BP member sends its errors through W itself: its effective feedback is W (angle 0°).
        w = model.weights[l].detach()
        # the feedback each member's rule actually used (a registered rule computes its own)
        own = getattr(model, "effective_feedback", None)
        b = own(l) if own is not None else torch.where(bp, w, model.feedback(l))
        ang = neuron_angles(w, b)
        means.append(ang.mean(-1))
        sds.append(ang.std(-1, unbiased=False))
        frobs.append(frobenius_angle(w, b, batch_dims=1))
    return {
        "angle_mean": torch.stack(means).float(),
        "angle_sd": torch.stack(sds).float(),
        "angle_frob": torch.stack(frobs).float(),
    }


def _weight_grads(model, x: Tensor, y: Tensor, backward: str) -> list[Tensor]:
    logits = model(x, backward=backward)
    k, n, c = logits.shape
    target = y.expand(k, n) if y.dim() == 1 else y
    loss = F.cross_entropy(logits.reshape(k * n, c), target.reshape(k * n), reduction="sum") / n
    return list(torch.autograd.grad(loss, list(model.weights)))


def update_angles(model, x: Tensor, y: Tensor) -> Tensor:
    """Angle (degrees) between each member's own weight update and the BP update at the same state.

    Both are gradients of the same cross-entropy on the batch ``(x, y)``; returns ``(n_layers, K)``.
    The last layer's angle is 0 by construction (its update never uses feedback); BP members give 0
    everywhere. Adam rescales updates element-wise; this compares the raw gradient directions, as
    Paper A does for SGD.
    """
    with torch.enable_grad():
        own = _weight_grads(model, x, y, "own")
        true = _weight_grads(model, x, y, "bp")
    return torch.stack([frobenius_angle(g, t, batch_dims=1) for g, t in zip(own, true)]).float()


def acf(signal: Tensor, max_lag: int) -> Tensor:
    """Paper A eq. 34: ACF(τ) = 1/(N−|τ|) Σ_k S[k] S[k+|τ|] for τ = 0 … max_lag (last dim is time)."""
    n = signal.shape[-1]
    if not 0 <= max_lag < n:
        raise ValueError(f"max_lag must lie in [0, {n - 1}], got {max_lag}")
    s = signal.double()
    return torch.stack(
        [(s[..., : n - t] * s[..., t:]).sum(-1) / (n - t) for t in range(max_lag + 1)], dim=-1
    )
