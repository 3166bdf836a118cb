"""Training loop for ensembles, with per-epoch history, divergence records and resumable checkpoints.

Paper B §B.3: Adam with β₁ = 0.99 (sic), β₂ = 0.999, learning rate 1e-4, batch 128, softmax
cross-entropy, 30 epochs. Every member draws its own mini-batch order from its own seed, so member
k of an ensemble follows exactly the trajectory it would follow trained alone (up to float
rounding), and network i of BP, FA and IFA (same seed) sees the same batches.

History (arrays with a leading epoch axis of length ``epochs + 1``; row 0 is the initial state):
``train_loss``, ``train_acc``, ``test_loss``, ``test_acc`` of shape ``(E+1, K)`` (training metrics
are the running mean over the epoch's mini-batches, as training scripts usually report; row 0 is a
full pass over the training set at initialization), ``angle_mean``, ``angle_sd``, ``angle_frob``
and ``update_angle`` of shape ``(E+1, n_layers, K)``, ``diverged_epoch`` of shape ``(K,)`` (−1 when
the member never produced a non-finite loss) and ``epoch_seconds`` of shape ``(E,)``. With
``TrainConfig.patience``, training ends early once every member has met the early-stopping rule
(:func:`early_stopping`), and the arrays have fewer rows.

With ``TrainConfig.weight_norm = γ``, every member's weight matrices are kept on Paper A's
neuron-wise spheres (§2.3, Methods §4.4, eq. 32): each neuron's incoming weights (a row of W,
shaped ``(out, in)``) are rescaled to norm γ before the first evaluation and again, in place,
after every optimizer step (:func:`fa_companion.rules.normalize.project_neurons_`); biases and the
feedback matrices B are left alone. With Adam (Paper B's optimizer) this is projected Adam: the
moment estimates are those of the unprojected steps, as in any in-place projection after
``optimizer.step()``.

A device running out of memory during :func:`train` raises :class:`TrainingOutOfMemoryError`, whose
message names the settings to lower (``batch_size``, ``eval_batch_size``, the number of members K,
or ``device="cpu"``), with the allocator's own error chained as its cause.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..rules.metrics import layer_angle_stats, update_angles
from ..rules.normalize import project_neurons_
from ..store.results import atomic_write

__all__ = [
    "TrainConfig",
    "TrainingOutOfMemoryError",
    "make_optimizer",
    "evaluate",
    "train",
    "early_stopping",
    "progress_enabled",
    "explain_out_of_memory",
    "project_weights_",
]

OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run; the defaults are Paper B's (§B.3)."""

    epochs: int = 30
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-4
    betas: tuple[float, float] = (0.99, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    eval_batch_size: int = 5000
    probe_size: int = 512  # training samples used for the update angles each epoch
    patience: int | None = None  # early stopping on test accuracy (Paper B Table S2: 10)
    weight_norm: float | None = None  # γ of Paper A's neuron-wise WN (eq. 32); None: off

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: {OPTIMIZERS}")
        for name in ("epochs", "batch_size", "eval_batch_size", "probe_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "epochs" else 1):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not (0 < self.lr < math.inf):
            raise ValueError(f"lr must be finite and > 0, got {self.lr}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be ≥ 0, got {self.weight_decay}")
        if not (len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas)):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas}")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")
        if self.patience is not None and (not isinstance(self.patience, int) or self.patience < 1):
            raise ValueError(f"patience must be None or a positive int, got {self.patience!r}")
        if self.weight_norm is not None and not (0 < self.weight_norm < math.inf):
            raise ValueError(f"weight_norm must be None (off) or a positive finite γ, got "
                             f"{self.weight_norm!r}")

    def to_dict(self) -> dict:
        """The config as a dict; options left at ``None`` are omitted, so that adding an option
        never changes the hash (:func:`fa_companion.store.results.config_hash`) of existing results."""
        return {k: v for k, v in asdict(self).items() if v is not None}


class TrainingOutOfMemoryError(torch.cuda.OutOfMemoryError, MemoryError):
    """The device ran out of memory while training; the message says which settings to lower.

    A :class:`torch.cuda.OutOfMemoryError` (so a ``RuntimeError``, and code that catches PyTorch's
    out-of-memory error still catches it) and a :class:`MemoryError`; the original error is its
    ``__cause__``.
    """


def _out_of_memory_message(device, n_members: int, cfg: TrainConfig, original: BaseException) -> str:
    first_line = (str(original).strip().splitlines() or [""])[0]
    return (
        f"out of memory on device {str(device)!r} while training an ensemble of K = {n_members} "
        f"member(s) with TrainConfig(batch_size={cfg.batch_size}, "
        f"eval_batch_size={cfg.eval_batch_size}). Memory grows with K × batch_size in training "
        f"steps and with K × eval_batch_size in evaluation; lower one of: TrainConfig.batch_size, "
        f"TrainConfig.eval_batch_size, the number of ensemble members K (train the seeds in several "
        f"smaller ensembles), or train on the CPU with device=\"cpu\". "
        f"Original error: {first_line}"
    )


