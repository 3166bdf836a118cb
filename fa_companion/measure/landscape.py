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
never through the FA autograd Functions. The figure functions at the end take the
stored results and return matplotlib Figures.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from .. import resolve_device
from ..figures.plotting import band, rule_color
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
    density_grid,
    hutchinson_trace,
    lanczos,
    loss_plane,
    member_theta,
    slq,
    spectral_density,
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
    "fig_trajectories",
    "fig_curvature_through_training",
    "fig_eigen_landscapes",
    "fig_landscape_sections",
    "fig_spectral_densities",
    "fig_curvature_vs_theta",
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
# Figures
# --------------------------------------------------------------------------------------------


def condition_label(rule: str, theta_init: float | None) -> str:
    """``BP``, ``FA`` (θ_init = 90°) or ``IFA θ°``, as in :attr:`fa_companion.nets.models.Member.label`."""
    if rule == "bp":
        return "BP"
    if rule == "fa" or (theta_init is not None and float(theta_init) == 90.0):
        return "FA"
    return f"IFA {float(theta_init or 0.0):g}°"


def _color(label: str) -> str:
    return rule_color("IFA 90°" if label == "FA 90°" else label)


def fig_trajectories(results: Mapping[str, Mapping[str, np.ndarray]], network: int = 0,
                     levels: int = 20) -> Figure:
    """Paper B Fig 2 b-d: each condition's training trajectory (network ``network``) projected on
    its first two principal directions, over the training loss on that plane (log-spaced contours).
    Start ○ (θ₀), end ★ (θ_final, the origin). All panels share one logarithmic loss colour scale
    and the same axis ranges, so that the conditions compare directly."""
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D

    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=(3.3 * n + 0.8, 3.6), squeeze=False, layout="constrained")
    zs = [a["plane_loss"][network] for a in results.values()]
    low = max(min(float(z.min()) for z in zs), 1e-4)
    top = max(float(z.max()) for z in zs)
    lv = np.geomspace(low, top, levels)
    norm = LogNorm(vmin=low, vmax=top)
    extent = np.array([[*a["plane_axes"][network][0][[0, -1]], *a["plane_axes"][network][1][[0, -1]]]
                       for a in results.values()])
    for ax, (label, a), z in zip(axes[0], results.items(), zs):
        ax.grid(False)
        xs, ys = a["plane_axes"][network]
        cs = ax.contourf(xs, ys, np.clip(z.T, low, top), levels=lv, cmap="viridis", norm=norm)  # rows: β (y)
        ax.contour(xs, ys, z.T, levels=lv, colors="w", linewidths=0.3, alpha=0.5)
        c = a["coords"][network]
        ax.plot(c[:, 0], c[:, 1], "-", color=_color(label) if label != "BP" else "k", lw=1.6)
        ax.plot(c[:, 0], c[:, 1], ".", color="w", ms=2.5)
        ax.plot(*c[0], "o", mfc="w", mec="k", ms=7)
        ax.plot(*c[-1], "*", color="gold", mec="k", ms=12)
        ev = a["explained"][network]
        ax.set(title=label, xlabel=f"PC1 ({100 * ev[0]:.0f}% var.)", ylabel=f"PC2 ({100 * ev[1]:.0f}% var.)",
               xlim=(extent[:, 0].min(), extent[:, 1].max()), ylim=(extent[:, 2].min(), extent[:, 3].max()))
        ax.set_facecolor("0.92")  # outside the plane's computed grid
    fig.colorbar(cs, ax=axes[0].tolist(), shrink=0.85, label="training loss (shared scale)", format="%.2g")
    markers = [Line2D([], [], ls="none", marker="o", mfc="w", mec="k", ms=7, label="start θ₀ (initialization)"),
               Line2D([], [], ls="none", marker="*", color="gold", mec="k", ms=12, label="end θ_final (origin)")]
    fig.legend(handles=markers, loc="outside lower center", ncol=2)
    return fig


