"""Training trajectories, curvature through training and converged loss landscapes (Paper B
Figs 2, 5 and S10; §B.6-B.8).

Two experiments, each a pure function of a JSON-able config for the results store:

- :func:`run_trajectory` (Fig 2 b-d, f-k): trains one condition (BP, FA or IFA at θ_init; the
  networks of :func:`fa_companion.training.experiments.condition_config`, same data order and optimizer as
  :func:`fa_companion.training.train.train`) with its own loop, :func:`train_recording`, that records the
  flat parameters every ``snapshot_every`` steps, the exact per-step path length, and the Hessian's
  top eigenvalue and trace at chosen epochs. It stores only what the figures need: the PCA
  projection of (θ_i − θ_final) (§B.6), the training loss on a grid in the PC plane, path metrics
  and the curvature records; never the snapshots.
- :func:`run_spectrum` (Fig 5, S10): analyses the *shared* trained networks of one condition
  (:func:`fa_companion.training.experiments.trained_ensemble`): top-2 Hessian eigenpairs, Hutchinson trace,
  SLQ nodes and weights, and the test loss on θ + αv₁ + βv₂ (§B.7-B.8).

Every Hessian is taken on a plain functional copy of the weights (:mod:`fa_companion.measure.hessian`),
never through the FA autograd Functions. The figures drawn from the stored results are in
:mod:`fa_companion.figures.landscape`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from .. import resolve_device
from ..nets.models import FeedbackMLP
from ..training.experiments import condition_config, members_from_config
from ..training.train import (
    TrainConfig,
    _generators,
    _member_losses,
    evaluate,
    make_optimizer,
    progress_enabled,
)
from .hessian import (
    Hessian,
    PlainMLP,
    hutchinson_trace,
    lanczos,
    loss_plane,
    member_theta,
    slq,
    top_eigenpairs,
)

__all__ = [
    "stacked_theta",
    "fixed_batch",
    "pca_trajectory",
    "curvature",
    "train_recording",
    "trajectory_config",
    "run_trajectory",
    "spectrum_config",
    "run_spectrum",
    "condition_label",
]


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


def stacked_theta(model: FeedbackMLP) -> Tensor:
    """All members' flat plain parameter vectors ``(K, n_params)`` (W₀, b₀, W₁, …), detached."""
    net = PlainMLP.from_model(model)
    params = {f"W{l}": model.weights[l].detach() for l in range(model.n_layers)}
    if model.biases is not None:
        params |= {f"b{l}": model.biases[l].detach() for l in range(model.n_layers)}
    return net.flatten(params)


def fixed_batch(x: Tensor, y: Tensor, n: int | None, seed: int) -> tuple[Tensor, Tensor]:
    """A fixed evaluation batch: ``n`` samples drawn without replacement by a seeded generator
    (kept in dataset order); ``None`` or ``n ≥ len(x)``: everything."""
    if n is None or n >= len(x):
        return x, y
    if n < 1:
        raise ValueError(f"batch size must be ≥ 1 or None, got {n}")
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(int(seed)))[:n].sort().values
    idx = idx.to(x.device)
    return x[idx], y[idx]


def pca_trajectory(snapshots: Tensor, final: Tensor | None = None) -> dict:
    """PCA of a training trajectory (Paper B §B.6, after Li et al. 2018).

    ``snapshots`` ``(T, n)`` are flat parameters in training order; ``final`` defaults to the last.
    The matrix of deviations X = [θ₀ − θ_final, θ₁ − θ_final, …] is centred and its top-2 principal
    directions d₁, d₂ (unit vectors in parameter space) found through the T×T Gram matrix (float64).
    The trajectory is projected *uncentred*, coords = X d, so θ_final sits at the origin. Signs are
    fixed so that θ₀ has non-negative coordinates.

    Returns ``{"directions": (2, n) in the snapshots' dtype, "coords": (T, 2) float64,
    "explained": (2,) fraction of the deviations' variance on each direction}``.
    """
    if snapshots.dim() != 2 or len(snapshots) < 3:
        raise ValueError(f"snapshots must be (T ≥ 3, n), got {tuple(snapshots.shape)}")
    final = snapshots[-1] if final is None else final
    X = (snapshots - final).double()
    Xc = X - X.mean(0)
    gram = Xc @ Xc.T
    evals, evecs = torch.linalg.eigh(gram)
    evals, evecs = evals.flip(0)[:2], evecs.flip(1)[:, :2]
    directions = (Xc.T @ evecs) / evals.clamp_min(1e-300).sqrt()  # (n, 2), unit columns
    coords = X @ directions
    sign = torch.where(coords[0] < 0, -1.0, 1.0).to(coords)
    coords, directions = coords * sign, directions * sign
    explained = evals / torch.trace(gram).clamp_min(1e-300)
    return {"directions": directions.T.to(snapshots.dtype).contiguous(),
            "coords": coords.cpu().numpy(), "explained": explained.cpu().numpy()}