@contextlib.contextmanager
def explain_out_of_memory(device, n_members: int, cfg: TrainConfig) -> Iterator[None]:
    """Re-raise PyTorch's out-of-memory error inside the block as a
    :class:`TrainingOutOfMemoryError` that names the settings to lower (original chained)."""
    try:
        yield
    except TrainingOutOfMemoryError:
        raise
    except torch.cuda.OutOfMemoryError as exc:
        raise TrainingOutOfMemoryError(
            _out_of_memory_message(device, n_members, cfg, exc)) from exc


def progress_enabled(progress: bool | None = None) -> bool:
    """Progress bars on by default, off under CI or ``TQDM_DISABLE``."""
    if progress is not None:
        return progress
    return not (os.environ.get("CI") or os.environ.get("TQDM_DISABLE"))


def make_optimizer(params, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam (Paper B) or plain SGD; both act element-wise, so one optimizer over stacked ensemble
    parameters is exactly K independent optimizers."""
    # The fused kernels are one pass over the parameters (10× faster than foreach on the CPU here).
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps,
                                weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)


def _member_losses(logits: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Per-member mean cross-entropy and number correct; logits (K, N, C), y (N,) or (K, N)."""
    k, n, c = logits.shape
    target = y.expand(k, n) if y.dim() == 1 else y
    loss = F.cross_entropy(logits.reshape(k * n, c), target.reshape(k * n), reduction="none")
    correct = (logits.argmax(-1) == target).sum(-1)
    return loss.view(k, n).mean(-1), correct


@torch.no_grad()
def evaluate(model, x: Tensor, y: Tensor, batch_size: int = 5000) -> tuple[Tensor, Tensor]:
    """Mean loss and accuracy (%) of every member on ``(x, y)``; two tensors of shape ``(K,)``."""
    total_loss = torch.zeros(model.n_members, dtype=torch.float64, device=x.device)
    total_correct = torch.zeros(model.n_members, dtype=torch.float64, device=x.device)
    for i in range(0, len(x), batch_size):
        loss, correct = _member_losses(model(x[i:i + batch_size]), y[i:i + batch_size])
        total_loss += loss.double() * len(y[i:i + batch_size])
        total_correct += correct.double()
    return total_loss / len(x), 100.0 * total_correct / len(x)


def _generators(model) -> list[torch.Generator]:
    """One CPU generator per member for its mini-batch order, seeded from the member's seed."""
    return [torch.Generator().manual_seed(10_007 * m.seed + 1) for m in model.members]


def early_stopping(test_acc: np.ndarray, patience: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paper B Table S2's rule, per network: train until the test accuracy has not improved for
    ``patience`` epochs. ``test_acc`` has shape ``(E+1, K)`` (row 0: initialization). Returns the
    stopping epoch (E when the rule never fired), the best accuracy up to it and its epoch."""
    acc = np.asarray(test_acc, dtype=float)
    n_rows, k = acc.shape
    best = np.full(k, -np.inf)
    best_epoch = np.zeros(k, dtype=np.int64)
    stop = np.full(k, n_rows - 1, dtype=np.int64)
    running = np.ones(k, dtype=bool)
    for e in range(n_rows):
        better = running & (acc[e] > best)
        best[better], best_epoch[better] = acc[e][better], e
        fired = running & (e - best_epoch >= patience)
        stop[fired], running[fired] = e, False
    return stop, best, best_epoch


def project_weights_(model, gamma: float) -> None:
    """Paper A's neuron-wise weight normalization (eq. 32) on every member of ``model`` in place:
    each row of each stacked weight matrix ``(K, out, in)`` is rescaled to norm ``gamma``.

    Needs a model with stacked ``weights`` (:class:`~fa_companion.nets.models.FeedbackMLP`); CNN
    kernels have no rows-as-neurons layout and are refused."""
    weights = getattr(model, "weights", None)
    if weights is None:
        raise ValueError(f"weight normalization needs a FeedbackMLP (stacked 'weights'); got "
                         f"{type(model).__name__}")
    for w in weights:
        project_neurons_(w, gamma)


def _snapshot(model, x_probe, y_probe) -> dict[str, np.ndarray]:
    if not getattr(model, "tracks_alignment", True):
        return {}
    stats = layer_angle_stats(model)
    stats["update_angle"] = update_angles(model, x_probe, y_probe)
    return {k: v.cpu().numpy() for k, v in stats.items()}


def train(model, data, cfg: TrainConfig, *, checkpoint: str | os.PathLike | None = None,
          progress: bool | None = None, desc: str = "train") -> dict[str, np.ndarray]:
    """Train every member of ``model`` on ``data`` (a :class:`fa_companion.data.datasets.TensorDataset`,
    flattened or not, already on the model's device) and return the history.

    With ``checkpoint``, the full state (model, optimizer, batch-order generators, history) is
    written atomically after every epoch and a later call with the same path resumes from it;
    the file is removed when training completes. A member whose loss becomes NaN or ±inf is
    recorded as diverged in ``diverged_epoch`` and training goes on for the others.

    If the device runs out of memory, :class:`TrainingOutOfMemoryError` says which settings to
    lower (``cfg.batch_size``, ``cfg.eval_batch_size``, the number of members, the device).
    """
    with explain_out_of_memory(data.x_train.device, model.n_members, cfg):
        return _train(model, data, cfg, checkpoint=checkpoint, progress=progress, desc=desc)


def _train(model, data, cfg: TrainConfig, *, checkpoint, progress, desc) -> dict[str, np.ndarray]:
    """:func:`train` without the out-of-memory explanation."""
    from tqdm import tqdm

    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    device = x_train.device
    n, k, bs = len(x_train), model.n_members, cfg.batch_size
    opt = make_optimizer(model.parameters(), cfg)
    gens = _generators(model)
    x_probe, y_probe = x_train[: cfg.probe_size], y_train[: cfg.probe_size]

    ckpt = Path(checkpoint) if checkpoint is not None else None
    if cfg.weight_norm is not None:  # WN holds from the start (idempotent when resuming)
        project_weights_(model, cfg.weight_norm)
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        identity = _identity(model, cfg)
        if state.get("identity") != identity:
            raise ValueError(
                f"checkpoint {ckpt} belongs to another run ({state.get('identity')}); "
                f"expected {identity}. Delete it to start afresh."
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        for g, s in zip(gens, state["generators"]):
            g.set_state(s)
        rows, diverged, epoch_seconds = state["rows"], state["diverged"], state["epoch_seconds"]
    else:
        train_loss, train_acc = evaluate(model, x_train, y_train, cfg.eval_batch_size)
        test_loss, test_acc = evaluate(model, x_test, y_test, cfg.eval_batch_size)
        rows = [_row(train_loss, train_acc, test_loss, test_acc, _snapshot(model, x_probe, y_probe))]
        diverged = np.where(np.isfinite(rows[0]["train_loss"]), -1, 0).astype(np.int64)
        epoch_seconds = []

    n_batches = math.ceil(n / bs)
    bar = tqdm(total=cfg.epochs, initial=len(rows) - 1, desc=desc, disable=not progress_enabled(progress))
    for epoch in range(len(rows), cfg.epochs + 1):
        t0 = time.perf_counter()
        order = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
        run_loss = torch.zeros(k, dtype=torch.float64, device=device)
        run_correct = torch.zeros(k, dtype=torch.float64, device=device)
        model.train()
        for i in range(n_batches):
            idx = order[:, i * bs:(i + 1) * bs]
            xb, yb = x_train[idx], y_train[idx]
            model.feedback_step = (epoch - 1) * n_batches + i  # what a registered rule may use
            loss, correct = _member_losses(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
            if cfg.weight_norm is not None:
                project_weights_(model, cfg.weight_norm)
            run_loss += loss.detach().double() * idx.shape[1]
            run_correct += correct.double()
        model.eval()
        train_loss, train_acc = run_loss / n, 100.0 * run_correct / n
        test_loss, test_acc = evaluate(model, x_test, y_test, cfg.eval_batch_size)
        rows.append(_row(train_loss, train_acc, test_loss, test_acc, _snapshot(model, x_probe, y_probe)))
        bad = ~np.isfinite(rows[-1]["train_loss"]) & (diverged < 0)
        diverged[bad] = epoch
        epoch_seconds.append(time.perf_counter() - t0)
        bar.update(1)
        bar.set_postfix(test_acc=f"{float(np.nanmean(rows[-1]['test_acc'])):.2f}")
        done = cfg.patience is not None and bool((epoch - early_stopping(
            np.stack([r["test_acc"] for r in rows]), cfg.patience)[2] >= cfg.patience).all())
        if ckpt is not None and epoch < cfg.epochs and not done:
            state = {"identity": _identity(model, cfg), "model": model.state_dict(),
                     "optimizer": opt.state_dict(), "generators": [g.get_state() for g in gens],
                     "rows": rows, "diverged": diverged, "epoch_seconds": epoch_seconds}
            atomic_write(ckpt, lambda fh: torch.save(state, fh))  # noqa: B023 (called at once)
        if done:  # every member has met the early-stopping rule
            break
    bar.close()
    if ckpt is not None:
        ckpt.unlink(missing_ok=True)
    history = {key: np.stack([r[key] for r in rows]) for key in rows[0]}
    history["diverged_epoch"] = diverged
    history["epoch_seconds"] = np.asarray(epoch_seconds, dtype=np.float64)
    return history


def _identity(model, cfg: TrainConfig) -> dict:
    """What a checkpoint must match to be resumed: the members, the tensor shapes and the config."""
    return {"members": [m.to_dict() for m in model.members],
            "shapes": {k: list(v.shape) for k, v in model.state_dict().items()},
            "train": cfg.to_dict()}


def _row(train_loss, train_acc, test_loss, test_acc, snapshot) -> dict[str, np.ndarray]:
    row = {
        "train_loss": train_loss.float().cpu().numpy(),
        "train_acc": train_acc.float().cpu().numpy(),
        "test_loss": test_loss.float().cpu().numpy(),
        "test_acc": test_acc.float().cpu().numpy(),
    }
    row.update(snapshot)
    return row