def fig_curvature_through_training(results: Mapping[str, Mapping[str, np.ndarray]]) -> Figure:
    """Paper B Fig 2 f-k: Hessian trace (top row) and top eigenvalue (bottom row) through training,
    one column per condition, mean ± SD over networks (thin lines: single networks); every panel
    shares its row's y-axis so conditions compare at a glance."""
    n = len(results)
    fig, axes = plt.subplots(2, n, figsize=(3.2 * n, 5.0), sharey="row", squeeze=False)
    for j, (label, a) in enumerate(results.items()):
        e = a["hessian_epochs"]
        for i, (key, name) in enumerate((("h_trace", "Hessian trace"), ("h_eigenvalues", "top eigenvalue λ_max"))):
            v = a[key] if key == "h_trace" else a[key][..., 0]
            ax = axes[i][j]
            col = _color(label)
            ax.plot(e, v, color=col, lw=0.6, alpha=0.5)
            band(ax, e, v.mean(-1), v.std(-1, ddof=1) if v.shape[-1] > 1 else 0 * v[:, 0],
                 label=label, color=col, lw=2)
            ax.set(xlabel="epoch", ylabel=name if j == 0 else None, title=f"{label}")
            ax.set_yscale("log")
    fig.tight_layout()
    return fig


def fig_eigen_landscapes(results: Mapping[str, Mapping[str, np.ndarray]], network: int = 0,
                         zmax: float | None = None) -> Figure:
    """Paper B Fig 5a / S10 top: test loss on θ + αv₁ + βv₂ (top-2 Hessian eigenvectors), one panel
    per condition, common logarithmic colour scale (capped at ``zmax``); the colour bar takes the
    first empty panel slot if there is one."""
    n = len(results)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols + (0 if rows * cols > n else 1.0), 2.3 * rows),
                             squeeze=False, layout="constrained")
    zs = [a["landscape_loss"][network] for a in results.values()]
    top = zmax if zmax is not None else max(float(z.max()) for z in zs)
    low = max(min(float(z.min()) for z in zs), 1e-6)
    lv = np.geomspace(low, top, 22)
    for ax, (label, a), z in zip(axes.flat, results.items(), zs):
        ax.grid(False)
        t = a["landscape_axis"]
        cs = ax.contourf(t, t, np.clip(z.T, low, top), levels=lv, cmap="magma", norm="log")
        ax.set_title(label, color="k", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xticks([t[0], 0, t[-1]], [f"{t[0]:g}", "0", f"{t[-1]:g}"])
        ax.set_yticks([t[0], 0, t[-1]], [f"{t[0]:g}", "0", f"{t[-1]:g}"])
        ax.tick_params(labelsize=8.5)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for j in range(cols):  # the lowest panel of each column
        axes[(n - 1 - j) // cols, j].set_xlabel("α (v₁)")
    for ax in axes[:, 0]:
        ax.set_ylabel("β (v₂)")
    if rows * cols > n:  # the colour bar in the first empty slot
        cax = axes.flat[n].inset_axes([0.15, 0.05, 0.1, 0.9])
        fig.colorbar(cs, cax=cax, label="test loss", format="%.2g")
    else:
        fig.colorbar(cs, ax=axes, shrink=0.8, label="test loss", format="%.2g")
    return fig


def fig_landscape_sections(results: Mapping[str, Mapping[str, np.ndarray]], network: int = 0) -> Figure:
    """Paper B Fig 5a as cross-sections: test loss along v₁ (β = 0) and along v₂ (α = 0) through
    θ_final, all conditions overlaid and coloured by θ_init (BP grey dashed), log scale."""
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.1), sharey=True)
    for label, a in results.items():
        t, z = a["landscape_axis"], a["landscape_loss"][network]
        mid = len(t) // 2
        style = dict(color=_color(label), lw=2 if label in ("BP", "FA") else 1.1,
                     ls="--" if label == "BP" else "-", label=label)
        axes[0].plot(t, z[:, mid], **style)
        axes[1].plot(t, z[mid, :], **style)
    axes[0].set(xlabel="α (along v₁, β = 0)", ylabel="test loss", yscale="log")
    axes[1].set(xlabel="β (along v₂, α = 0)")
    axes[1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7.5)
    fig.tight_layout()
    return fig