def curvature(net: PlainMLP, thetas: Tensor, x: Tensor, y: Tensor, *, k_eig: int = 1,
              eig_tol: float = 1e-3, n_probes: int = 10, seed: int = 0, chunk: int = 4,
              keep_vectors: bool = False) -> dict:
    """Hessian curvature of K networks ``thetas`` ``(K, n)`` on one fixed batch ``(x, y)``.

    Top ``k_eig`` eigenvalues per network (:func:`fa_companion.measure.hessian.top_eigenpairs`, seeded,
    relative tolerance ``eig_tol``) and the Hutchinson trace with ``n_probes`` Rademacher probes
    per network (vectorized over networks). Returns float64 numpy ``eigenvalues (K, k_eig)``,
    ``eig_hvps (K,)``, ``trace (K,)``, ``trace_se (K,)``, ``trace_samples (K, P)``, ``loss (K,)``,
    ``grad_norm (K,)``; with ``keep_vectors`` also ``eigenvectors`` as a list of ``(k, n)`` tensors.
    """
    loss_fn = net.loss_fn(x, y)
    hess = Hessian(loss_fn, thetas)
    tr = hutchinson_trace(hess, n_probes, seed=seed, chunk=chunk)
    eigs = [top_eigenpairs(hess.member(k), k_eig, tol=eig_tol, seed=seed + 1 + k) for k in range(len(thetas))]
    with torch.no_grad():
        losses = torch.stack([loss_fn(t) for t in thetas]).double().cpu().numpy()
    g = torch.func.vmap(torch.func.grad(loss_fn))(thetas)
    out = {"eigenvalues": np.stack([e["eigenvalues"] for e in eigs]),
           "eig_hvps": np.array([e["n_hvp"] for e in eigs], dtype=np.int64),
           "trace": tr["trace"], "trace_se": tr["se"], "trace_samples": tr["samples"],
           "loss": losses, "grad_norm": g.norm(dim=-1).double().cpu().numpy()}
    if keep_vectors:
        out["eigenvectors"] = [e["eigenvectors"] for e in eigs]
    return out


# --------------------------------------------------------------------------------------------
# Training with recorded parameters (Fig 2)
# --------------------------------------------------------------------------------------------


