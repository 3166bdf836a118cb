"""Measurements that neither paper made (chapter 14): what drives the relaxation of IFA's initial
alignment in Paper A's deep network, whether IFA removes the layer-wise decline of the FA update's
alignment, and small helpers that phrase a comparison from its numbers.

**Relaxation decomposition.** Paper A's linear two-layer analysis (eq. 23) splits the update of a
layer into the alignment terms of all lags and a term that only involves the *initial* weights of
the layer below:

    ΔW₁[k] = Σ_{o=1}^{k} T°_aln[k] + η W₀[0]ᵀ X[k]ᵀ E[k].

Its nonlinear analogue in the deep network (Paper A eq. 22 with o = k; package orientation
``(out, in)``, see :mod:`fa_companion.nets.deep`) is, for a layer j ≥ 1,

    ΔW_j[k] = T^k_j,sup[k] + (ΔW_j[k] − T^k_j,sup[k]),
    T^k_j,sup[k] = η δ_{j+1}[k]ᵀ f(L_{j−1}[k] W_{j−1}[0]ᵀ),

where the first term (the *initial-weight term*) is the update layer j would receive if layer j−1
still had its initial weights, and the second (the *learned part*) is what layer j−1's learning
adds: Σ_o T°_aln[k] to first order in the changes of W_{j−1}, exactly as in eq. 23. Summing over
the iterations gives an exact decomposition of the weights at every iteration:

    W_j[k] = W_j[0] + Σ_{i<k} T^i_j,sup[i] + Σ_{i<k} (ΔW_j[i] − T^i_j,sup[i]) + P_j[k],

with P_j[k] the accumulated effect of any normalization (zero without one). Against the fixed
feedback direction b̂ = B_j/‖B_j‖_F, every part S contributes ⟨S, b̂⟩ to the component of W_j along
B_j and ⟨S, w_⊥⟩/‖w_⊥‖ to the length of its component w_⊥ = W_j − ⟨W_j, b̂⟩ b̂ perpendicular to it;
the contributions add up to ⟨W_j, b̂⟩ and ‖w_⊥‖, and the angle W_j∠B_j (Paper A eq. 33) is
atan(‖w_⊥‖ / ⟨W_j, b̂⟩). Under IFA 0° the perpendicular component starts at zero: its growth *is*
the relaxation, and the shares say which part of the updates drives it
(:class:`RelaxationTracker`, :func:`alignment_components`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from ..measure.stats import mean_sd, ranksum
from ..nets.deep import (
    DeepConfig,
    DeepMember,
    deep_condition_config,
    f_tanh_relu,
    run_deep_condition,
)

__all__ = [
    "RELAXATION_PARTS",
    "initial_weight_term",
    "alignment_components",
    "RelaxationTracker",
    "relaxation_config",
    "run_relaxation",
    "layer_decline",
    "decline_verdict",
    "group_comparison",
    "describe_difference",
]

RELAXATION_PARTS = ("initial", "initial-weight term", "learned part", "normalization")
"""The parts of W_j[k] in :class:`RelaxationTracker`, in the order of its arrays' part axis."""


@torch.no_grad()
def initial_weight_term(net, j: int, ls: Sequence[Tensor], deltas: Sequence[Tensor],
                        w_init: Tensor) -> Tensor:
    """T^k_j,sup[k] = η δ_{j+1}[k]ᵀ f(L_{j−1}[k] W_{j−1}[0]ᵀ): Paper A's sup-alignment term
    (eq. 22) with the lag o = k, i.e. the update layer ``j`` (1 ≤ j ≤ d−1) would receive if layer
    j−1 still had its initial weights ``w_init`` = W_{j−1}[0] (shape ``(M, n_j, n_{j−1})``).

    ``net`` is a :class:`fa_companion.nets.deep.DeepNet`, ``ls`` and ``deltas`` its activations and the
    deltas of the current iteration. Returns ``(M, n_{j+1}, n_j)``, shaped like W_j. At k = 0
    (``w_init`` the current weights) it equals the update ΔW_j itself.
    """
    if not 1 <= j < net.n_layers:
        raise ValueError(f"the initial-weight term exists for layers 1 … {net.n_layers - 1}, got {j}")
    l_init = f_tanh_relu(torch.matmul(ls[j - 1], w_init.transpose(-1, -2)))
    return net.lr * torch.matmul(deltas[j + 1].transpose(-1, -2), l_init)


