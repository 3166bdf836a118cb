"""Paper A's deep setting (§2.5-2.6, Figs 6-8, S2-S3), hand-written and batched over members.

The network (Paper A §4.1, §4.3): input 225 (15×15 images in [0, 1], no mean/std
normalization), d = 5 weight layers of equal width m (50, or 100), no biases,
f(z) = tanh(ReLU(z)) on **every** layer including the output, targets are mutually exclusive n-hot
codes (:mod:`fa_companion.rules.codes`), loss ½ΣE² **summed** over the batch and the outputs, plain SGD
with mini-batches of 1000 taken in a fixed order (the authors never shuffle), W and B i.i.d.
N(0, 0.1²).

Paper A writes row vectors, Z_ℓ = L_{ℓ−1} W_{ℓ−1} with W_ℓ ∈ R^{n_ℓ × n_{ℓ+1}}. We store
``W[j]`` shaped ``(out, in) = (n_{j+1}, n_j)`` like ``torch.nn.Linear`` (Paper A's W_jᵀ) and the
feedback ``B[j]`` shaped like it, which is exactly Paper A's B_j ∈ R^{n_{j+1} × n_j}; so Paper A's
W_j ∠ B_jᵀ is our ``angle(W[j], B[j])``. With E = Y* − Y (eqs 13-19):

    δ_d = E ⊙ f'(Z_d),   δ_j = δ_{j+1} F_j ⊙ f'(Z_j),   ΔW_j = η δ_{j+1}ᵀ L_j   (ours: (out, in))

with F_j = B_j for FA (BP-TRW, eq. 18) and F_j = W_j for BP (eq. 16); W_j ← W_j + ΔW_j (eq. 13).
δ is the *negative* gradient of the loss with respect to Z, so ΔW_BP = −η ∂L/∂W exactly (eq. 14).

Everything is batched over M **members** (a leading dimension; ``torch.matmul`` on stacked
weights), so repetitions and conditions (rule, normalization, γ, η, label smoothing) train in one
pass; member i's trajectory does not depend on which other members share the ensemble. Variants
(:class:`DeepMember`): ``norm="neuron"`` (Paper A's WN, eq. 32, with B's columns normalized once at
init, §4.4), ``"layer"`` (W ← γ_ℓ W/‖W‖_F), ``"bnorm"`` (B ← B‖W‖_F/‖B‖_F each iteration);
projections are in place (:mod:`fa_companion.rules.normalize`). An FA member with ``theta_init`` starts
from Paper B's one-time soft alignment (Algorithm 1, :func:`fa_companion.rules.init.soft_alignment`):
W_j = B_j cos θ + R_j sin θ with R_j the member's independent draw of W_j, so it is Paper B's IFA
in Paper A's network (θ = 0°: W_j = B_j, Paper A's W_j = B_jᵀ).

Recorded during training (:func:`train_deep`; no host synchronization inside the loop):

- per epoch: test accuracy and loss, running training accuracy and loss, the fraction of output
  units with f'(Z_d) = 0 (Z_d ≤ 0) or tanh-saturated (f'(Z_d) < 0.01);
- at "record points" (every iteration below ``record_dense``, then every ``record_every``):
  ΔW_j,own ∠ ΔW_j,BP at the same state (j = 0 … d−2; the last layer's is 0 by construction),
  W_j ∠ B_j and ΔW_j,own ∠ B_j (j = 1 … d−1), ‖W_j‖_F and ‖B_j‖_F;
- optionally the alignment terms of Paper A eqs 21-22 for layers ℓ = 1 … d−1 at the record
  points: T¹_ℓ, T^P_ℓ (P = mini-batches per epoch; Paper A's T⁶⁰) and the sup-alignment term
  T¹_ℓ,sup, as angles with B_ℓᵀ;
- optionally, every iteration, ``acf_elements`` random elements of L_ℓ and δ_ℓ per layer
  (Fig 7A,B), returned as their ACFs (Paper A eq. 34, :func:`fa_companion.rules.metrics.acf`);
- optionally Z_d of the first ``z_samples`` test images at the code switch and at the end (Fig 8B).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor

from .. import resolve_device
from ..rules.codes import LABEL_SMOOTHING, code_targets, decode, member_codes
from ..rules.init import check_theta, soft_alignment
from ..rules.metrics import acf, frobenius_angle
from ..rules.normalize import (
    match_feedback_norm_,
    normalize_feedback_columns_,
    project_layer_,
    project_neurons_,
)

__all__ = [
    "NORMS",
    "df_from_output",
    "DEEP_RULES",
    "DeepMember",
    "DeepConfig",
    "DeepNet",
    "f_tanh_relu",
    "df_tanh_relu",
    "load_deep_data",
    "train_deep",
    "alignment_terms",
    "moving_average",
    "PAPER_A_SIZES",
    "TRACE_KEYS",
    "reduce_history",
    "deep_condition_config",
    "run_deep_condition",
]

NORMS = ("none", "neuron", "layer", "bnorm")
DEEP_RULES = ("fa", "bp")
PAPER_A_SIZES = (225, 50, 50, 50, 50, 50)
"""Paper A's five-layer network (Fig 6I): 225 inputs, four hidden layers and the output of width 50."""