def train_recording(model: FeedbackMLP, data, cfg: TrainConfig, *, snapshot_every: int,
                    hessian_epochs: Sequence[int] = (), hessian_batch: tuple[Tensor, Tensor] | None = None,
                    hessian_kw: Mapping | None = None, progress: bool | None = None) -> dict:
    """Train like :func:`fa_companion.training.train.train` (same per-member batch order, same Adam, same
    summed loss) while recording what Paper B's Fig 2 needs.

    - ``snapshots``: flat plain parameters ``(T, K, n)`` on the CPU at step 0, every
      ``snapshot_every`` steps and at the last step; ``snapshot_steps`` ``(T,)``.
    - ``step_path_length`` ``(K,)``: Σ_t ‖θ_{t+1} − θ_t‖ over every optimizer step (the exact
      length of the discrete trajectory, not of the snapshots).
    - at each epoch in ``hessian_epochs`` (0 = initialization, e = after e epochs):
      :func:`curvature` on ``hessian_batch`` with ``hessian_kw`` and the test loss/accuracy.
    """
    from tqdm import tqdm

    if not (isinstance(snapshot_every, int) and snapshot_every >= 1):
        raise ValueError(f"snapshot_every must be a positive int, got {snapshot_every!r}")
    bad = [e for e in hessian_epochs if not 0 <= e <= cfg.epochs]
    if bad:
        raise ValueError(f"hessian_epochs {bad} outside 0..{cfg.epochs}")
    if hessian_epochs and hessian_batch is None:
        raise ValueError("hessian_epochs given without a hessian_batch")
    net = PlainMLP.from_model(model)
    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    device = x_train.device
    n, k, bs = len(x_train), model.n_members, cfg.batch_size
    opt = make_optimizer(model.parameters(), cfg)
    gens = _generators(model)
    n_batches = math.ceil(n / bs)

    snapshots, steps = [stacked_theta(model).cpu()], [0]
    params = [p.detach() for p in model.parameters()]  # stacked (K, …): the members' θ_k
    prev = [p.clone() for p in params]
    path = torch.zeros(k, dtype=torch.float64, device=device)
    records: dict[str, list] = {}

    def record(epoch: int) -> None:
        t0 = time.perf_counter()
        thetas = stacked_theta(model)
        c = curvature(net, thetas, *hessian_batch, seed=1000 + epoch, **dict(hessian_kw or {}))
        test_loss, test_acc = evaluate(model, x_test, y_test, cfg.eval_batch_size)
        c |= {"test_loss": test_loss.cpu().numpy(), "test_acc": test_acc.cpu().numpy(),
              "seconds": np.float64(time.perf_counter() - t0)}
        for key, val in c.items():
            records.setdefault(key, []).append(np.asarray(val))

    if 0 in hessian_epochs:
        record(0)
    step = 0
    bar = tqdm(total=cfg.epochs, desc="train+record", disable=not progress_enabled(progress))
    for epoch in range(1, cfg.epochs + 1):
        order = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
        model.train()
        for i in range(n_batches):
            idx = order[:, i * bs:(i + 1) * bs]
            loss, _ = _member_losses(model(x_train[idx]), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            for b, p in zip(prev, params):
                b.copy_(p)
            opt.step()
            step += 1
            sq = torch.zeros(k, dtype=params[0].dtype, device=device)
            for b, p in zip(prev, params):
                sq += b.sub_(p).square().reshape(k, -1).sum(-1)
            path += sq.double().sqrt()
            if step % snapshot_every == 0:
                snapshots.append(stacked_theta(model).cpu())
                steps.append(step)
        model.eval()
        if epoch in hessian_epochs:
            record(epoch)
        bar.update(1)
    bar.close()
    if steps[-1] != step:
        snapshots.append(stacked_theta(model).cpu())
        steps.append(step)
    out = {"snapshots": torch.stack(snapshots), "snapshot_steps": np.asarray(steps, dtype=np.int64),
           "step_path_length": path.cpu().numpy(), "steps_per_epoch": n_batches}
    out["hessian_epochs"] = np.asarray(sorted(hessian_epochs), dtype=np.int64)
    out.update({f"h_{key}": np.stack(v) for key, v in records.items()})
    return out


def trajectory_config(rule: str, theta_init: float | None, seeds: Sequence[int], *,
                      dataset: str = "fashion_mnist", n_train: int | None = None,
                      n_test: int | None = None, epochs: int = 30, snapshot_every: int = 200,
                      hessian_epochs: Sequence[int] = (0, 1, 2, 5, 10, 20, 30),
                      hessian_batch: int = 1000, n_probes: int = 10, eig_tol: float = 1e-3,
                      plane_points: int = 21, plane_batch: int = 2000, plane_networks: int = 1,
                      batch_seed: int = 0) -> dict:
    """Config of :func:`run_trajectory`: the shared condition (same networks, data and optimizer as
    :func:`fa_companion.training.experiments.condition_config`) plus what is recorded and measured."""
    return {
        "ensemble": condition_config(rule, theta_init, seeds, dataset=dataset, n_train=n_train,
                                     n_test=n_test, epochs=epochs),
        "snapshot_every": int(snapshot_every),
        "hessian": {"epochs": [int(e) for e in hessian_epochs], "batch": hessian_batch,
                    "n_probes": int(n_probes), "eig_k": 1, "eig_tol": float(eig_tol),
                    "batch_seed": int(batch_seed)},
        "plane": {"points": int(plane_points), "batch": plane_batch, "networks": int(plane_networks),
                  "margin": 0.2, "batch_seed": int(batch_seed) + 1},
    }


def _load_data(ens: Mapping, device):
    from ..data.datasets import load_dataset

    return load_dataset(ens["dataset"], device=device, n_train=ens["n_train"], n_test=ens["n_test"],
                        seed=ens["data_seed"]).flat()


def _train_cfg(ens: Mapping) -> TrainConfig:
    tc = ens["train"]
    return TrainConfig(**{**tc, "betas": tuple(tc["betas"])})


def run_trajectory(config: Mapping, *, device="auto", progress: bool | None = None) -> dict:
    """Fig 2 for one condition: train with :func:`train_recording`, then PCA of each network's
    trajectory, the training loss on a grid in the PC plane of the first ``plane.networks``
    networks, path metrics and the curvature records. Returns the store's ``{"arrays",
    "summary", "provenance"}``; no snapshots are kept."""
    dev = resolve_device(device)
    ens = config["ensemble"]
    data = _load_data(ens, dev)
    members = members_from_config(ens)
    sizes = (data.input_dim, *ens["hidden"], data.num_classes)
    model = FeedbackMLP(sizes, members, activation=ens["activation"]).to(dev)
    hc, pc = config["hessian"], config["plane"]
    xh, yh = fixed_batch(data.x_train, data.y_train, hc["batch"], hc["batch_seed"])
    t0 = time.perf_counter()
    rec = train_recording(model, data, _train_cfg(ens), snapshot_every=config["snapshot_every"],
                          hessian_epochs=hc["epochs"], hessian_batch=(xh, yh),
                          hessian_kw={"k_eig": hc["eig_k"], "eig_tol": hc["eig_tol"],
                                      "n_probes": hc["n_probes"]},
                          progress=progress)
    train_s = time.perf_counter() - t0
    net = PlainMLP.from_model(model)
    xp, yp = fixed_batch(data.x_train, data.y_train, pc["batch"], pc["batch_seed"])
    plane_loss = net.loss_fn(xp, yp)
    snaps = rec.pop("snapshots")  # (T, K, n) on the CPU
    k = len(members)
    coords, explained, snap_loss, grids, axes = [], [], [], [], []
    for m in range(k):
        s = snaps[:, m].to(dev)
        pca = pca_trajectory(s)
        coords.append(pca["coords"])
        explained.append(pca["explained"])
        with torch.no_grad():
            snap_loss.append(torch.func.vmap(plane_loss, chunk_size=16)(s).double().cpu().numpy())
        if m < pc["networks"]:
            c = pca["coords"]
            lims = []
            for j in range(2):
                lo, hi = c[:, j].min(), c[:, j].max()
                pad = pc["margin"] * max(hi - lo, 1e-12)
                lims.append(np.linspace(lo - pad, hi + pad, pc["points"]))
            d1, d2 = pca["directions"]
            grids.append(loss_plane(plane_loss, s[-1], d1, d2, lims[0], lims[1]))
            axes.append(np.stack(lims))
        del s
    coords = np.stack(coords)  # (K, T, 2)
    snapshot_path = np.array([sum(float((snaps[t + 1, m] - snaps[t, m]).double().norm())
                                  for t in range(len(snaps) - 1)) for m in range(k)])
    displacement = (snaps[-1] - snaps[0]).double().norm(dim=-1).numpy()
    plane_path = np.linalg.norm(np.diff(coords, axis=1), axis=-1).sum(-1)
    arrays = {
        "snapshot_steps": rec["snapshot_steps"], "coords": coords, "explained": np.stack(explained),
        "snapshot_loss": np.stack(snap_loss), "plane_axes": np.stack(axes), "plane_loss": np.stack(grids),
        "step_path_length": rec["step_path_length"], "snapshot_path_length": snapshot_path,
        "plane_path_length": plane_path, "displacement": displacement,
        "hessian_epochs": rec["hessian_epochs"],
    }
    arrays |= {k_: v for k_, v in rec.items() if k_.startswith("h_")}
    summary = {
        "label": members[0].label, "seeds": [m.seed for m in members],
        "n_params": net.n_params, "n_snapshots": int(len(rec["snapshot_steps"])),
        "steps": int(rec["snapshot_steps"][-1]), "steps_per_epoch": int(rec["steps_per_epoch"]),
        "final_test_acc": [round(float(a), 3) for a in rec["h_test_acc"][-1]] if "h_test_acc" in rec else None,
        "explained_pc12": [round(float(e.sum()), 4) for e in arrays["explained"]],
        "directness": [round(float(d / p), 4) for d, p in zip(displacement, rec["step_path_length"])],
        "train_seconds": round(train_s, 1), "data_source": data.source,
    }
    return {"arrays": arrays, "summary": summary, "provenance": {"device": str(dev)}}


# --------------------------------------------------------------------------------------------
# Converged networks (Fig 5, S10)
# --------------------------------------------------------------------------------------------


def spectrum_config(rule: str, theta_init: float | None, seeds: Sequence[int], *,
                    dataset: str = "fashion_mnist", n_train: int | None = None,
                    n_test: int | None = None, epochs: int = 30, n_networks: int = 3,
                    hessian_batch: int = 1000, n_probes: int = 16, eig_tol: float = 1e-4,
                    slq_runs: int = 3, slq_steps: int = 40, slq_networks: int = 1,
                    landscape_radius: float = 1.0, landscape_points: int = 21,
                    landscape_batch: int = 2000, landscape_networks: int = 1,
                    batch_seed: int = 0) -> dict:
    """Config of :func:`run_spectrum`: the shared trained condition (exactly
    :func:`fa_companion.training.experiments.condition_config`, so the cached networks of chapter 09 are
    reused) and the analysis of its first ``n_networks`` networks."""
    ens = condition_config(rule, theta_init, seeds, dataset=dataset, n_train=n_train,
                           n_test=n_test, epochs=epochs)
    if not 1 <= n_networks <= len(ens["members"]):
        raise ValueError(f"n_networks must be in 1..{len(ens['members'])} (the seeds), got {n_networks}")
    return {
        "ensemble": ens, "networks": list(range(int(n_networks))),
        "hessian": {"batch": hessian_batch, "batch_seed": int(batch_seed), "n_probes": int(n_probes),
                    "eig_k": 2, "eig_tol": float(eig_tol), "slq_runs": int(slq_runs),
                    "slq_steps": int(slq_steps), "slq_networks": int(min(slq_networks, n_networks))},
        "landscape": {"radius": float(landscape_radius), "points": int(landscape_points),
                      "batch": landscape_batch, "batch_seed": int(batch_seed) + 2,
                      "networks": int(min(landscape_networks, n_networks)), "split": "test"},
    }


def run_spectrum(config: Mapping, *, device="auto") -> dict:
    """Fig 5 / S10 for one condition: load the shared trained networks, then per analysed network
    the top-2 eigenpairs and Hutchinson trace of the training-loss Hessian on a fixed batch, SLQ
    nodes/weights, and the test loss on θ + αv₁ + βv₂ over a square grid (Paper B §B.7-B.8)."""
    from ..training.experiments import trained_ensemble

    dev = resolve_device(device)
    ens, hc, lc = config["ensemble"], config["hessian"], config["landscape"]
    model = trained_ensemble(ens, device=dev)
    data = _load_data(ens, dev)
    net = PlainMLP.from_model(model)
    idx = list(config["networks"])
    thetas = member_theta(model, idx).to(dev)
    xh, yh = fixed_batch(data.x_train, data.y_train, hc["batch"], hc["batch_seed"])
    t0 = time.perf_counter()
    curv = curvature(net, thetas, xh, yh, k_eig=hc["eig_k"], eig_tol=hc["eig_tol"],
                     n_probes=hc["n_probes"], seed=0, keep_vectors=True)
    vectors = curv.pop("eigenvectors")
    hess = Hessian(net.loss_fn(xh, yh), thetas)
    nodes, weights, slq_hvps = [], [], 0
    for m in range(hc["slq_networks"]):
        h_m = hess.member(m)
        q = slq(lanczos(h_m, hc["slq_steps"], hc["slq_runs"], seed=500 + m))
        nodes.append(q["nodes"])
        weights.append(q["weights"])
        slq_hvps += h_m.n_hvp
    hessian_s = time.perf_counter() - t0
    xl, yl = fixed_batch(data.x_test, data.y_test, lc["batch"], lc["batch_seed"])
    test_loss = net.loss_fn(xl, yl)
    axis = np.linspace(-lc["radius"], lc["radius"], lc["points"])
    grids = [loss_plane(test_loss, thetas[m], vectors[m][0], vectors[m][1], axis, axis)
             for m in range(lc["networks"])]
    with torch.no_grad():
        full_loss, full_acc = evaluate(model, data.x_test, data.y_test)
    members = members_from_config(ens)
    arrays = dict(curv) | {
        "slq_nodes": np.stack(nodes), "slq_weights": np.stack(weights), "landscape_axis": axis,
        "landscape_loss": np.stack(grids), "test_loss": full_loss.cpu().numpy()[idx],
        "test_acc": full_acc.cpu().numpy()[idx],
    }
    summary = {
        "label": members[0].label, "seeds": [members[i].seed for i in idx], "n_params": net.n_params,
        "lambda_max": [round(float(v), 4) for v in curv["eigenvalues"][:, 0]],
        "trace": [round(float(v), 2) for v in curv["trace"]],
        "eig_hvps": [int(v) for v in curv["eig_hvps"]], "slq_hvps": int(slq_hvps),
        "hessian_seconds": round(hessian_s, 1), "data_source": data.source,
    }
    return {"arrays": arrays, "summary": summary, "provenance": {"device": str(dev)}}


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def condition_label(rule: str, theta_init: float | None) -> str:
    """``BP``, ``FA`` (θ_init = 90°) or ``IFA θ°``, as in :attr:`fa_companion.nets.models.Member.label`."""
    if rule == "bp":
        return "BP"
    if rule == "fa" or (theta_init is not None and float(theta_init) == 90.0):
        return "FA"
    return f"IFA {float(theta_init or 0.0):g}°"