@torch.no_grad()
def alignment_components(w: Tensor, b: Tensor, parts: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """Split ``w`` against the direction of ``b`` and attribute both components to ``parts``.

    ``w``, ``b``: ``(…, out, in)`` (leading dims are members); ``parts``: tensors shaped like
    ``w`` whose sum is ``w``. With b̂ = b/‖b‖_F and w_⊥ = w − ⟨w, b̂⟩ b̂, returns float64 tensors
    ``(parallel, perpendicular)`` of shape ``(len(parts), …)``: ⟨S, b̂⟩ and ⟨S, w_⊥⟩/‖w_⊥‖ for each
    part S. They sum over the parts to ⟨w, b̂⟩ and ‖w_⊥‖, so that the angle w∠b (Paper A eq. 33) is
    ``atan2(perpendicular.sum(0), parallel.sum(0))``. Where w_⊥ = 0 (w parallel to b) every
    perpendicular contribution is 0 (so is it where ‖w_⊥‖ < 10⁻¹² ‖w‖, float64 rounding).
    """
    if w.shape != b.shape or any(p.shape != w.shape for p in parts):
        raise ValueError(f"w {tuple(w.shape)}, b {tuple(b.shape)} and every part must have one shape")
    w64, b64 = w.detach().double().flatten(-2), b.detach().double().flatten(-2)
    b_hat = b64 / torch.linalg.vector_norm(b64, dim=-1, keepdim=True)
    w_perp = w64 - (w64 * b_hat).sum(-1, keepdim=True) * b_hat
    n_perp = torch.linalg.vector_norm(w_perp, dim=-1, keepdim=True)
    # w_⊥ below 1e-12 ‖w‖ is float64 rounding of a w parallel to b: no direction, contributions 0
    real = n_perp > 1e-12 * torch.linalg.vector_norm(w64, dim=-1, keepdim=True)
    u_perp = torch.where(real, w_perp / n_perp.clamp_min(1e-300), torch.zeros_like(w_perp))
    s = torch.stack([p.detach().double().flatten(-2) for p in parts])
    return (s * b_hat).sum(-1), (s * u_perp).sum(-1)


class RelaxationTracker:
    """An ``on_step`` hook for :func:`fa_companion.nets.deep.train_deep` that keeps the exact
    decomposition of the module docstring for layers j = 1 … d−1 and records, every ``every``
    iterations and once more after the last update (:meth:`finish`), the contributions of the
    parts (:data:`RELAXATION_PARTS`) to the components of W_j along and perpendicular to B_j.

    :meth:`arrays` returns ``rel_iter`` (R,): the iterations k whose state W[k] was recorded;
    ``rel_par``, ``rel_perp``, ``rel_norm`` (R, d−1, 4, M): per part, ⟨S, b̂⟩, ⟨S, w_⊥⟩/‖w_⊥‖ and
    ‖S‖_F; ``rel_angle`` (R, d−1, M): W_j∠B_j in degrees; ``rel_residual`` (R, d−1, M):
    ‖W_j − Σ parts‖/‖W_j‖ (rounding only). Costs about one extra forward and weight-update
    product per layer and iteration.
    """

    def __init__(self, every: int) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        self.every = every
        self.net = None
        self.k_next = 0
        self._records: dict[str, list] = {k: [] for k in ("iter", "par", "perp", "norm", "angle",
                                                          "residual")}
        self._finished = False

    def __call__(self, k: int, net, ls, deltas, updates) -> None:
        if k != self.k_next:
            raise ValueError(f"RelaxationTracker expected iteration {self.k_next}, got {k}")
        if self.net is None:
            self.net = net
            self.w_init = [w.clone() for w in net.W]
            self.sums = {name: [torch.zeros_like(w) for w in net.W] for name in RELAXATION_PARTS[1:]}
        else:
            self._fold_normalization()
        if k % self.every == 0:
            self._record(k)
        for j in range(1, net.n_layers):
            term = initial_weight_term(net, j, ls, deltas, self.w_init[j - 1])
            self.sums["initial-weight term"][j] += term
            self.sums["learned part"][j] += updates[j] - term
        self.w_prev = [w.clone() for w in net.W]
        self.dw_prev = [u.clone() for u in updates]
        self.k_next = k + 1

    @torch.no_grad()
    def _fold_normalization(self) -> None:
        """What the last step changed beyond its update (a projection; zero without one)."""
        for j in range(1, self.net.n_layers):
            self.sums["normalization"][j] += self.net.W[j] - self.w_prev[j] - self.dw_prev[j]

    def finish(self) -> None:
        """Record the state after the last update (``train_deep`` updates ``net.W`` in place)."""
        if self.net is None or self._finished:
            return
        self._fold_normalization()
        self._record(self.k_next)
        self._finished = True

    def parts(self, j: int) -> list[Tensor]:
        """The current parts of W_j (j ≥ 1), in the order of :data:`RELAXATION_PARTS`."""
        return [self.w_init[j]] + [self.sums[name][j] for name in RELAXATION_PARTS[1:]]

    @torch.no_grad()
    def _record(self, k: int) -> None:
        par, perp, norm, angle, resid = [], [], [], [], []
        for j in range(1, self.net.n_layers):
            w, b, parts = self.net.W[j], self.net.B[j], self.parts(j)
            p, q = alignment_components(w, b, parts)
            par.append(p)
            perp.append(q)
            norm.append(torch.stack([torch.linalg.matrix_norm(s.double()) for s in parts]))
            angle.append(torch.rad2deg(torch.atan2(q.sum(0), p.sum(0))))
            w64 = w.double()
            resid.append(torch.linalg.matrix_norm(w64 - sum(s.double() for s in parts))
                         / torch.linalg.matrix_norm(w64))
        rec = self._records
        rec["iter"].append(k)
        for key, values in (("par", par), ("perp", perp), ("norm", norm), ("angle", angle),
                            ("residual", resid)):
            rec[key].append(torch.stack(values).float().cpu())

    def arrays(self) -> dict[str, np.ndarray]:
        """The recorded contributions as numpy arrays (see the class docstring)."""
        self.finish()
        rec = self._records
        out = {"rel_iter": np.asarray(rec["iter"], dtype=np.int64)}
        for key in ("par", "perp", "norm", "angle", "residual"):
            out[f"rel_{key}"] = torch.stack(rec[key]).numpy() if rec[key] else np.zeros((0,))
        return out


def relaxation_config(members: Sequence[DeepMember], config: DeepConfig, *, every: int,
                      dataset: str = "fashion_mnist", n_train: int | None = None,
                      n_test: int | None = None, resize: int = 15) -> dict:
    """The results-store config of one :func:`run_relaxation` run: a
    :func:`fa_companion.nets.deep.deep_condition_config` plus the recording interval ``every``."""
    base = deep_condition_config(members, config, dataset=dataset, n_train=n_train,
                                 n_test=n_test, resize=resize)
    return {**base, "relaxation_every": int(every)}


def run_relaxation(config: dict, *, device="auto") -> dict:
    """Results-store compute function: :func:`fa_companion.nets.deep.run_deep_condition` with a
    :class:`RelaxationTracker` recording every ``config["relaxation_every"]`` iterations; its
    arrays are added to the stored ones and the part names to the summary."""
    tracker = RelaxationTracker(int(config["relaxation_every"]))
    out = run_deep_condition(config, device=device, on_step=tracker)
    out["arrays"].update(tracker.arrays())
    out["summary"]["relaxation_parts"] = list(RELAXATION_PARTS)
    out["summary"]["max_decomposition_residual"] = float(np.max(out["arrays"]["rel_residual"]))
    return out


# --------------------------------------------------------------------------------------------
# Comparisons phrased from their numbers
# --------------------------------------------------------------------------------------------


def layer_decline(angles: np.ndarray) -> np.ndarray:
    """The decline of alignment toward early layers (Paper A Fig 6D) of each network: the angle
    ΔW_ℓ,FA∠ΔW_ℓ,BP of the first layer minus that of the last layer that receives a fed-back error.

    ``angles``: ``(layers, networks)`` with layers ℓ = 0 … d−2 in order. Positive: earlier layers
    are further from BP (the decline Paper A reports); about zero: no decline."""
    a = np.asarray(angles, dtype=float)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"angles must be (layers ≥ 2, networks), got shape {a.shape}")
    return a[0] - a[-1]


