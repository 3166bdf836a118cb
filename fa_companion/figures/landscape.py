"""Figures of the loss-landscape chapter (Paper B Figs 2, 5 and S10), drawn from the results of
:func:`fa_companion.measure.landscape.run_trajectory` and
:func:`~fa_companion.measure.landscape.run_spectrum`; each returns a matplotlib Figure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..measure.hessian import density_grid, spectral_density
from ..measure.landscape import condition_label
from .plotting import band, rule_color

__all__ = [
    "condition_label",
    "fig_trajectories",
    "fig_curvature_through_training",
    "fig_eigen_landscapes",
    "fig_landscape_sections",
    "fig_spectral_densities",
    "fig_curvature_vs_theta",
]


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
