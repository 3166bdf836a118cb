"""Paper A's open-loop two-layer networks and their alignment terms (§2.1-2.3, Methods 4.2-4.4,
Supplementary Notes 1-3).

**Convention.** This module keeps Paper A's own *row-vector* notation, because every formula below
is one of its equations and is easiest to check side by side with the paper:

=====================  =========================  =============================================
Paper A (this module)  shape                      ``book/notation.md`` (the package convention)
=====================  =========================  =============================================
X = L₀                 (n_b, n_i)                 a batch of inputs, rows = samples (same)
W₀, Z₁ = X W₀          (n_i, n_h), (n_b, n_h)     our W₀ is W₀ᵀ (shape (out, in))
L₁ = f(Z₁)             (n_b, n_h)                 h₁ for a batch (same)
W₁, Z₂ = L₁ W₁         (n_h, n_o), (n_b, n_o)     our W₁ is W₁ᵀ
B                      (n_o, n_h)                 our stored B₁ (shaped like our W₁): same matrix
E = Y* − Y             (n_b, n_o)                 −∂L/∂o₂ for L = ½ΣE² (here *imposed*, not computed)
W₁ ∠ Bᵀ                angle, degrees (eq. 33)    our W₁ ∠ B₁
γ, β, β_X              scalars                    ``gamma``, ``beta``, ``beta_x``
=====================  =========================  =============================================

Every tensor carries a leading batch dimension R (the *repetitions* of an experiment): R
independent networks run as one batched simulation on any device.

The open loop (Fig 1A, Fig 3, Fig 4, Fig S1): the error E[k] and the input X[k] are prescribed
processes (:class:`Process`: constant, redrawn every k iterations, AR(1) eq. 6-7, all with
N(μ, 1) draws) instead of being computed from a loss. At iteration k, from the same state,

- δ₂ = E ⊙ f'(Z₂) (eq. 5, 17; δ₂ = E for the linear network),
- δ₁,FA = δ₂ B ⊙ f'(Z₁) (eq. 18) and δ₁,BP = δ₂ W₁ᵀ ⊙ f'(Z₁) (eq. 16),
- ΔW₀,FA = η Xᵀ δ₁,FA, ΔW₀,BP = η Xᵀ δ₁,BP (eq. 14, 19), ΔW₁ = η L₁ᵀ δ₂ (the same for both),
- W ← W + ΔW (eq. 13), then optionally Paper A's neuron-wise weight normalization (eq. 32):
  every column of W₀ and W₁ (all input weights of one neuron) is rescaled to norm γ.

ReLU uses f'(0) = 1 (Methods 4.3). ``activation="linear"`` is the linear network of §2.1-2.2.

Alignment terms (Methods 4.2): for 1 ≤ o ≤ k,

- T°_aln[k] = η {f'(W₀[k−o]ᵀ X[k]ᵀ) ⊙ η δ₁[k−o]ᵀ X[k−o] X[k]ᵀ} δ₂[k] (eq. 21, 25),
  in the linear network η² Bᵀ M°[k] (eq. 24, 26) with M°[k] = E[k−o]ᵀ X[k−o] X[k]ᵀ E[k] (eq. 27);
- T°_sup[k] = η f(W₀[k−o]ᵀ X[k]ᵀ) δ₂[k] (eq. 22), so that ΔW₁[k] = T¹_sup[k] + T¹_aln[k] to first
  order (eq. 20), exactly in the linear network, where ΔW₁[k] = Σ_{o=1}^{k} T°_aln[k] +
  η W₀[0]ᵀ X[k]ᵀ E[k] (eq. 23);
- M° = M°_sym + M°_skew (eq. 28-30), and Bᵀ ∠ Bᵀ M°_skew = 90° for any B (eq. 31).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import Tensor

from .. import resolve_device

__all__ = [
    "Process",
    "OpenLoopConfig",
    "rep_generator",
    "activation_fns",
    "neuron_wn",
    "transformation",
    "sym_skew",
    "alignment_term_linear",
    "alignment_term",
    "sup_alignment_term",
    "linear_expansion",
    "sample_process",
    "fa_step",
    "simulate",
    "moving_average",
    "persistent_transform_draws",
    "TwoStepCondition",
    "two_step_draws",
    "random_product_angles",
    "relu_mask_angles",
    "psd_direction_angles",
    "openloop_run_config",
    "run_openloop",
    "run_persistent",
    "run_two_step",
]

ACTIVATIONS = ("linear", "relu")
PROCESS_KINDS = ("constant", "redraw", "ar1")
_STREAM_INIT, _STREAM_E, _STREAM_X = 0, 1, 2
_CHUNK = 64  # iterations of noise drawn per call and repetition (fixed: streams never depend on R)


# --------------------------------------------------------------------------------------------
# Processes and generators
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    """A prescribed error or input process (Paper A §2.2-2.3), elements drawn from N(``mean``, 1).

    - ``"constant"``: one draw at k = 0, kept for ever (§2.1, Fig 1, Fig 3 case 1);
    - ``"redraw"``: a fresh draw at k = 0, ``every``, 2·``every``, … and held in between (Fig 3
      cases 2-4, Fig S1: ``every`` = 1, 2, 3);
    - ``"ar1"``: eq. 6-7, S[k] = β S[k−1] + (1−β) N[k−1] with S[0] and N[k] i.i.d. N(``mean``, 1)
      (Fig 4; β = 1 is constant, β = 0 a fresh draw every iteration).
    """

    kind: str = "constant"
    mean: float = 0.0
    every: int = 1
    beta: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in PROCESS_KINDS:
            raise ValueError(f"unknown process kind {self.kind!r}; valid kinds: {PROCESS_KINDS}")
        if not (isinstance(self.every, int) and self.every >= 1):
            raise ValueError(f"every must be an int ≥ 1, got {self.every!r}")
        if not 0.0 <= self.beta <= 1.0:
            raise ValueError(f"beta must lie in [0, 1], got {self.beta!r}")

    @property
    def needs_noise(self) -> bool:
        """Whether the process draws after k = 0."""
        return self.kind == "redraw" or (self.kind == "ar1" and self.beta < 1.0)

    def describe(self) -> str:
        if self.kind == "constant":
            return f"constant N({self.mean:g}, 1)"
        if self.kind == "redraw":
            return f"N({self.mean:g}, 1) redrawn every {self.every} iteration{'s' * (self.every > 1)}"
        return f"AR(1), beta = {self.beta:g}"


def _as_process(p: Process | dict) -> Process:
    return p if isinstance(p, Process) else Process(**p)


BP_REFERENCES = ("before", "after_update", "after_wn")
"""Where :class:`OpenLoopConfig` takes the BP direction ΔW₀,BP from (see its ``bp_reference``)."""


@dataclass(frozen=True)
class OpenLoopConfig:
    """One open-loop experiment (Fig 1A, Fig 3, Fig 4, Fig S1); defaults are Methods 4.3.

    ``gamma=None``: no weight normalization; a number: eq. 32 on W₀ and W₁ at initialization and
    after every update, and on B's columns once at initialization (Methods 4.4) unless
    ``normalize_b`` is false (the authors' code, Figure4.ipynb and Figure_S1.ipynb: B as drawn).
    ``bp_reference``: the state the BP direction ΔW₀,BP is computed from: ``"before"`` the update
    (eq. 16: the same state as ΔW₀,FA); ``"after_update"`` with W₁ after its update and before
    WN (the authors' Figure3.ipynb, Figure4.ipynb cell 9 and Figure_S1.ipynb); ``"after_wn"``
    with W₁ after its update and WN (Figure4.ipynb cell 5). ``normalize_b`` and ``bp_reference``
    are left out of :meth:`to_dict` at their defaults, so older configs keep their hash.
    ``output_activation``: δ₂ = E ⊙ f'(Z₂) (eq. 5, 17) when true, δ₂ = E when false.
    ``track_terms`` records T¹_aln, T¹_sup (eq. 21-22), their running sums, ΔW₁ and the norms
    (Fig S1); ``track_asymptote`` records W₀∠XᵀEB and W₁∠BᵀEᵀXXᵀE (eq. S7, S10; Fig 1).
    """

    n_i: int = 100
    n_h: int = 100
    n_o: int = 10
    n_b: int = 100
    eta: float = 0.003
    iterations: int = 2000
    activation: str = "relu"
    output_activation: bool = True
    error: Process = field(default_factory=Process)
    input: Process = field(default_factory=Process)
    gamma: float | None = None
    init_std: float = 1.0
    track_terms: bool = False
    track_asymptote: bool = False
    normalize_b: bool = True
    bp_reference: str = "before"

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", _as_process(self.error))
        object.__setattr__(self, "input", _as_process(self.input))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; valid: {ACTIVATIONS}")
        for name in ("n_i", "n_h", "n_o", "n_b", "iterations"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name} must be an int ≥ 1, got {v!r}")
        if self.gamma is not None and not self.gamma > 0:
            raise ValueError(f"gamma must be None (no WN) or > 0, got {self.gamma!r}")
        if not self.eta > 0:
            raise ValueError(f"eta must be > 0, got {self.eta!r}")
        if self.bp_reference not in BP_REFERENCES:
            raise ValueError(f"unknown bp_reference {self.bp_reference!r}; valid: {BP_REFERENCES}")
        if not isinstance(self.normalize_b, bool):
            raise ValueError(f"normalize_b must be True or False, got {self.normalize_b!r}")

    def to_dict(self) -> dict:
        """A JSON-able dict (the results store's hash key; ``normalize_b`` and ``bp_reference``
        only when not at their defaults)."""
        d = asdict(self)
        if d["normalize_b"]:
            del d["normalize_b"]
        if d["bp_reference"] == "before":
            del d["bp_reference"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> OpenLoopConfig:
        return cls(**d)

    def with_(self, **changes) -> OpenLoopConfig:
        return replace(self, **changes)


def rep_generator(seed: int, rep: int, stream: int, device) -> torch.Generator:
    """The generator of one repetition's stream: seeded from ``SeedSequence([seed, rep, stream])``,
    so repetition ``rep`` draws the same numbers whether it runs alone or in a batch."""
    state = np.random.SeedSequence([int(seed), int(rep), int(stream)]).generate_state(1, np.uint64)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(state[0]) & ((1 << 63) - 1))
    return gen


def _chunk_rows(gen: torch.Generator, rows: int, shape, device, dtype) -> Tensor:
    """The first ``rows`` iterations of the chunk ``torch.randn((_CHUNK, *shape), generator=gen)``,
    with the same numbers, drawing no more than needed where that is exact.

    On the CPU, torch fills a contiguous normal tensor of ≥ 16 elements from uniforms drawn in
    order, transformed in independent blocks of 16 (Box-Muller), so the first ⌈n/16⌉·16 values of
    the chunk (whose size is a multiple of 16) are a draw of that many values
    (``tests/test_openloop.py`` checks it against the full chunk). Elsewhere the full chunk is
    drawn. A constant process uses one iteration of its chunk and a short run a part of it: the
    full chunk wasted most of the open-loop simulation's time on numbers never used."""
    numel = math.prod(shape)
    if rows == _CHUNK or torch.device(device).type != "cpu":
        return torch.randn((_CHUNK, *shape), generator=gen, device=device, dtype=dtype)[:rows]
    n = rows * numel
    flat = torch.randn(-(-n // 16) * 16, generator=gen, device=device, dtype=dtype)
    return flat[:n].view(rows, *shape)


class _Stream:
    """N(0, 1) noise of shape ``shape`` for every repetition, one generator per repetition,
    drawn ``_CHUNK`` iterations at a time (few calls, and identical streams for any R).

    ``draws``: at most how many values :meth:`next` will be asked for (None: unknown); the last
    chunk then draws only what is needed (``_chunk_rows``, the same numbers)."""

    def __init__(self, gens: Sequence[torch.Generator], shape, device, dtype,
                 draws: int | None = None) -> None:
        self.gens, self.shape, self.device, self.dtype = list(gens), tuple(shape), device, dtype
        self.buf: Tensor | None = None
        self.pos = 0
        self.left = draws

    def next(self) -> Tensor:
        if self.buf is None or self.pos == len(self.buf):
            rows = _CHUNK if self.left is None else min(_CHUNK, self.left)
            if rows <= 0:
                raise RuntimeError("a noise stream was asked for more values than it declared")
            self.buf = torch.stack([_chunk_rows(g, rows, self.shape, self.device, self.dtype)
                                    for g in self.gens], dim=1)
            self.pos = 0
            if self.left is not None:
                self.left -= rows
        out = self.buf[self.pos]
        self.pos += 1
        return out


class _ProcessState:
    """Runs a :class:`Process` for all repetitions (shape (R, n_b, n)); ``steps``: at most how many
    values S[0], S[1], … will be used (None: unknown)."""

    def __init__(self, proc: Process, gens, shape, device, dtype, steps: int | None = None) -> None:
        self.proc = proc
        draws = None if steps is None else (1 if proc.kind == "constant" else steps)
        self.stream = _Stream(gens, shape, device, dtype, draws)
        self.value = self.stream.next() + proc.mean  # S[0]
        self.k = 0

    def advance(self) -> Tensor:
        """S[k+1] from S[k] (and fresh noise where the process needs it)."""
        p = self.proc
        self.k += 1
        if p.kind == "redraw" and self.k % p.every == 0:
            self.value = self.stream.next() + p.mean
        elif p.kind == "ar1" and p.beta < 1.0:
            noise = self.stream.next() + p.mean  # N[k-1]
            self.value = p.beta * self.value + (1.0 - p.beta) * noise
        return self.value


def sample_process(proc: Process | dict, n_steps: int, shape=(1,), *, seed: int = 0,
                   reps: int = 1, device="auto", dtype=torch.float64) -> Tensor:
    """``n_steps`` values of a process for ``reps`` repetitions: shape ``(n_steps, reps, *shape)``.

    The same generators (and therefore the same numbers) as the error stream of :func:`simulate`
    when ``shape == (n_b, n_o)``. Used for the ACFs of Fig 4E."""
    proc = _as_process(proc)
    dev = resolve_device(device)
    gens = [rep_generator(seed, r, _STREAM_E, dev) for r in range(reps)]
    state = _ProcessState(proc, gens, shape, dev, dtype, steps=n_steps)
    out = [state.value]
    for _ in range(n_steps - 1):
        out.append(state.advance())
    return torch.stack(out)


# --------------------------------------------------------------------------------------------
# Pieces of the network: activation, weight normalization
# --------------------------------------------------------------------------------------------


def activation_fns(activation: str):
    """(f, f') with f'(0) = 1 for ReLU (Methods 4.3)."""
    if activation == "linear":
        return (lambda z: z), (lambda z: torch.ones_like(z))
    if activation == "relu":
        return torch.relu, (lambda z: (z >= 0).to(z.dtype))
    raise ValueError(f"unknown activation {activation!r}; valid: {ACTIVATIONS}")


def neuron_wn(w: Tensor, gamma: float) -> Tensor:
    """Eq. 32: every column of ``w`` (shape (…, n_in, n_out), Paper A's convention: the input
    weights of one neuron) rescaled to Frobenius norm ``gamma``."""
    return gamma * w / w.norm(dim=-2, keepdim=True)


# --------------------------------------------------------------------------------------------
# Alignment terms (Methods 4.2)
# --------------------------------------------------------------------------------------------


def _t(a: Tensor) -> Tensor:
    return a.transpose(-1, -2)


def transformation(e_prev: Tensor, x_prev: Tensor, x: Tensor, e: Tensor) -> Tensor:
    """M°[k] = E[k−o]ᵀ X[k−o] X[k]ᵀ E[k] (eq. 27), shape (…, n_o, n_o)."""
    return _t(e_prev) @ x_prev @ _t(x) @ e


def sym_skew(m: Tensor) -> tuple[Tensor, Tensor]:
    """(M_sym, M_skew) = (½(M + Mᵀ), ½(M − Mᵀ)) (eq. 28-30)."""
    return 0.5 * (m + _t(m)), 0.5 * (m - _t(m))


def alignment_term_linear(b: Tensor, e_prev: Tensor, x_prev: Tensor, x: Tensor, e: Tensor,
                          eta: float) -> Tensor:
    """T°_aln[k] = η² Bᵀ E[k−o]ᵀ X[k−o] X[k]ᵀ E[k] of the linear network (eq. 24, 26)."""
    return eta**2 * _t(b) @ transformation(e_prev, x_prev, x, e)


def alignment_term(w0_prev: Tensor, x_prev: Tensor, d1_prev: Tensor, x: Tensor, d2: Tensor,
                   eta: float, activation: str = "relu") -> Tensor:
    """T°_aln[k] = η {f'(W₀[k−o]ᵀ X[k]ᵀ) ⊙ η δ₁[k−o]ᵀ X[k−o] X[k]ᵀ} δ₂[k] (eq. 21, 25).

    ``w0_prev`` = W₀[k−o], ``x_prev`` = X[k−o], ``d1_prev`` = δ₁,FA[k−o], ``x`` = X[k],
    ``d2`` = δ₂[k]. In the linear network it equals :func:`alignment_term_linear`.
    """
    _, fprime = activation_fns(activation)
    mask = _t(fprime(x @ w0_prev))  # f'(W0[k-o]^T X[k]^T), (…, n_h, n_b)
    inner = eta * _t(d1_prev) @ x_prev @ _t(x)  # η δ1[k-o]^T X[k-o] X[k]^T
    return eta * (mask * inner) @ d2


def sup_alignment_term(w0_prev: Tensor, x: Tensor, d2: Tensor, eta: float,
                       activation: str = "relu") -> Tensor:
    """T°_sup[k] = η f(W₀[k−o]ᵀ X[k]ᵀ) δ₂[k] (eq. 22), with ``w0_prev`` = W₀[k−o]."""
    f, _ = activation_fns(activation)
    return eta * _t(f(x @ w0_prev)) @ d2


def linear_expansion(w0_init: Tensor, b: Tensor, es: Sequence[Tensor], xs: Sequence[Tensor], k: int,
                     eta: float) -> tuple[list[Tensor], Tensor]:
    """The linear network's exact expansion of ΔW₁[k] (eq. 23): ([T¹_aln[k], …, Tᵏ_aln[k]],
    remainder η W₀[0]ᵀ X[k]ᵀ E[k]), given the error and input histories ``es[j]`` = E[j],
    ``xs[j]`` = X[j] and the initial W₀[0]; their sum is ΔW₁[k]."""
    if not 0 <= k < min(len(es), len(xs)):
        raise ValueError(f"k must lie in [0, {min(len(es), len(xs)) - 1}], got {k}")
    terms = [alignment_term_linear(b, es[k - o], xs[k - o], xs[k], es[k], eta) for o in range(1, k + 1)]
    remainder = eta * _t(w0_init) @ _t(xs[k]) @ es[k]
    return terms, remainder


# --------------------------------------------------------------------------------------------
# The batched open-loop simulation
# --------------------------------------------------------------------------------------------


def fa_step(w0: Tensor, w1: Tensor, b: Tensor, x: Tensor, e: Tensor, eta: float,
            activation: str = "relu", output_activation: bool = True) -> dict[str, Tensor]:
    """One open-loop BP-TRW iteration from the state (W₀, W₁) with imposed X and E (any leading
    batch dimensions): δ₂ = E ⊙ f'(Z₂) (eq. 17; E if not ``output_activation``), δ₁,FA = δ₂ B ⊙
    f'(Z₁) (eq. 18), ΔW₀,FA = η Xᵀ δ₁,FA (eq. 19), the BP direction ΔW₀,BP = η Xᵀ(δ₂ W₁ᵀ ⊙ f'(Z₁))
    (eq. 14, 16) and ΔW₁ = η L₁ᵀ δ₂. Returns ``l1``, ``fp2`` (f'(Z₂), ones without
    ``output_activation``), ``d1`` (δ₁,FA), ``d2``, ``dw0_fa``, ``dw0_bp``, ``dw1``."""
    f, fprime = activation_fns(activation)
    z1 = x @ w0
    l1, fp1 = f(z1), fprime(z1)
    fp2 = fprime(l1 @ w1) if output_activation else torch.ones_like(e)
    d2 = e * fp2
    d1 = (d2 @ b) * fp1
    return {
        "l1": l1, "fp2": fp2, "d1": d1, "d2": d2,
        "dw0_fa": eta * _t(x) @ d1,
        "dw0_bp": eta * _t(x) @ ((d2 @ _t(w1)) * fp1),
        "dw1": eta * _t(l1) @ d2,
    }


def _bp_direction(w0: Tensor, w1: Tensor, x: Tensor, d2: Tensor, eta: float,
                  activation: str) -> Tensor:
    """ΔW₀,BP = η Xᵀ(δ₂ W₁ᵀ ⊙ f'(X W₀)) (eq. 14, 16) for a given W₁, e.g. one already updated."""
    _, fprime = activation_fns(activation)
    return eta * _t(x) @ ((d2 @ _t(w1)) * fprime(x @ w0))


def _angle(a: Tensor, b: Tensor) -> Tensor:
    """Per-repetition angle in degrees (eq. 33) of (R, …) tensors, computed in their own dtype
    (``metrics.frobenius_angle`` converts to float64 first: the same number, 10× slower in the
    inner loop). NaN where either tensor is zero."""
    a, b = a.flatten(1), b.flatten(1)
    norm = torch.linalg.vector_norm(a, dim=1) * torch.linalg.vector_norm(b, dim=1)
    cos = (a * b).sum(1) / norm
    return torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0))).double()


def _norm(a: Tensor) -> Tensor:
    return torch.linalg.vector_norm(a.flatten(1), dim=1).double()


def simulate(config: OpenLoopConfig | dict, reps: int | Sequence[int] = 30, *, seed: int = 0,
             device="auto", dtype=torch.float64, history: bool = False) -> dict[str, Tensor]:
    """Run the open-loop network of ``config`` for every repetition at once.

    ``reps``: a count R (repetitions 0 … R−1) or explicit repetition indices; repetition r draws
    its weights, B, E and X from its own generators (:func:`rep_generator`), so any repetition of
    a batch equals the same repetition run alone (up to floating-point summation order).

    Returns float64 tensors on the CPU, repetitions on the last axis:

    - ``angle_w1_bt`` (K+1, R): W₁[k]∠Bᵀ for k = 0 … K (eq. 33);
    - ``angle_dw0`` (K, R): ΔW₀,FA[k]∠ΔW₀,BP[k] (both from the same state);
    - ``norm_w0``, ``norm_w1`` (K+1, R): Frobenius norms;
    - ``dead_out`` (K, R): the fraction of output units with f'(Z₂) = 0 for the whole batch (a
      dead ReLU output gets no error, δ₂ = E ⊙ f'(Z₂), and never recovers; when all are dead,
      every update is zero and the update angles are NaN);
    - with ``track_terms`` (entries at k = 0 are NaN: there is no W₀[−1]): ``angle_t_aln``,
      ``angle_t_sup``, ``angle_sum_t_aln``, ``angle_sum_t_sup`` (running sums from k = 1),
      ``angle_dw1`` (ΔW₁[k]∠Bᵀ), ``norm_t_aln``, ``norm_t_sup``, ``norm_dw1`` and ``taylor_rel``
      = ‖ΔW₁ − T¹_aln − T¹_sup‖/‖ΔW₁‖ (0 in the linear network without WN, eq. 20);
    - with ``track_asymptote``: ``angle_w0_xeb`` = W₀[k]∠X[k]ᵀE[k]B and ``angle_w1_bm`` =
      W₁[k]∠BᵀE[k]ᵀX[k]X[k]ᵀE[k] (K+1, R) (eq. S7, S10);
    - ``B``, ``W0_init``, ``W1_init``, ``W0``, ``W1`` (final) (R, …) and, with ``history``, ``E``, ``X`` (K, R, …) and ``dW1``
      (K, R, n_h, n_o): the full histories, for tests on small networks.
    """
    cfg = config if isinstance(config, OpenLoopConfig) else OpenLoopConfig.from_dict(config)
    rep_ids = list(range(reps)) if isinstance(reps, int) else [int(r) for r in reps]
    if not rep_ids:
        raise ValueError("reps must name at least one repetition")
    dev = resolve_device(device)
    R, K, eta = len(rep_ids), cfg.iterations, cfg.eta
    init_gens = [rep_generator(seed, r, _STREAM_INIT, dev) for r in rep_ids]

    def draw(shape):
        return torch.stack([torch.randn(shape, generator=g, device=dev, dtype=dtype) for g in init_gens])

    w0 = cfg.init_std * draw((cfg.n_i, cfg.n_h))
    w1 = cfg.init_std * draw((cfg.n_h, cfg.n_o))
    b = cfg.init_std * draw((cfg.n_o, cfg.n_h))
    if cfg.gamma is not None:
        w0, w1 = neuron_wn(w0, cfg.gamma), neuron_wn(w1, cfg.gamma)
        if cfg.normalize_b:
            b = neuron_wn(b, cfg.gamma)
    bt = _t(b)
    w0_init, w1_init = w0.clone(), w1.clone()
    err = _ProcessState(cfg.error, [rep_generator(seed, r, _STREAM_E, dev) for r in rep_ids],
                        (cfg.n_b, cfg.n_o), dev, dtype, steps=K + 1)
    inp = _ProcessState(cfg.input, [rep_generator(seed, r, _STREAM_X, dev) for r in rep_ids],
                        (cfg.n_b, cfg.n_i), dev, dtype, steps=K + 1)

    traces: dict[str, Tensor] = {}

    def trace(name, length):
        traces[name] = torch.full((length, R), float("nan"), dtype=torch.float64, device=dev)
        return traces[name]

    a_w1 = trace("angle_w1_bt", K + 1)
    a_dw0 = trace("angle_dw0", K)
    dead = trace("dead_out", K)
    n_w0, n_w1 = trace("norm_w0", K + 1), trace("norm_w1", K + 1)
    if cfg.track_terms:
        names = ("angle_t_aln", "angle_t_sup", "angle_sum_t_aln", "angle_sum_t_sup", "angle_dw1",
                 "angle_t_first_order", "norm_t_aln", "norm_t_sup", "norm_dw1", "taylor_rel")
        tt = {n: trace(n, K) for n in names}
        sum_aln = torch.zeros_like(w1)
        sum_sup = torch.zeros_like(w1)
    if cfg.track_asymptote:
        a_w0_xeb, a_w1_bm = trace("angle_w0_xeb", K + 1), trace("angle_w1_bm", K + 1)
    hist = {"E": [], "X": [], "dW1": []} if history else None

    x, e = inp.value, err.value
    w0_prev = x_prev = d1_prev = None
    for k in range(K + 1):
        a_w1[k] = _angle(w1, bt)
        n_w0[k], n_w1[k] = _norm(w0), _norm(w1)
        if cfg.track_asymptote:
            xe = _t(x) @ e
            a_w0_xeb[k] = _angle(w0, xe @ b)
            a_w1_bm[k] = _angle(w1, bt @ _t(xe) @ xe)
        if k == K:
            break
        step = fa_step(w0, w1, b, x, e, eta, cfg.activation, cfg.output_activation)
        d1, d2, dw0, dw0_bp, dw1 = (step[n] for n in ("d1", "d2", "dw0_fa", "dw0_bp", "dw1"))
        if cfg.bp_reference == "before":
            a_dw0[k] = _angle(dw0, dw0_bp)
        dead[k] = (step["fp2"].sum(-2) == 0).double().mean(-1)
        if cfg.track_terms and k >= 1:
            t_aln = alignment_term(w0_prev, x_prev, d1_prev, x, d2, eta, cfg.activation)
            t_sup = sup_alignment_term(w0_prev, x, d2, eta, cfg.activation)
            sum_aln += t_aln
            sum_sup += t_sup
            tt["angle_t_aln"][k], tt["angle_t_sup"][k] = _angle(t_aln, bt), _angle(t_sup, bt)
            tt["angle_sum_t_aln"][k] = _angle(sum_aln, bt)
            tt["angle_sum_t_sup"][k] = _angle(sum_sup, bt)
            tt["angle_dw1"][k] = _angle(dw1, bt)
            tt["angle_t_first_order"][k] = _angle(t_aln + t_sup, bt)
            tt["norm_t_aln"][k], tt["norm_t_sup"][k] = _norm(t_aln), _norm(t_sup)
            tt["norm_dw1"][k] = _norm(dw1)
            tt["taylor_rel"][k] = _norm(dw1 - t_aln - t_sup) / _norm(dw1)
        if hist is not None:
            hist["E"].append(e.clone())
            hist["X"].append(x.clone())
            hist["dW1"].append(dw1.clone())
        w0_prev, x_prev, d1_prev = w0, x, d1
        w0_k, w0, w1 = w0, w0 + dw0, w1 + dw1
        if cfg.bp_reference == "after_update":  # the authors' order: W₁[k+1] before WN
            a_dw0[k] = _angle(dw0, _bp_direction(w0_k, w1, x, d2, eta, cfg.activation))
        if cfg.gamma is not None:
            w0, w1 = neuron_wn(w0, cfg.gamma), neuron_wn(w1, cfg.gamma)
        if cfg.bp_reference == "after_wn":  # Figure4.ipynb cell 5: W₁[k+1] after WN
            a_dw0[k] = _angle(dw0, _bp_direction(w0_k, w1, x, d2, eta, cfg.activation))
        x, e = inp.advance(), err.advance()

    out = {name: t.cpu() for name, t in traces.items()}
    out["B"], out["W0_init"], out["W1_init"] = b.cpu(), w0_init.cpu(), w1_init.cpu()
    out["W0"], out["W1"] = w0.cpu(), w1.cpu()
    if hist is not None:
        out.update({name: torch.stack(v).cpu() for name, v in hist.items()})
    return out


def moving_average(x: np.ndarray, n: int = 60, axis: int = 0, centered: bool = True) -> np.ndarray:
    """Moving average of length ``n`` along ``axis`` (Paper A Methods 4.7 smooths ΔW angle traces
    with n = 60). ``centered``: the window [k − ⌊(n−1)/2⌋, k + ⌈(n−1)/2⌉], so a trend is not
    delayed, shrunk symmetrically near the ends (at k = 0 it is the sample itself); otherwise
    trailing, [k − n + 1, k], cut to the samples that exist. NaNs are skipped."""
    x = np.moveaxis(np.asarray(x, dtype=float), axis, 0)
    length = x.shape[0]
    valid = ~np.isnan(x)
    c = np.concatenate([np.zeros_like(x[:1]), np.cumsum(np.where(valid, x, 0.0), axis=0)])
    m = np.concatenate([np.zeros_like(x[:1]), np.cumsum(valid, axis=0, dtype=float)])
    k = np.arange(length)
    if centered:  # shrink the window symmetrically at the ends (as MATLAB's smooth does)
        edge = np.minimum(k, length - 1 - k)
        lo = k - np.minimum((n - 1) // 2, edge)
        hi = k + np.minimum(n - 1 - (n - 1) // 2, edge) + 1
    else:
        lo, hi = np.clip(k - n + 1, 0, length), k + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (c[hi] - c[lo]) / (m[hi] - m[lo])
    return np.moveaxis(out, 0, axis)


# --------------------------------------------------------------------------------------------
# Draws behind the histograms (Fig 1, Fig 2, Supplementary Note 3)
# --------------------------------------------------------------------------------------------


def _chunks(n: int, chunk: int):
    for start in range(0, n, chunk):
        yield min(chunk, n - start)


def persistent_transform_draws(n: int, *, n_i: int, n_h: int, n_o: int, n_b: int, seed: int = 0,
                               chunk: int = 500, device="auto", dtype=torch.float64,
                               eigenvalues: bool = True) -> dict[str, np.ndarray]:
    """Fig 1 (Supp. Note 2): ``n`` draws of B, E, X i.i.d. N(0, 1) and the asymptotic angle
    W₁[k≫1] ∠ Bᵀ = Bᵀ EᵀXXᵀE ∠ Bᵀ (eq. S11).

    Returns ``angle`` (n,), ``eig`` (n, n_o): eigenvalues of EᵀXXᵀE in decreasing order (if
    ``eigenvalues``), and ``m_mean`` (n_o, n_o): the Monte Carlo mean of EᵀXXᵀE / (n_b n_i) with
    ``m_sd`` its element-wise SD (so that ``m_sd / √n`` is the standard error of ``m_mean``).
    """
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    angles, eigs = [], []
    s1 = torch.zeros(n_o, n_o, dtype=torch.float64, device=dev)
    s2 = torch.zeros_like(s1)
    for c in _chunks(n, chunk):
        b = torch.randn(c, n_o, n_h, generator=gen, device=dev, dtype=dtype)
        e = torch.randn(c, n_b, n_o, generator=gen, device=dev, dtype=dtype)
        x = torch.randn(c, n_b, n_i, generator=gen, device=dev, dtype=dtype)
        xe = _t(x) @ e
        m = _t(xe) @ xe
        angles.append(_angle(_t(b) @ m, _t(b)))
        if eigenvalues:
            eigs.append(torch.linalg.eigvalsh(m).flip(-1))
        mn = m.double() / (n_b * n_i)
        s1 += mn.sum(0)
        s2 += (mn**2).sum(0)
    mean = s1 / n
    sd = ((s2 / n - mean**2) * n / max(n - 1, 1)).clamp_min(0).sqrt()
    out = {"angle": torch.cat(angles).cpu().numpy(), "m_mean": mean.cpu().numpy(),
           "m_sd": sd.cpu().numpy()}
    if eigenvalues:
        out["eig"] = torch.cat(eigs).double().cpu().numpy()
    return out


@dataclass(frozen=True)
class TwoStepCondition:
    """One condition of Fig 2: how E[0], E[1], X[0], X[1] and B are drawn (elements i.i.d.).

    ``e_mean``, ``x_mean``: means of the N(μ, 1) draws of E and X; ``b_mean``, ``b_std``: of B;
    ``e_same`` / ``x_same``: E[1] = E[0] / X[1] = X[0]; ``all_ones``: M¹ replaced by the all-ones
    matrix J (Fig 2 cond. 6)."""

    e_mean: float = 0.0
    x_mean: float = 0.0
    b_mean: float = 0.0
    b_std: float = 1.0
    e_same: bool = False
    x_same: bool = False
    all_ones: bool = False


def two_step_draws(n: int, cond: TwoStepCondition | dict, *, n_i: int = 100, n_h: int = 100,
                   n_o: int = 50, n_b: int = 20, nonlinear: bool = False, seed: int = 0,
                   chunk: int = 500, device="auto", dtype=torch.float64) -> dict[str, np.ndarray]:
    """Fig 2 A-F: ``n`` draws of the order-1 alignment term at k = 1 and its transformation.

    Linear (eq. 26-31): ``angle_t`` = Bᵀ∠T¹_aln[1] (= Bᵀ∠BᵀM¹), ``angle_sym`` = Bᵀ∠BᵀM¹_sym,
    ``angle_skew`` = Bᵀ∠BᵀM¹_skew (90° by eq. 31), ``ratio`` = ‖BᵀM¹_skew‖/‖BᵀM¹_sym‖ and
    ``eig_sym`` (n, n_o), the eigenvalues of M¹_sym in decreasing order; ``m_mean`` (n_o, n_o),
    the Monte Carlo mean of M¹ (for E(M¹) = 0.0625 n_i n_b² J under cond. 3) and ``m_sd`` its
    element-wise SD.

    ``nonlinear`` (Fig 2D): the two element-wise products of eq. 5 use independent random 0/1
    masks (p = 0.5) in place of f'(W₀ᵀX[1]ᵀ) and f'(Z₁[0]) (δ₂ = E); only ``angle_t`` is defined.
    """
    cond = cond if isinstance(cond, TwoStepCondition) else TwoStepCondition(**cond)
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    keys = ("angle_t",) if nonlinear else ("angle_t", "angle_sym", "angle_skew", "ratio", "eig_sym")
    acc: dict[str, list[Tensor]] = {k: [] for k in keys}
    m_sum = torch.zeros(n_o, n_o, dtype=torch.float64, device=dev)
    m_sq = torch.zeros_like(m_sum)

    def normal(c, *shape, mean=0.0, std=1.0):
        return mean + std * torch.randn(c, *shape, generator=gen, device=dev, dtype=dtype)

    for c in _chunks(n, chunk):
        b = normal(c, n_o, n_h, mean=cond.b_mean, std=cond.b_std)
        bt = _t(b)
        e0 = normal(c, n_b, n_o, mean=cond.e_mean)
        e1 = e0 if cond.e_same else normal(c, n_b, n_o, mean=cond.e_mean)
        x0 = normal(c, n_b, n_i, mean=cond.x_mean)
        x1 = x0 if cond.x_same else normal(c, n_b, n_i, mean=cond.x_mean)
        if nonlinear:
            if cond.all_ones:
                raise ValueError("the all-ones condition has no nonlinear version")
            mask_new = (torch.rand(c, n_h, n_b, generator=gen, device=dev) < 0.5).to(dtype)
            mask_old = (torch.rand(c, n_h, n_b, generator=gen, device=dev) < 0.5).to(dtype)
            d1t = mask_old * (bt @ _t(e0))  # {f'(Z1[0]) ⊙ Bᵀ δ2[0]ᵀ}, (n_h, n_b)
            t = (mask_new * (d1t @ x0 @ _t(x1))) @ e1  # eq. 5 with η = 1 (angles only)
            acc["angle_t"].append(_angle(t, bt))
            continue
        m = torch.ones(c, n_o, n_o, device=dev, dtype=dtype) if cond.all_ones else transformation(e0, x0, x1, e1)
        m_sum += m.double().sum(0)
        m_sq += (m.double() ** 2).sum(0)
        m_sym, m_skew = sym_skew(m)
        bm_sym, bm_skew = bt @ m_sym, bt @ m_skew
        acc["angle_t"].append(_angle(bt @ m, bt))
        acc["angle_sym"].append(_angle(bm_sym, bt))
        acc["angle_skew"].append(_angle(bm_skew, bt))  # NaN where M_skew = 0 exactly (cond. 6)
        acc["ratio"].append(_norm(bm_skew) / _norm(bm_sym))
        acc["eig_sym"].append(torch.linalg.eigvalsh(m_sym).flip(-1).double())
    out = {k: torch.cat(v).cpu().numpy() for k, v in acc.items()}
    if not nonlinear:
        mean = m_sum / n
        out["m_mean"] = mean.cpu().numpy()
        out["m_sd"] = ((m_sq / n - mean**2) * n / max(n - 1, 1)).clamp_min(0).sqrt().cpu().numpy()
    return out


def random_product_angles(n: int, size: int = 100, *, seed: int = 0, chunk: int = 200,
                          device="auto", dtype=torch.float64) -> np.ndarray:
    """Supplementary Note 3: AB∠A for independent A, B ∈ R^{size×size} with i.i.d. N(0, 1)
    elements (the paper: 90°, SD ±0.82°, for 100×100 and n = 1000)."""
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    out = []
    for c in _chunks(n, chunk):
        a = torch.randn(c, size, size, generator=gen, device=dev, dtype=dtype)
        b = torch.randn(c, size, size, generator=gen, device=dev, dtype=dtype)
        out.append(_angle(a @ b, a))
    return torch.cat(out).cpu().numpy()


def relu_mask_angles(n: int, size: int = 100, *, seed: int = 0, chunk: int = 200,
                     device="auto", dtype=torch.float64) -> np.ndarray:
    """§2.2: {f'(Z) ⊙ B}∠B for independent Z, B ∈ R^{size×size}, i.i.d. N(0, 1), f = ReLU with
    f'(0) = 1 (the paper: 45°, SD ±0.66°, n = 1000)."""
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    _, fprime = activation_fns("relu")
    out = []
    for c in _chunks(n, chunk):
        z = torch.randn(c, size, size, generator=gen, device=dev, dtype=dtype)
        b = torch.randn(c, size, size, generator=gen, device=dev, dtype=dtype)
        out.append(_angle(fprime(z) * b, b))
    return torch.cat(out).cpu().numpy()


def psd_direction_angles(n: int, dim: int = 50, rank: int = 50, *, seed: int = 0, device="auto",
                         dtype=torch.float64) -> dict[str, np.ndarray]:
    """Supplementary Note 3: the angle between a random vector v and Mv for three kinds of random
    symmetric M ∈ R^{dim×dim}: ``psd`` = GᵀG with G ∈ R^{rank×dim} (positive semidefinite: the
    angle is < 90° whenever Mv ≠ 0), ``indefinite`` = (G + Gᵀ)/2 with G square, and ``random`` = a
    square G (not symmetric). v and G i.i.d. N(0, 1); ``n`` draws each."""
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    v = torch.randn(n, dim, 1, generator=gen, device=dev, dtype=dtype)
    g = torch.randn(n, rank, dim, generator=gen, device=dev, dtype=dtype)
    s = torch.randn(n, dim, dim, generator=gen, device=dev, dtype=dtype)
    mats = {"psd": _t(g) @ g, "indefinite": 0.5 * (s + _t(s)), "random": s}
    return {k: _angle(m @ v, v).cpu().numpy() for k, m in mats.items()}


# --------------------------------------------------------------------------------------------
# Store-ready experiments: config (JSON-able) -> {"arrays", "summary", "provenance"}
# (for ``fa_companion.store.results.Store.get_or_compute``; chapters 01-03)
# --------------------------------------------------------------------------------------------

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
MA_TRACES = ("angle_dw0", "angle_dw1")
"""Traces smoothed by the length-60 moving average before averaging (Methods 4.7)."""


def _dtype(name: str) -> torch.dtype:
    if name not in _DTYPES:
        raise ValueError(f"unknown dtype {name!r}; valid: {tuple(_DTYPES)}")
    return _DTYPES[name]


def _sem(x: np.ndarray, axis: int = -1) -> np.ndarray:
    n = np.sum(~np.isnan(x), axis=axis)
    return np.nanstd(x, axis=axis, ddof=1) / np.sqrt(np.maximum(n, 1))


def openloop_run_config(cfg: OpenLoopConfig, *, reps: int = 30, seed: int = 0,
                        dtype: str = "float32", keep: Sequence[str] = ("angle_w1_bt", "angle_dw0"),
                        stride: int = 1, ma: int = 60, final_window: int = 200,
                        example_rep: bool = False, phase: int = 1) -> dict:
    """The store config of one batched open-loop run (see :func:`run_openloop`)."""
    return {"openloop": cfg.to_dict(), "reps": int(reps), "seed": int(seed), "dtype": dtype,
            "keep": list(keep), "stride": int(stride), "ma": int(ma), "ma_mode": "centred",
            "final_window": int(final_window), "example_rep": bool(example_rep),
            "phase": int(phase)}


def run_openloop(config: dict, device="auto") -> dict:
    """One batched open-loop run, summarised for the store.

    For every trace named in ``config["keep"]``: ``<trace>_mean`` and ``<trace>_sem`` over
    repetitions (every ``stride``-th iteration; traces in ``MA_TRACES`` first smoothed per
    repetition by a centred moving average of length ``ma``), ``<trace>_final`` per repetition
    (the raw trace's mean over the last ``final_window`` iterations), with ``phase`` > 1
    ``<trace>_final_phase`` (R, phase): that mean split by k mod ``phase`` (the iterations where
    an error redrawn every ``phase`` iterations was or was not just redrawn), and with
    ``example_rep``, ``<trace>_rep0`` (repetition 0, raw, full length).
    """
    cfg = OpenLoopConfig.from_dict(config["openloop"])
    dev = resolve_device(device)
    r = simulate(cfg, config["reps"], seed=config["seed"], device=dev, dtype=_dtype(config["dtype"]))
    arrays: dict[str, np.ndarray] = {}
    summary: dict = {}
    stride = config["stride"]
    with warnings.catch_warnings():  # all-NaN slices (repetitions whose outputs all died) give NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        _summarise(r, config, arrays, summary)
    arrays["iteration"] = np.arange(cfg.iterations + 1)[::stride].astype(np.int32)  # k = 0 … K
    return {"arrays": arrays, "summary": summary,
            "provenance": {"device": str(dev), "seed": config["seed"]}}


def _summarise(r: dict[str, Tensor], config: dict, arrays: dict, summary: dict) -> None:
    stride, window = config["stride"], config["final_window"]
    for name in config["keep"]:
        if name not in r:
            raise ValueError(f"trace {name!r} not recorded; enable track_terms/track_asymptote or "
                             f"choose from {sorted(k for k in r if r[k].dim() == 2)}")
        raw = r[name].numpy()
        smooth = (moving_average(raw, config["ma"], centered=config["ma_mode"] == "centred")
                  if name in MA_TRACES else raw)
        arrays[f"{name}_mean"] = np.nanmean(smooth, axis=1)[::stride].astype(np.float32)
        arrays[f"{name}_sem"] = _sem(smooth, axis=1)[::stride].astype(np.float32)
        final = np.nanmean(raw[-window:], axis=0)
        arrays[f"{name}_final"] = final.astype(np.float32)
        if config["phase"] > 1:
            k = np.arange(raw.shape[0])[-window:]
            arrays[f"{name}_final_phase"] = np.stack(
                [np.nanmean(raw[-window:][k % config["phase"] == j], axis=0)
                 for j in range(config["phase"])], axis=1).astype(np.float32)
        if config["example_rep"]:
            arrays[f"{name}_rep0"] = raw[:, 0].astype(np.float32)
        summary[f"{name}_final_mean"] = float(np.nanmean(final))
        summary[f"{name}_final_sem"] = float(_sem(final, axis=0))
        summary[f"{name}_final_nan"] = int(np.isnan(final).sum())


def run_persistent(config: dict, device="auto") -> dict:
    """Fig 1 for one dimension condition: ``config`` = {n_i, n_h, n_o, n_b, n_draws, seed}.

    Arrays: ``angle`` (the S11 angle of every draw), ``eig_q`` (3, n_o): the 5th, 50th and 95th
    percentiles of the sorted eigenvalues of EᵀXXᵀE divided by their mean, ``eig_mean`` (n_o) the
    mean of those normalised spectra, ``m_mean``/``m_sd`` (n_o, n_o): mean and SD of
    EᵀXXᵀE/(n_b n_i). Summary: mean and SD of the angle, the fewest zero eigenvalues of any draw
    (below 1e-9 of the largest) and the largest ``|z|`` of ``m_mean`` − I."""
    dims = {k: int(config[k]) for k in ("n_i", "n_h", "n_o", "n_b")}
    n = int(config["n_draws"])
    dev = resolve_device(device)
    d = persistent_transform_draws(n, **dims, seed=int(config["seed"]), device=dev)
    eig = d["eig"] / d["eig"].mean(axis=1, keepdims=True)
    zeros = (d["eig"] < 1e-9 * d["eig"][:, :1]).sum(axis=1)
    z = np.abs(d["m_mean"] - np.eye(dims["n_o"])) / (d["m_sd"] / math.sqrt(n))
    return {
        "arrays": {"angle": d["angle"].astype(np.float32),
                   "eig_q": np.percentile(eig, [5, 50, 95], axis=0).astype(np.float32),
                   "eig_mean": eig.mean(axis=0).astype(np.float32),
                   "zeros": zeros.astype(np.int16),
                   "m_mean": d["m_mean"].astype(np.float32), "m_sd": d["m_sd"].astype(np.float32)},
        "summary": {"angle_mean": float(d["angle"].mean()), "angle_sd": float(d["angle"].std(ddof=1)),
                    "zeros_min": int(zeros.min()), "m_max_abs_z": float(z.max()),
                    "m_max_abs_dev": float(np.abs(d["m_mean"] - np.eye(dims["n_o"])).max())},
        "provenance": {"device": str(dev), "seed": int(config["seed"])},
    }


def run_two_step(config: dict, device="auto") -> dict:
    """Fig 2 for one condition: ``config`` = {"condition": TwoStepCondition fields, n_i, n_h, n_o,
    n_b, n_draws, nonlinear, seed}. Arrays: the per-draw ``angle_t`` (and, linear, ``angle_sym``,
    ``ratio``, ``eig_sym_mean`` the mean sorted eigenvalues of M¹_sym, ``m_mean``, ``m_sd``);
    summary: means, SDs and the largest ``|Bᵀ∠BᵀM_skew − 90°|``."""
    dims = {k: int(config[k]) for k in ("n_i", "n_h", "n_o", "n_b")}
    dev = resolve_device(device)
    d = two_step_draws(int(config["n_draws"]), TwoStepCondition(**config["condition"]), **dims,
                       nonlinear=bool(config["nonlinear"]), seed=int(config["seed"]), device=dev)
    arrays = {"angle_t": d["angle_t"].astype(np.float32)}
    summary = {"angle_t_mean": float(d["angle_t"].mean()), "angle_t_sd": float(d["angle_t"].std(ddof=1))}
    if not config["nonlinear"]:
        arrays.update({"angle_sym": d["angle_sym"].astype(np.float32),
                       "ratio": d["ratio"].astype(np.float32),
                       "eig_sym_mean": d["eig_sym"].mean(axis=0).astype(np.float32),
                       "m_mean": d["m_mean"].astype(np.float32), "m_sd": d["m_sd"].astype(np.float32)})
        skew = d["angle_skew"][~np.isnan(d["angle_skew"])]
        summary.update({"angle_sym_mean": float(d["angle_sym"].mean()),
                        "ratio_mean": float(d["ratio"].mean()),
                        "skew_max_dev": float(np.abs(skew - 90).max()) if skew.size else None})
    return {"arrays": arrays, "summary": summary,
            "provenance": {"device": str(dev), "seed": int(config["seed"])}}