def decline_verdict(decline_fa, decline_ifa, *, alpha: float = 0.05, flat: float = 1.0) -> str:
    """Whether initial alignment removes the layer-wise decline, from per-network declines
    (:func:`layer_decline`) of FA and of IFA: "removes" when IFA's mean decline is below ``flat``
    degrees (or negative); otherwise "reduces" or "increases" when it is smaller or larger than
    FA's by a two-sided rank-sum test at ``alpha``, and "does not detectably change" when the test
    does not resolve a difference."""
    fa, ifa = np.asarray(decline_fa, dtype=float), np.asarray(decline_ifa, dtype=float)
    if ifa.mean() < flat:
        return "removes"
    if ranksum(fa, ifa) < alpha:
        return "reduces" if ifa.mean() < fa.mean() else "increases"
    return "does not detectably change"


def group_comparison(a, b) -> dict[str, float]:
    """Two groups of per-network values: mean and SD of each (:func:`fa_companion.measure.stats.mean_sd`),
    the difference of means ``b − a`` and the two-sided rank-sum p (NaN with fewer than 2 values
    in a group)."""
    (ma, sa), (mb, sb) = mean_sd(a), mean_sd(b)
    try:
        p = ranksum(a, b)
    except ValueError:
        p = math.nan
    return {"mean_a": ma, "sd_a": sa, "mean_b": mb, "sd_b": sb, "diff": mb - ma, "p": p}


def describe_difference(diff: float, p: float, *, what: str, unit: str = "", alpha: float = 0.05,
                        up: str = "raises", down: str = "lowers") -> str:
    """A clause that states a difference with its test, e.g. "raises test accuracy by 0.42
    points (rank-sum p = 0.003)" or "does not change test accuracy detectably (difference
    +0.05 points, rank-sum p = 0.6)": the direction is only asserted when p < ``alpha``."""
    if not math.isfinite(p) or p >= alpha:
        return (f"does not change {what} detectably (difference {diff:+.2f}{unit}, "
                f"rank-sum p = {p:.2g})")
    return f"{up if diff > 0 else down} {what} by {abs(diff):.2f}{unit} (rank-sum p = {p:.2g})"
