"""Paper A's weight normalization, applied as in-place projections after each update.

Paper A (§2.3, Methods §4.4, eq. 32) keeps the Frobenius norm of the incoming weights of every
neuron fixed to a non-learnable γ: after each iteration::

    W_ℓ[k]_{*,i} ← γ W_ℓ[k]_{*,i} / ‖W_ℓ[k]_{*,i}‖            (eq. 32, Paper A's W ∈ R^{n_ℓ × n_{ℓ+1}})

i.e. every neuron's incoming weight vector is projected onto the sphere of radius γ (the update
component that leaves the sphere is dropped). With the package convention (W shaped
``(out, in)`` like ``torch.nn.Linear.weight``, see ``book/notation.md``) Paper A's column *i* is
our **row** *i*: the projection acts along the last dimension.

Two variants of §2.5 (Fig 6):

- layer-wise normalization ``W_ℓ ← γ_ℓ W_ℓ / ‖W_ℓ‖_F`` (γ_ℓ = 7.07 = √50 in Fig 6A,B): the
  whole matrix on one sphere;
- B-norm matching ``B_ℓ ← B_ℓ ‖W_ℓ‖_F / ‖B_ℓ‖_F`` at every iteration (Fig 6C,D).

When WN is used, Paper A also normalizes "every column of B_ℓ with γ at the beginning" (§4.4).
Paper A's B_ℓ ∈ R^{n_{ℓ+1} × n_ℓ} has exactly our shape ``(out, in)``, so its column *j* (the
feedback weights that bring the error into neuron *j* of layer ℓ) is our column *j*:
:func:`normalize_feedback_columns_` normalizes along dimension −2.

Every function works **in place** under ``torch.no_grad()`` on the tensor it is given (a plain
tensor or an ``nn.Parameter`` an optimizer holds) and returns it. Nothing is rebound, so an
optimizer keeps updating the same tensor; this is deliberately *not*
``torch.nn.utils.weight_norm``, which reparametrizes W = g v/‖v‖ with a learnable g and changes
what the gradient acts on. Leading dimensions are batch dimensions (ensemble members): ``gamma``
may be a tensor broadcastable to them (one γ per member), and ``where`` a boolean tensor over them
selecting the members that are projected (the others are left untouched), so one ensemble can mix
normalized and unnormalized networks without a host synchronization.

A zero vector has no direction: it is left as it is (not projected).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor

__all__ = [
    "project_neurons_",
    "project_layer_",
    "match_feedback_norm_",
    "normalize_feedback_columns_",
    "neuron_norms",
    "project_module_",
]


def _batch_param(value, ref: Tensor, batch_ndim: int, name: str) -> Tensor:
    """``value`` (a number or a tensor over the batch dims) as a tensor broadcastable to ``ref``'s
    batch dims followed by singleton trailing dims (``batch_ndim`` leading dims of ``ref`` are the
    batch)."""
    t = torch.as_tensor(value, dtype=ref.dtype if name == "gamma" else None, device=ref.device)
    if t.dim() > batch_ndim:
        raise ValueError(
            f"{name} has shape {tuple(t.shape)}: expected a scalar or a tensor over the "
            f"{batch_ndim} batch dimension(s) {tuple(ref.shape[:batch_ndim])}"
        )
    return t.reshape(t.shape + (1,) * (ref.dim() - t.dim()))


def _check_gamma(gamma) -> None:
    if isinstance(gamma, int | float) and not gamma > 0:
        raise ValueError(f"gamma must be positive, got {gamma!r}")


def _apply_scale_(t: Tensor, scale: Tensor, where: Tensor | None, batch_ndim: int) -> Tensor:
    """``t *= scale`` in place, only for the members selected by ``where`` (if given)."""
    if where is not None:
        mask = _batch_param(where, t, batch_ndim, "where")
        if mask.dtype != torch.bool:
            raise ValueError(f"where must be a boolean tensor, got dtype {mask.dtype}")
        scale = torch.where(mask, scale, torch.ones_like(scale))
    t.mul_(scale)
    return t


def _safe_ratio(gamma: Tensor, norm: Tensor) -> Tensor:
    """γ / ‖v‖ where ‖v‖ > 0, else 1 (a zero vector stays zero)."""
    return torch.where(norm > 0, gamma / norm.clamp_min(torch.finfo(norm.dtype).tiny),
                       torch.ones_like(norm))


@torch.no_grad()
def project_neurons_(weight: Tensor, gamma=1.0, *, where: Tensor | None = None) -> Tensor:
    """Paper A eq. 32 in place: every row of ``weight`` (one neuron's incoming weights, shape
    ``(…, out, in)``) is rescaled to Euclidean norm ``gamma``.

    ``gamma``: a positive number, or a tensor over the leading (member) dims ``weight.shape[:-2]``.
    ``where``: optional boolean tensor over the same dims; unselected members are not touched.
    Idempotent; directions are kept. Returns ``weight``.
    """
    if weight.dim() < 2:
        raise ValueError(f"weight must have shape (..., out, in), got {tuple(weight.shape)}")
    _check_gamma(gamma)
    batch = weight.dim() - 2
    g = _batch_param(gamma, weight, batch, "gamma")
    norm = torch.linalg.vector_norm(weight, dim=-1, keepdim=True)
    return _apply_scale_(weight, _safe_ratio(g, norm), where, batch)


@torch.no_grad()
def project_layer_(weight: Tensor, gamma=7.07, *, where: Tensor | None = None) -> Tensor:
    """Layer-wise normalization of Paper A §2.5 in place: ``W ← γ_ℓ W / ‖W‖_F`` for each matrix
    (the last two dims; leading dims are members). Paper A uses γ_ℓ = 7.07 (= √50, the Frobenius
    norm of 50 unit-norm neurons). Returns ``weight``."""
    if weight.dim() < 2:
        raise ValueError(f"weight must have shape (..., out, in), got {tuple(weight.shape)}")
    _check_gamma(gamma)
    batch = weight.dim() - 2
    g = _batch_param(gamma, weight, batch, "gamma")
    norm = torch.linalg.matrix_norm(weight, keepdim=True)
    return _apply_scale_(weight, _safe_ratio(g, norm), where, batch)


@torch.no_grad()
def match_feedback_norm_(feedback: Tensor, weight: Tensor, *, where: Tensor | None = None) -> Tensor:
    """B-norm matching of Paper A §2.5 (Fig 6C,D) in place: ``B_ℓ ← B_ℓ ‖W_ℓ‖_F / ‖B_ℓ‖_F``.

    ``feedback`` is shaped like ``weight`` (the package stores B like W; the Frobenius norm does not
    depend on the orientation). Returns ``feedback``."""
    if feedback.shape != weight.shape:
        raise ValueError(f"shapes differ: feedback {tuple(feedback.shape)} vs weight "
                         f"{tuple(weight.shape)}")
    batch = weight.dim() - 2
    target = torch.linalg.matrix_norm(weight, keepdim=True)
    norm = torch.linalg.matrix_norm(feedback, keepdim=True)
    return _apply_scale_(feedback, _safe_ratio(target, norm), where, batch)


@torch.no_grad()
def normalize_feedback_columns_(feedback: Tensor, gamma=1.0, *,
                                where: Tensor | None = None) -> Tensor:
    """Paper A §4.4: with WN, "every column of B_ℓ" is normalized to ``gamma`` once, after
    initialization. Paper A's B_ℓ ∈ R^{n_{ℓ+1} × n_ℓ} is our ``(out, in)``: columns are along
    dim −2. Returns ``feedback``."""
    if feedback.dim() < 2:
        raise ValueError(f"feedback must have shape (..., out, in), got {tuple(feedback.shape)}")
    _check_gamma(gamma)
    batch = feedback.dim() - 2
    g = _batch_param(gamma, feedback, batch, "gamma")
    norm = torch.linalg.vector_norm(feedback, dim=-2, keepdim=True)
    return _apply_scale_(feedback, _safe_ratio(g, norm), where, batch)


def neuron_norms(weight: Tensor) -> Tensor:
    """Norm of each neuron's incoming weights (rows of ``(…, out, in)``): shape ``(…, out)``."""
    return torch.linalg.vector_norm(weight.detach(), dim=-1)


@torch.no_grad()
def project_module_(params: Iterable[Tensor], gamma=1.0) -> None:
    """Apply :func:`project_neurons_` to every 2-D parameter of ``params`` (the weight matrices of
    linear layers, shaped ``(out, in)``; biases are left alone), e.g.
    ``project_module_(model.parameters(), 1.0)`` right after ``optimizer.step()``. Parameters with
    more than two dimensions (convolution kernels) are refused: their neurons are not rows."""
    for p in params:
        if p.dim() > 2:
            raise ValueError(f"project_module_ handles linear weights only; got a parameter of "
                             f"shape {tuple(p.shape)}")
        if p.dim() == 2:
            project_neurons_(p, gamma)
