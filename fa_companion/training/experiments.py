"""Experiments as pure functions of a JSON-able config, for the results store.

:func:`ensemble_config` builds the config of one ensemble training run and :func:`run_ensemble`
executes it (``config -> {"arrays", "summary", "provenance"}``), so chapters only choose configs,
read results through :mod:`fa_companion.store.results` and plot. :func:`condition_config` is the config
of Paper B's MLP under one rule and θ_init: chapters that analyse the *same* trained networks
(Paper B's Figs 4-7: angles, Hessians, corruptions, attacks) build it with the same arguments and
so share the hash. Trained weights are not committed (DESIGN.md: no checkpoints in the store); they
are kept in a local model cache, ``<store root>/.cache/models/`` (the repository unless
``$FA_COMPANION_STORE`` says otherwise, see :func:`~fa_companion.store.results.store_root`), and
:func:`trained_ensemble` returns them, training first when they are missing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .. import resolve_device
from ..nets.models import CNNEnsemble, FeedbackMLP, Member
from ..store.results import atomic_write, config_hash, store_root
from .train import TrainConfig, early_stopping, train

__all__ = [
    "ensemble_config",
    "condition_config",
    "cnn_config",
    "build_model",
    "members_from_config",
    "run_ensemble",
    "stored_ensemble",
    "model_cache_path",
    "trained_ensemble",
]


def ensemble_config(
    members: Sequence[Member],
    *,
    dataset: str = "fashion_mnist",
    n_train: int | None = None,
    n_test: int | None = None,
    hidden: Sequence[int] = (512, 512),
    activation: str = "relu",
    train: TrainConfig | None = None,
    data_seed: int = 0,
) -> dict:
    """The config of one ensemble run: data, architecture, members and training hyperparameters.

    The device is deliberately not part of the config: a result computed on a GPU answers the
    same question as one computed on a CPU (the device is recorded in the provenance instead).
    """
    return {
        "dataset": dataset,
        "n_train": n_train,
        "n_test": n_test,
        "data_seed": data_seed,
        "hidden": list(hidden),
        "activation": activation,
        "members": [m.to_dict() for m in members],
        "train": (train or TrainConfig()).to_dict(),
    }


def condition_config(rule: str, theta_init: float | None, seeds: Sequence[int], *,
                     dataset: str = "fashion_mnist", n_train: int | None = None,
                     n_test: int | None = None, epochs: int = 30) -> dict:
    """Paper B's MLP (784/3072-512-512-10, ReLU, Adam of §B.3) under one rule and θ_init, one
    network per seed: the shared unit of chapters 07 and 09-12."""
    members = [Member(rule, theta_init, int(s)) for s in seeds]
    return ensemble_config(members, dataset=dataset, n_train=n_train, n_test=n_test,
                           train=TrainConfig(epochs=epochs))


def members_from_config(config: dict) -> list[Member]:
    return [Member(**m) for m in config["members"]]


def cnn_config(arch: str, members: Sequence[Member], *, width: float = 1.0, **kwargs) -> dict:
    """The config of an ensemble of Table S1 CNNs (``arch`` "lenet" or "alexnet"); ``kwargs`` as
    for :func:`ensemble_config` (its MLP-only keys are ignored by the CNN)."""
    return {**ensemble_config(members, **kwargs), "arch": arch, "width": float(width)}


def build_model(config: dict, input_shape: Sequence[int], num_classes: int):
    """The untrained ensemble of ``config``: a :class:`~fa_companion.nets.models.FeedbackMLP`, or a
    :class:`~fa_companion.nets.models.CNNEnsemble` when the config names an ``arch``."""
    members = members_from_config(config)
    if "arch" in config:
        return CNNEnsemble(config["arch"], input_shape, num_classes, members, config["width"])
    sizes = (math.prod(input_shape), *config["hidden"], num_classes)
    return FeedbackMLP(sizes, members, activation=config["activation"])


def model_cache_path(config: dict) -> Path:
    """Where the trained weights of ``config`` are cached locally (gitignored)."""
    return store_root() / ".cache" / "models" / f"ensemble-{config_hash(config)}.pt"


def _save_model(model, config: dict) -> None:
    state = {"config": config, "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}}
    path = model_cache_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: torch.save(state, fh))


def trained_ensemble(config: dict, *, device="auto"):
    """The ensemble of ``config`` after training: from the local model cache, else trained now
    (resumably) and cached. Call it only where computing is allowed (inside a store's compute
    function)."""
    path = model_cache_path(config)
    if not path.exists():
        run_ensemble(config, device=device, checkpoint=path.with_suffix(".partial"),
                     keep_model=True)
    from ..data.datasets import load_dataset

    state = torch.load(path, map_location="cpu", weights_only=False)
    data = load_dataset(config["dataset"], n_train=config["n_train"], n_test=config["n_test"],
                        seed=config["data_seed"])
    model = build_model(config, data.input_shape, data.num_classes)
    model.load_state_dict(state["state_dict"])
    return model.to(resolve_device(device)).eval()


def run_ensemble(config: dict, *, device="auto", checkpoint=None, progress=None,
                 keep_model: bool = False) -> dict:
    """Train the ensemble described by ``config`` (see :func:`ensemble_config`); return its history
    as arrays plus a summary of final accuracies, for :meth:`fa_companion.store.results.Store.save`.
    With ``keep_model`` the trained weights go to the local model cache (:func:`trained_ensemble`)."""
    from ..data.datasets import load_dataset

    dev = resolve_device(device)
    data = load_dataset(config["dataset"], device=dev, n_train=config["n_train"],
                        n_test=config["n_test"], seed=config["data_seed"])
    members = members_from_config(config)
    model = build_model(config, data.input_shape, data.num_classes).to(dev)
    if "arch" not in config:
        data = data.flat()
    tc = config["train"]
    cfg = TrainConfig(**{**tc, "betas": tuple(tc["betas"])})
    t0 = time.perf_counter()
    history = train(model, data, cfg, checkpoint=checkpoint, progress=progress,
                    desc=", ".join(sorted({m.label for m in members})))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    wall = time.perf_counter() - t0
    if keep_model:
        _save_model(model, config)
    final = history["test_acc"][-1]
    summary = {
        "labels": [m.label for m in members],
        "seeds": [m.seed for m in members],
        "final_test_acc": [round(float(a), 4) for a in final],
        "final_train_acc": [round(float(a), 4) for a in history["train_acc"][-1]],
        "n_diverged": int((history["diverged_epoch"] >= 0).sum()),
        "data_source": data.source,
    }
    if cfg.patience is not None:
        stop, best, _ = early_stopping(history["test_acc"], cfg.patience)
        summary["stop_epoch"] = stop.tolist()
        summary["best_test_acc"] = [round(float(a), 4) for a in best]
    return {"arrays": {k: np.asarray(v) for k, v in history.items()}, "summary": summary,
            "provenance": {"device": str(dev), "wall_time_s": wall}}


def stored_ensemble(store, config: dict, *, device="auto", name: str = "ensemble",
                    keep_model: bool = False):
    """The stored result of :func:`run_ensemble` for ``config``, computed (resumably, with a
    per-epoch checkpoint beside the store) only when it is missing and computing is allowed;
    ``keep_model`` also caches the trained weights for :func:`trained_ensemble`."""
    return store.get_or_compute(
        name, config,
        lambda c: run_ensemble(c, device=device, checkpoint=store.checkpoint_path(name, c),
                               keep_model=keep_model),
    )