def f_tanh_relu(z: Tensor) -> Tensor:
    """Paper A's activation f(z) = tanh(ReLU(z)) (§4.3)."""
    return torch.relu(z).tanh_()


def df_tanh_relu(z: Tensor) -> Tensor:
    """f'(z) = 1 − tanh²(z) for z > 0, else 0 (autograd's ReLU'(0) = 0 convention)."""
    return df_from_output(f_tanh_relu(z))


def df_from_output(l: Tensor) -> Tensor:
    """f'(z) from the output L = f(z) = tanh(ReLU(z)): ``sign(L) − L²``.

    L = 0 exactly when z ≤ 0 (f' = 0 there) and L ∈ (0, 1) when z > 0, where f' = 1 − L²; so
    f' = sign(L) − L² everywhere (two vectorized ops, no boolean masks, which are slow on CPU).
    """
    return torch.sign(l).addcmul_(l, l, value=-1.0)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeepMember:
    """One network: learning rule, normalization, γ, learning rate, label smoothing, seed.

    ``gamma`` is the neuron-wise γ for ``norm="neuron"`` (Paper A: 1 in Figs 6-7, 0.6 in Fig 8) and
    the layer-wise γ_ℓ for ``norm="layer"`` (7.07); it must be None otherwise. Members with the same
    seed start from the same W and B (and the same codes), whatever their rule or normalization
    (before the WN projection of the initial state).

    ``theta_init`` (degrees, FA only): None for Paper A's independent draws; a number for Paper B's
    initial alignment (IFA): W_j = B_j cos θ + R_j sin θ with B_j and R_j the member's draws
    (:func:`fa_companion.rules.init.soft_alignment`), so IFA 90° is FA. With ``norm="neuron"`` B's
    columns and W's rows are rescaled after the alignment, so the initial angle is then close to,
    not exactly, θ. Left out of :meth:`to_dict` when None, so configs without it keep their hash.

    ``normalize_b`` (with ``norm="neuron"`` only): True follows Paper A's Methods §4.4 ("whenever
    we used WN, we also normalized every column of B_ℓ with γ at the beginning"); False follows
    the authors' code (Figure8_S3.ipynb), which leaves B as drawn under WN. Left out of
    :meth:`to_dict` when True, so configs without it keep their hash.
    """

    rule: str = "fa"
    norm: str = "none"
    gamma: float | None = None
    lr: float = 5e-4
    smoothing: bool = False
    seed: int = 0
    theta_init: float | None = None
    normalize_b: bool = True

    def __post_init__(self) -> None:
        if self.rule not in DEEP_RULES:
            raise ValueError(f"unknown rule {self.rule!r}; valid rules are {DEEP_RULES}")
        if self.norm not in NORMS:
            raise ValueError(f"unknown norm {self.norm!r}; valid choices are {NORMS}")
        if self.norm in ("neuron", "layer"):
            if self.gamma is None or not (0 < self.gamma < math.inf):
                raise ValueError(f"norm={self.norm!r} needs a positive finite gamma, got {self.gamma!r}")
        elif self.gamma is not None:
            raise ValueError(f"gamma={self.gamma!r} is only used with norm 'neuron' or 'layer', "
                             f"not {self.norm!r}")
        if not (0 < self.lr < math.inf):
            raise ValueError(f"lr must be positive and finite, got {self.lr!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        if self.theta_init is not None:
            check_theta(self.theta_init)
            if self.rule != "fa":
                raise ValueError(f"theta_init (initial alignment, IFA) needs rule 'fa', got "
                                 f"{self.rule!r}")
        if not isinstance(self.normalize_b, bool):
            raise ValueError(f"normalize_b must be True or False, got {self.normalize_b!r}")
        if not self.normalize_b and self.norm != "neuron":
            raise ValueError("normalize_b=False (B left as drawn under WN) needs norm='neuron', "
                             f"got {self.norm!r}")

    @property
    def label(self) -> str:
        name = self.rule.upper() if self.theta_init is None else f"IFA {self.theta_init:g}°"
        if self.norm == "neuron":
            name += f" + WN γ={self.gamma:g}" + ("" if self.normalize_b else " (B as drawn)")
        elif self.norm == "layer":
            name += f" + layer-norm γ={self.gamma:g}"
        elif self.norm == "bnorm":
            name += " + B-norm matching"
        return name + (" + LS" if self.smoothing else "")

    def to_dict(self) -> dict:
        """The member as a dict (``theta_init`` omitted when None and ``normalize_b`` when True:
        the hash of older configs)."""
        d = asdict(self)
        if d["theta_init"] is None:
            del d["theta_init"]
        if d["normalize_b"]:
            del d["normalize_b"]
        return d


@dataclass(frozen=True)
class DeepConfig:
    """Architecture, schedule and what to record (defaults: Paper A's Fig 6 setting)."""

    sizes: tuple[int, ...] = PAPER_A_SIZES
    n_hot: int = 5
    n_classes: int = 10
    batch_size: int = 1000
    epochs: int = 100
    switch_epoch: int | None = None
    init_sd: float = 0.1
    shuffle: bool = False
    record_dense: int = 300
    record_every: int = 5
    terms: bool = False
    acf_elements: int = 0
    acf_max_lag: int = 200
    z_samples: int = 0
    eval_batch: int = 1000
    element_seed: int = 0
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if len(self.sizes) < 3 or min(self.sizes) < 1:
            raise ValueError(f"sizes needs ≥ 3 positive widths (input, hidden…, output), got {self.sizes}")
        if self.n_hot * self.n_classes > self.sizes[-1]:
            raise ValueError(f"n_hot·n_classes = {self.n_hot * self.n_classes} exceeds the output "
                             f"width {self.sizes[-1]}")
        for name in ("batch_size", "epochs", "record_every", "eval_batch"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < (0 if name == "epochs" else 1):
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if self.switch_epoch is not None and not 0 < self.switch_epoch < self.epochs:
            raise ValueError(f"switch_epoch must lie in (0, epochs={self.epochs}), got {self.switch_epoch}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def load_deep_data(dataset: str = "fashion_mnist", *, n_train: int | None = None,
                   n_test: int | None = None, resize: int = 15, resize_method: str = "antialias",
                   device="auto", seed: int = 0):
    """Paper A's inputs: images resized to ``resize``×``resize`` and flattened, pixel values in
    [0, 1] (÷255), no mean/std normalization (§4.3). ``resize_method``: ``"antialias"`` or
    ``"cv2"`` (the authors' ``cv2.resize`` default; :func:`fa_companion.data.datasets.resize_images`).
    Returns a flat :class:`fa_companion.data.datasets.TensorDataset` on ``device``."""
    from ..data.datasets import load_dataset

    return load_dataset(dataset, n_train=n_train, n_test=n_test, resize=resize, seed=seed,
                        resize_method=resize_method,
                        device=resolve_device(device)).flat()


# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------


class DeepNet:
    """M networks of Paper A's deep setting, stacked: ``W[j]``, ``B[j]`` of shape ``(M, out, in)``.

    Plain tensors (no autograd): :meth:`forward`, the hand-written backward :meth:`deltas`, the
    :meth:`updates` and :meth:`apply_` (update, then normalization in place) make one iteration.
    """

    def __init__(self, members: Sequence[DeepMember], config: DeepConfig = DeepConfig(), *,
                 device="auto") -> None:
        members = list(members)
        if not members:
            raise ValueError("need at least one DeepMember")
        self.members, self.config = members, config
        self.device = resolve_device(device)
        self.dtype = getattr(torch, config.dtype)
        dev, dt = self.device, self.dtype
        shapes = [(o, i) for i, o in zip(config.sizes[:-1], config.sizes[1:])]
        draws = []
        for m in members:
            gen = torch.Generator().manual_seed(int(m.seed))
            layer = []
            for shape in shapes:
                w = config.init_sd * torch.randn(shape, generator=gen, dtype=torch.float64)
                b = config.init_sd * torch.randn(shape, generator=gen, dtype=torch.float64)
                if m.theta_init is not None:  # Paper B Algorithm 1: W = Bᵀ cos θ + R sin θ
                    w = soft_alignment(b, w, m.theta_init)
                layer.append((w, b))
            draws.append(layer)
        self.W = [torch.stack([d[j][0] for d in draws]).to(dev, dt) for j in range(len(shapes))]
        self.B = [torch.stack([d[j][1] for d in draws]).to(dev, dt) for j in range(len(shapes))]
        m_ = len(members)
        self.lr = torch.tensor([m.lr for m in members], dtype=dt, device=dev).view(m_, 1, 1)
        self.bp = torch.tensor([m.rule == "bp" for m in members], device=dev)
        self.neuron = torch.tensor([m.norm == "neuron" for m in members], device=dev)
        self.layer = torch.tensor([m.norm == "layer" for m in members], device=dev)
        self.bnorm = torch.tensor([m.norm == "bnorm" for m in members], device=dev)
        self.gamma = torch.tensor([m.gamma if m.gamma is not None else 1.0 for m in members],
                                  dtype=dt, device=dev)
        self.any_neuron, self.any_layer = bool(self.neuron.any()), bool(self.layer.any())
        self.any_bnorm, self.any_bp = bool(self.bnorm.any()), bool(self.bp.any())
        self.all_bp = bool(self.bp.all())
        lo, hi = LABEL_SMOOTHING
        self.t_low = torch.tensor([lo if m.smoothing else 0.0 for m in members], dtype=dt,
                                  device=dev).view(m_, 1, 1)
        self.t_high = torch.tensor([hi if m.smoothing else 1.0 for m in members], dtype=dt,
                                   device=dev).view(m_, 1, 1)
        self.code_draw = 0
        self.codes = self._draw_codes(0)
        # Paper A §4.4: with WN, B's columns are normalized to γ once, after initialization (not
        # for members with normalize_b=False, the authors' code); the forward weights are on their
        # spheres from the start (the projection of every step).
        norm_b = self.neuron & torch.tensor([m.normalize_b for m in members], device=dev)
        if bool(norm_b.any()):
            for j in range(len(shapes)):
                normalize_feedback_columns_(self.B[j], self.gamma, where=norm_b)
        self.normalize_()

    # -- helpers ---------------------------------------------------------------------------

    @property
    def n_members(self) -> int:
        return len(self.members)

    @property
    def n_layers(self) -> int:
        return len(self.W)

    def _draw_codes(self, draw: int) -> Tensor:
        c = self.config
        return member_codes([m.seed for m in self.members], c.n_classes, c.sizes[-1], c.n_hot,
                            draw=draw, dtype=self.dtype).to(self.device)

    def switch_codes(self) -> None:
        """Fig 8: draw new mutually exclusive n-hot codes (Paper A §4.9, "repeated … at epoch 100")."""
        self.code_draw += 1
        self.codes = self._draw_codes(self.code_draw)

    def targets(self, y: Tensor) -> Tensor:
        """Y* for labels ``y``: ``(M, N, m)``, label-smoothed for the members that use it."""
        raw = code_targets(self.codes, y)
        return self.t_low + (self.t_high - self.t_low) * raw

    def feedback_path(self, j: int, rule: str = "own") -> Tensor:
        """The matrix that carries δ_{j+1} back to layer j: B_j for FA, W_j for BP (``rule='own'``
        picks per member); ``'bp'`` / ``'fa'`` force one."""
        if rule == "bp" or (rule == "own" and self.all_bp):
            return self.W[j]
        if rule == "fa" or not self.any_bp:
            return self.B[j]
        return torch.where(self.bp.view(-1, 1, 1), self.W[j], self.B[j])

    @torch.no_grad()
    def normalize_(self) -> None:
        """The per-iteration normalizations, in place: neuron-wise WN (eq. 32), layer-wise, B-norm
        matching, each for the members that use it."""
        for j in range(self.n_layers):
            if self.any_neuron:
                project_neurons_(self.W[j], self.gamma, where=self.neuron)
            if self.any_layer:
                project_layer_(self.W[j], self.gamma, where=self.layer)
            if self.any_bnorm:
                match_feedback_norm_(self.B[j], self.W[j], where=self.bnorm)

    # -- forward / backward ----------------------------------------------------------------

    def forward(self, x: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """``Z[j]`` (j = 1 … d; ``Z[0]`` is None) and ``L[j]`` (j = 0 … d; ``L[0] = x``).

        ``x``: ``(N, n_0)`` shared by all members, or ``(M, N, n_0)``. Z_j is ``(M, N, n_j)``.
        """
        zs: list[Tensor | None] = [None]
        ls = [x]
        h = x
        for w in self.W:
            z = torch.matmul(h, w.transpose(-1, -2))
            h = f_tanh_relu(z)
            zs.append(z)
            ls.append(h)
        return zs, ls

    def deltas(self, zs, ls, target: Tensor, rule: str = "own") -> list[Tensor]:
        """δ_j for j = 1 … d (index j; entry 0 is None): eqs 15-18, E = Y* − Y."""
        d = self.n_layers
        out: list[Tensor | None] = [None] * (d + 1)
        out[d] = (target - ls[d]).mul_(df_from_output(ls[d]))
        for j in range(d - 1, 0, -1):
            out[j] = torch.matmul(out[j + 1], self.feedback_path(j, rule)).mul_(df_from_output(ls[j]))
        return out

    def updates(self, ls, deltas) -> list[Tensor]:
        """ΔW_j = η δ_{j+1}ᵀ L_j (eqs 14, 19), shape ``(M, out, in)``."""
        return [self.lr * torch.matmul(deltas[j + 1].transpose(-1, -2), ls[j])
                for j in range(self.n_layers)]

    @torch.no_grad()
    def apply_(self, updates: Sequence[Tensor]) -> None:
        """W_j ← W_j + ΔW_j (eq. 13), then the normalizations."""
        for w, dw in zip(self.W, updates):
            w.add_(dw)
        self.normalize_()

    @torch.no_grad()
    def evaluate(self, x: Tensor, y: Tensor, batch: int = 1000) -> dict[str, Tensor]:
        """Per member on ``(x, y)``: accuracy (%), loss ½ΣE² per sample, the fraction of output
        values with f'(Z_d) = 0 (Z_d ≤ 0, ``dead``) and with f'(Z_d) < 0.01 (dead or
        tanh-saturated, ``flat``), and the fraction of output *neurons* silent (Z_d ≤ 0) on every
        sample (``silent``: no error ever reaches their incoming weights, Fig 8B's argument)."""
        m = self.n_members
        acc = torch.zeros(m, dtype=torch.float64, device=self.device)
        loss = torch.zeros_like(acc)
        dead = torch.zeros_like(acc)
        flat = torch.zeros_like(acc)
        z_max = torch.full((m, self.config.sizes[-1]), -math.inf, dtype=self.dtype,
                           device=self.device)
        for i in range(0, len(x), batch):
            xb, yb = x[i:i + batch], y[i:i + batch]
            zs, ls = self.forward(xb)
            out = ls[-1]
            acc += (decode(out, self.codes) == yb).sum(-1).double()
            loss += 0.5 * ((self.targets(yb) - out) ** 2).sum((-2, -1)).double()
            dead += (out == 0).sum((-2, -1)).double()
            flat += (df_from_output(out) < 0.01).sum((-2, -1)).double()
            z_max = torch.maximum(z_max, zs[-1].amax(-2))
        n, units = len(x), len(x) * self.config.sizes[-1]
        return {"acc": 100 * acc / n, "loss": loss / n, "dead": dead / units, "flat": flat / units,
                "silent": (z_max <= 0).double().mean(-1)}


# --------------------------------------------------------------------------------------------
# Training with recording
# --------------------------------------------------------------------------------------------


def _record_iters(total: int, dense: int, every: int) -> list[int]:
    return [k for k in range(total) if k < dense or k % every == 0]


def _angle(a: Tensor, b: Tensor) -> Tensor:
    return frobenius_angle(a, b, batch_dims=1).to(torch.float32)


def train_deep(data, members: Sequence[DeepMember], config: DeepConfig = DeepConfig(), *,
               device="auto", on_step=None) -> dict[str, np.ndarray]:
    """Train the members on ``data`` (a flat :class:`~fa_companion.data.datasets.TensorDataset` with
    ``input_dim == sizes[0]``) and return the history as numpy arrays (see the module docstring).

    Array names and shapes (M members, d layers, E epochs, R record points, P batches per epoch):
    ``test_acc``, ``test_loss``, ``test_dead``, ``test_flat``, ``test_silent`` ``(E+1, M)`` (row 0:
    at init; see :meth:`DeepNet.evaluate`);
    ``train_acc``, ``train_loss`` ``(E, M)``; ``rec_iter`` ``(R,)``; ``angle_update`` ``(R, d−1, M)``
    (layers 0 … d−2); ``angle_wb``, ``angle_update_b`` ``(R, d−1, M)`` (layers 1 … d−1);
    ``w_norm``, ``b_norm`` ``(R, d, M)``; with ``terms``: ``angle_t1``, ``angle_tp``,
    ``angle_tsup`` ``(R, d−1, M)`` (layers 1 … d−1; NaN where k < P for T^P); with
    ``acf_elements``: ``acf_l``, ``acf_delta`` ``(d, n_el, M, max_lag+1)`` (layers 1 … d);
    with ``z_samples``: ``z_switch`` and ``z_final`` ``(M, z_samples, m)``.

    ``on_step``: optional callable ``on_step(k, net, ls, deltas, updates)`` called at every
    iteration k with the :class:`DeepNet`, its activations L_j, the deltas δ_j of the members' own
    rules and the updates ΔW_j, after they are computed and before they are applied (see
    :class:`fa_companion.theory.synthesis.RelaxationTracker`); it must not modify them.
    """
    cfg = config
    dev = resolve_device(device)
    if data.input_dim != cfg.sizes[0]:
        raise ValueError(f"data has {data.input_dim} inputs but sizes[0] = {cfg.sizes[0]}")
    net = DeepNet(members, cfg, device=dev)
    dt = net.dtype
    x_train = data.x_train.to(dev, dt)
    y_train = data.y_train.to(dev)
    x_test, y_test = data.x_test.to(dev, dt), data.y_test.to(dev)
    n_batches = len(x_train) // cfg.batch_size
    if n_batches < 1:
        raise ValueError(f"{len(x_train)} training samples are fewer than one batch of {cfg.batch_size}")
    total = n_batches * cfg.epochs
    d, m = net.n_layers, net.n_members
    rec = _record_iters(total, cfg.record_dense, cfg.record_every)
    rec_index = {k: i for i, k in enumerate(rec)}
    # the states T¹ and T^P need at each record point k: W and ΔW at k − 1 and at k − P
    capture = ({k - o for k in rec for o in (0, 1, n_batches) if k >= o} if cfg.terms else set())
    f32 = dict(dtype=torch.float32, device=dev)
    h = {
        "test_acc": torch.zeros(cfg.epochs + 1, m, **f32),
        "test_loss": torch.zeros(cfg.epochs + 1, m, **f32),
        "test_dead": torch.zeros(cfg.epochs + 1, m, **f32),
        "test_flat": torch.zeros(cfg.epochs + 1, m, **f32),
        "test_silent": torch.zeros(cfg.epochs + 1, m, **f32),
        "train_acc": torch.zeros(cfg.epochs, m, **f32),
        "train_loss": torch.zeros(cfg.epochs, m, **f32),
        "angle_update": torch.full((len(rec), d - 1, m), float("nan"), **f32),
        "angle_wb": torch.zeros(len(rec), d - 1, m, **f32),
        "angle_update_b": torch.zeros(len(rec), d - 1, m, **f32),
        "w_norm": torch.zeros(len(rec), d, m, **f32),
        "b_norm": torch.zeros(len(rec), d, m, **f32),
    }
    if cfg.terms:
        for key in ("angle_t1", "angle_tp", "angle_tsup"):
            h[key] = torch.full((len(rec), d - 1, m), float("nan"), **f32)
    n_el = cfg.acf_elements
    if n_el:
        gen = torch.Generator().manual_seed(cfg.element_seed)
        el_rows = torch.randint(0, cfg.batch_size, (d, n_el), generator=gen).to(dev)
        el_cols = torch.stack([torch.randint(0, cfg.sizes[j + 1], (n_el,), generator=gen)
                               for j in range(d)]).to(dev)
        trace_l = torch.zeros(d, n_el, m, total, **f32)
        trace_delta = torch.zeros(d, n_el, m, total, **f32)
    eval0 = net.evaluate(x_test, y_test, cfg.eval_batch)
    for key in ("acc", "loss", "dead", "flat", "silent"):
        h[f"test_{key}"][0] = eval0[key]
    z_store = {}
    snaps: dict[int, tuple[list[Tensor], list[Tensor]]] = {}
    order = torch.arange(len(x_train), device=dev)
    shuffle_gen = torch.Generator().manual_seed(cfg.element_seed + 1)
    k = 0
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        if cfg.switch_epoch is not None and epoch == cfg.switch_epoch:
            if cfg.z_samples:
                z_store["z_switch"] = net.forward(x_test[: cfg.z_samples])[0][-1].float().clone()
            net.switch_codes()
        if cfg.shuffle:
            order = torch.randperm(len(x_train), generator=shuffle_gen).to(dev)
        run_correct = torch.zeros(m, dtype=torch.float64, device=dev)
        run_loss = torch.zeros(m, dtype=torch.float64, device=dev)
        for b in range(n_batches):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            xb, yb = x_train[idx], y_train[idx]
            target = net.targets(yb)
            zs, ls = net.forward(xb)
            own = net.deltas(zs, ls, target, "own")
            dws = net.updates(ls, own)
            err = target - ls[-1]
            run_loss += 0.5 * (err * err).sum((-2, -1)).double()
            run_correct += (decode(ls[-1], net.codes) == yb).sum(-1).double()
            if n_el:
                for j in range(d):
                    trace_l[j, :, :, k] = ls[j + 1][:, el_rows[j], el_cols[j]].T
                    trace_delta[j, :, :, k] = own[j + 1][:, el_rows[j], el_cols[j]].T
            r = rec_index.get(k)
            if r is not None:
                _record(h, r, net, zs, ls, own, dws, target)
                if cfg.terms:
                    _record_terms(h, r, k, n_batches, net, zs, ls, own, snaps)
            if k in capture:
                snaps[k] = ([w.clone() for w in net.W[:-1]], dws[:-1])
                for old in [i for i in snaps if i < k - n_batches]:
                    del snaps[old]
            if on_step is not None:
                on_step(k, net, ls, own, dws)
            net.apply_(dws)
            k += 1
        h["train_acc"][epoch] = (100 * run_correct / (n_batches * cfg.batch_size)).float()
        h["train_loss"][epoch] = (run_loss / (n_batches * cfg.batch_size)).float()
        ev = net.evaluate(x_test, y_test, cfg.eval_batch)
        for key in ("acc", "loss", "dead", "flat", "silent"):
            h[f"test_{key}"][epoch + 1] = ev[key]
    if cfg.z_samples:
        z_store["z_final"] = net.forward(x_test[: cfg.z_samples])[0][-1].float().clone()
    out = {key: v.cpu().numpy() for key, v in h.items()}
    out["rec_iter"] = np.asarray(rec, dtype=np.int64)
    out.update({key: v.cpu().numpy() for key, v in z_store.items()})
    if n_el:
        lag = min(cfg.acf_max_lag, total - 1)
        out["acf_l"] = acf(trace_l, lag).float().cpu().numpy()
        out["acf_delta"] = acf(trace_delta, lag).float().cpu().numpy()
    out["n_batches"] = np.asarray(n_batches)
    out["train_seconds"] = np.asarray(time.perf_counter() - t0)
    return out


@torch.no_grad()
def _record(h, r: int, net: DeepNet, zs, ls, own, dws, target) -> None:
    """Per-record-point angles and norms (before the update of this iteration)."""
    d = net.n_layers
    if net.all_bp:
        bp_dws = dws
    else:
        bp = net.deltas(zs, ls, target, "bp")
        bp_dws = net.updates(ls, bp)
    for j in range(d - 1):
        h["angle_update"][r, j] = _angle(dws[j], bp_dws[j])
    for j in range(1, d):
        h["angle_wb"][r, j - 1] = _angle(net.W[j], net.B[j])
        h["angle_update_b"][r, j - 1] = _angle(dws[j], net.B[j])
    for j in range(d):
        h["w_norm"][r, j] = torch.linalg.matrix_norm(net.W[j]).float()
        h["b_norm"][r, j] = torch.linalg.matrix_norm(net.B[j]).float()


@torch.no_grad()
def alignment_terms(net: DeepNet, j: int, ls, own, w_old: Tensor, dw_old: Tensor,
                    with_sup: bool = False) -> tuple[Tensor, Tensor | None]:
    """Paper A eqs 21-22 for layer ℓ = ``j`` (1 ≤ j ≤ d−1) at the current iteration k, given the
    weights ``w_old`` = W_{ℓ−1}[k−o] and the update ``dw_old`` = ΔW_{ℓ−1}[k−o] =
    η δ_ℓ[k−o]ᵀ L_{ℓ−1}[k−o] of iteration k−o (our (out, in) orientation).

    With Z̃ = L_{ℓ−1}[k] W_{ℓ−1}[k−o]ᵀ, returns T^o_ℓ[k] = η δ_{ℓ+1}[k]ᵀ (f'(Z̃) ⊙ L_{ℓ−1}[k]
    ΔW_{ℓ−1}[k−o]ᵀ) (eq. 21, shaped like W_ℓ) and, if ``with_sup``, the sup-alignment term
    T^o_ℓ,sup[k] = η δ_{ℓ+1}[k]ᵀ f(Z̃) (eq. 22). For o = 1 and plain FA (no projection)
    ΔW_ℓ[k] = T¹_ℓ[k] + T¹_ℓ,sup[k] + O(η²) (the first-order Taylor step of eq. 20).
    """
    if not 1 <= j < net.n_layers:
        raise ValueError(f"alignment terms exist for layers 1 … {net.n_layers - 1}, got {j}")
    z_tilde = torch.matmul(ls[j - 1], w_old.transpose(-1, -2))
    dz = torch.matmul(ls[j - 1], dw_old.transpose(-1, -2))
    delta_t = own[j + 1].transpose(-1, -2)
    t = net.lr * torch.matmul(delta_t, df_tanh_relu(z_tilde).mul_(dz))
    sup = net.lr * torch.matmul(delta_t, f_tanh_relu(z_tilde)) if with_sup else None
    return t, sup


@torch.no_grad()
def _record_terms(h, r: int, k: int, period: int, net: DeepNet, zs, ls, own, snaps) -> None:
    """T¹_ℓ, T^P_ℓ and T¹_ℓ,sup (:func:`alignment_terms`) at iteration k, as angles with B_ℓᵀ
    (our B_ℓ), for ℓ = 1 … d−1."""
    for o, key in ((1, "angle_t1"), (period, "angle_tp")):
        snap = snaps.get(k - o)
        if snap is None:
            continue
        w_old, dw_old = snap
        for j in range(1, net.n_layers):
            t, sup = alignment_terms(net, j, ls, own, w_old[j - 1], dw_old[j - 1], with_sup=o == 1)
            h[key][r, j - 1] = _angle(t, net.B[j])
            if sup is not None:
                h["angle_tsup"][r, j - 1] = _angle(sup, net.B[j])


def moving_average(values: np.ndarray, iters: np.ndarray, window: int = 60) -> np.ndarray:
    """Mean of ``values`` (first axis = record points at iterations ``iters``) over the record
    points in the trailing window (k − window, k] (Paper A §4.7: moving average of length 60)."""
    values = np.asarray(values, dtype=np.float64)
    iters = np.asarray(iters)
    zero = np.zeros((1,) + values.shape[1:])
    csum = np.concatenate([zero, np.nancumsum(values, axis=0)])
    ccount = np.concatenate([zero, np.cumsum(~np.isnan(values), axis=0)])
    lo = np.searchsorted(iters, iters - window, side="right")
    hi = np.arange(1, len(iters) + 1)
    count = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (csum[hi] - csum[lo]) / np.maximum(count, 1), np.nan)



# --------------------------------------------------------------------------------------------
# Results-store entry points
# --------------------------------------------------------------------------------------------

TRACE_KEYS = ("angle_update", "angle_wb", "angle_update_b", "w_norm", "b_norm", "angle_t1",
              "angle_tp", "angle_tsup")
"""Per-record-point arrays ``(R, layers, M)`` that :func:`reduce_history` summarizes."""


def reduce_history(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compact a :func:`train_deep` history for storage.

    Every per-record-point array ``key`` of shape ``(R, layers, M)`` becomes ``key_mean`` and
    ``key_sem`` (mean and standard error over the M members, NaN-aware; the SEM is NaN for M = 1),
    ``(R, layers)`` in float32, and ``key_epoch`` ``(E, layers, M)``: each member's mean over the
    record points of each epoch (for statistics across repetitions). Other arrays are kept.
    """
    n_batches = int(out["n_batches"])
    rec = np.asarray(out["rec_iter"])
    epoch_of = rec // n_batches
    n_epochs = int(out["train_acc"].shape[0])
    reduced = {}
    for key, arr in out.items():
        if key not in TRACE_KEYS:
            reduced[key] = arr
            continue
        arr = np.asarray(arr, dtype=np.float64)
        m = arr.shape[-1]
        with warnings.catch_warnings():  # all-NaN slices (T^P before k = P) are expected
            warnings.simplefilter("ignore", RuntimeWarning)
            reduced[f"{key}_mean"] = np.nanmean(arr, axis=-1).astype(np.float32)
            sem = np.nanstd(arr, axis=-1, ddof=1) / np.sqrt(np.sum(~np.isnan(arr), axis=-1)) \
                if m > 1 else np.full(arr.shape[:-1], np.nan)
            reduced[f"{key}_sem"] = np.asarray(sem, dtype=np.float32)
            per_epoch = np.stack([np.nanmean(arr[epoch_of == e], axis=0) if np.any(epoch_of == e)
                                  else np.full(arr.shape[1:], np.nan) for e in range(n_epochs)])
        reduced[f"{key}_epoch"] = per_epoch.astype(np.float32)
    return reduced


def deep_condition_config(members: Sequence[DeepMember], config: DeepConfig, *,
                          dataset: str = "fashion_mnist", n_train: int | None = None,
                          n_test: int | None = None, resize: int = 15,
                          resize_method: str = "antialias") -> dict:
    """The JSON-able results-store config of one :func:`run_deep_condition` run
    (``resize_method`` recorded only when not the default, so older configs keep their hash)."""
    cfg = {"members": [m.to_dict() for m in members], "deep": config.to_dict(),
           "dataset": dataset, "n_train": n_train, "n_test": n_test, "resize": resize,
           "version": 1}
    if resize_method != "antialias":
        cfg["resize_method"] = resize_method
    return cfg


def run_deep_condition(config: dict, *, device="auto", on_step=None) -> dict:
    """Results-store compute function: train the config's members (one batched pass) and return
    ``{"arrays": reduce_history(...), "summary": ..., "provenance": ...}``; ``on_step`` is handed
    to :func:`train_deep`."""
    dev = resolve_device(device)
    members = [DeepMember(**m) for m in config["members"]]
    deep = dict(config["deep"])
    deep["sizes"] = tuple(deep["sizes"])
    cfg = DeepConfig(**deep)
    data = load_deep_data(config["dataset"], n_train=config["n_train"], n_test=config["n_test"],
                          resize=config["resize"], resize_method=config.get("resize_method", "antialias"),
                          device=dev)
    out = reduce_history(train_deep(data, members, cfg, device=dev, on_step=on_step))
    final = out["test_acc"][-1]
    summary = {"final_test_acc_mean": float(np.mean(final)), "final_test_acc_min": float(np.min(final)),
               "final_test_acc_max": float(np.max(final)), "data_source": data.source,
               "n_train": int(len(data.y_train)), "n_test": int(len(data.y_test)),
               "labels": [m.label for m in members]}
    prov = {"device": str(dev), "seed": [m.seed for m in members],
            "torch_threads": torch.get_num_threads()}
    return {"arrays": out, "summary": summary, "provenance": prov}