def fig_spectral_densities(results: Mapping[str, Mapping[str, np.ndarray]], *, rel_sigma: float = 0.005,
                           floor: float = 1e-9, separate: bool = False, network: int = 0,
                           n_points: int = 4000) -> Figure:
    """Paper B Fig 5b / S10 bottom: SLQ spectral densities of network ``network`` on a log scale.

    Gaussian broadening σ = ``rel_sigma`` × the range of the nodes drawn on an axis: overlaid on
    one axis (one σ and grid for all), or one panel per condition with its own σ and eigenvalue
    range (``separate``, as in Fig S10). Outlier eigenvalues carry SLQ weights of order 1/n
    (~10⁻⁶ here), hence the low ``floor``: a broad σ or a high floor hides them under the bulk."""
    items = list(results.items())
    if separate:
        cols = min(len(items), 6)
        rows = math.ceil(len(items) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, 1.9 * rows + 0.3), sharey=True,
                                 squeeze=False)
        flat = list(axes.flat)
        for ax in flat[len(items):]:
            ax.axis("off")
    else:
        fig, ax = plt.subplots(figsize=(6.0, 3.4))
        flat = [ax] * len(items)
        every = np.concatenate([np.ravel(a["slq_nodes"][network]) for _, a in items])
        common_sigma = rel_sigma * float(np.ptp(every))
        common_grid = density_grid(every, common_sigma, n_points)
    for ax, (label, a) in zip(flat, items):
        nodes, weights = a["slq_nodes"][network], a["slq_weights"][network]
        if separate:
            sigma = rel_sigma * float(np.ptp(nodes))
            grid = density_grid(nodes, sigma, n_points)
        else:
            sigma, grid = common_sigma, common_grid
        rho = spectral_density(nodes, weights, grid, sigma)
        ax.plot(grid, np.maximum(rho, floor), color=_color(label), label=label,
                lw=2 if label in ("BP", "FA") else 1.2, zorder=3 if label == "BP" else 2)
        if separate:
            ax.set_title(label, color=_color(label) if label != "BP" else "k")
    for ax in (axes[-1] if separate else [flat[0]]):
        ax.set_xlabel("eigenvalue λ")
    for ax in (axes[:, 0] if separate else [flat[0]]):
        ax.set(yscale="log", ylabel="density ρ_σ(λ)", ylim=(floor, None))
    if not separate:
        flat[0].legend(ncol=2, fontsize=7)
        flat[0].set_title(f"Gaussian broadening σ = {common_sigma:.2g} ({100 * rel_sigma:g}% of the eigenvalue range)",
                          fontsize=8.5)
    fig.tight_layout()
    return fig


def fig_curvature_vs_theta(thetas: Sequence[float], traces: Sequence[np.ndarray],
                           lambdas: Sequence[np.ndarray], bp_trace: np.ndarray | None = None,
                           bp_lambda: np.ndarray | None = None) -> Figure:
    """Paper B Fig 5c-d: Hessian trace and λ_max against θ_init (mean ± SD over networks; open
    circles just right of each mean: single networks), BP as a dashed line with a grey ± SD band."""
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.0))
    for ax, vals, ref, name in ((axes[0], traces, bp_trace, "Hessian trace"),
                                (axes[1], lambdas, bp_lambda, "top eigenvalue λ_max")):
        v = [np.asarray(x, dtype=float) for x in vals]
        m = np.array([x.mean() for x in v])
        s = np.array([x.std(ddof=1) if x.size > 1 else 0.0 for x in v])
        dx = 0.25 * float(np.min(np.diff(thetas))) if len(thetas) > 1 else 1.0
        for t, x in zip(thetas, v):  # beside the error bar, not under it
            ax.plot(np.full(x.size, t + dx), x, "o", mfc="none", mec="0.35", mew=0.8, ms=3.5, zorder=4)
        ax.errorbar(thetas, m, yerr=s, fmt="o-", color=rule_color("IFA 0°"), capsize=3,
                    label="IFA (θ_init)", zorder=2)
        if float(thetas[-1]) == 90.0:
            ax.plot(thetas[-1], m[-1], "o", color=rule_color("FA"), ms=7, zorder=3, label="FA (90°)")
        if ref is not None:
            r = np.asarray(ref, dtype=float)
            ax.axhline(r.mean(), color=rule_color("BP"), ls="--", lw=1, label="BP")
            if r.size > 1:
                ax.axhspan(r.mean() - r.std(ddof=1), r.mean() + r.std(ddof=1), color="0.5", alpha=0.15, lw=0)
        ax.set(xlabel="initial alignment angle θ_init (°)", ylabel=name)
        ax.set_xticks(list(thetas)[:: max(1, len(thetas) // 6)])
    axes[0].legend()
    fig.tight_layout()
    return fig
