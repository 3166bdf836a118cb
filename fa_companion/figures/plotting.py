"""One house style; every figure function takes results and returns a matplotlib Figure.

Conditions are passed as ``{label: history}`` where a history is the dict of arrays that
:func:`fa_companion.training.train.train` returns for one group of networks (members on the last axis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..measure.costmodel import cumulative_transport_bytes

__all__ = [
    "use_house_style",
    "rule_color",
    "band",
    "fig_alignment_angles",
    "fig_learning_curves",
    "fig_final_accuracy",
    "fig_memory_cost",
    "fig_accuracy_vs_theta",
    "fig_variance_grid",
    "fig_score_against",
]

_FIXED_COLORS = {"BP": "0.15", "FA": "#d62728", "FA 90°": "#d62728"}


def use_house_style() -> None:
    """Matplotlib settings shared by every chapter (PNG at a readable size, light grid)."""
    plt.rcParams.update({
        "figure.dpi": 96,
        "savefig.dpi": 96,
        "figure.figsize": (7.5, 3.2),
        "font.size": 9,
        "axes.titlesize": 9.5,
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "legend.frameon": False,
        "legend.fontsize": 8,
    })


def rule_color(label: str) -> str:
    """BP dark grey, FA red, IFA in blues that darken as θ_init shrinks (stronger alignment); a
    condition with weight normalization (label ending in " + WN") takes its rule's colour."""
    if label.endswith(" + WN"):
        return rule_color(label.removesuffix(" + WN"))
    if label in _FIXED_COLORS:
        return _FIXED_COLORS[label]
    if label.startswith("IFA"):
        try:
            theta = float(label.split()[1].rstrip("°"))
        except (IndexError, ValueError):
            theta = 0.0
        return plt.get_cmap("Blues")(0.95 - 0.55 * min(theta, 90.0) / 90.0)
    return "C2"


def band(ax, x: np.ndarray, center: np.ndarray, spread: np.ndarray, *, label: str, color: str,
         alpha: float = 0.2, floor: float | None = None, **line_kw) -> None:
    """A line with a shaded ± ``spread`` band.

    ``floor``: a lower limit for the band's lower edge (for a log-scaled axis, a positive value
    such as the smallest data value: a lower edge at or below 0 cannot be drawn there).
    """
    ax.plot(x, center, color=color, label=label, **line_kw)
    lower = center - spread if floor is None else np.maximum(center - spread, floor)
    ax.fill_between(x, lower, center + spread, color=color, alpha=alpha, lw=0)


def fig_alignment_angles(histories: Mapping[str, Mapping[str, np.ndarray]],
                         layers: Sequence[int] = (1, 2), *, bands: Sequence[str] | None = None,
                         legend_outside: bool = False) -> Figure:
    """Paper B Fig 1f / S1b-c: per-neuron alignment angle over training, one panel per layer.

    Line: the mean over neurons, averaged over networks; band: the SD across neurons (averaged
    over networks), as in Paper B. ``bands``: the labels that get a band (default: all; with many
    conditions, stacked bands hide the lines). ``legend_outside``: the legend right of the last
    panel instead of on it.
    """
    fig, axes = plt.subplots(1, len(layers), figsize=(3.6 * len(layers), 3.0), squeeze=False)
    for ax, l in zip(axes[0], layers):
        for label, h in histories.items():
            epochs = np.arange(h["angle_mean"].shape[0])
            mean, sd = h["angle_mean"][:, l, :].mean(-1), h["angle_sd"][:, l, :].mean(-1)
            if bands is None or label in bands:
                band(ax, epochs, mean, sd, label=label, color=rule_color(label))
            else:
                ax.plot(epochs, mean, color=rule_color(label), label=label)
        ax.set(title=f"layer {l}", xlabel="epoch", ylabel="alignment angle W∠B (°)", ylim=(-3, 100))
    if legend_outside:
        axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    else:
        axes[0][-1].legend(loc="center right")
    fig.tight_layout()
    return fig


_CURVES = (("train_acc", "training accuracy (%)"), ("train_loss", "training loss"),
           ("test_acc", "test accuracy (%)"), ("test_loss", "test loss"))


def fig_learning_curves(histories: Mapping[str, Mapping[str, np.ndarray]],
                        reference: str | None = "BP", *,
                        linestyles: Mapping[str, str] | None = None) -> Figure:
    """Paper B Fig 1g / S2: learning curves, mean ± SD over networks, with the reference
    condition's final value as a dotted grey line. ``linestyles``: a matplotlib line style per
    label (default: solid lines)."""
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 5.6), sharex=True)
    axes = axes.ravel()  # a 2 × 2 grid stays legible at page width
    for ax, (key, ylabel) in zip(axes, _CURVES):
        for label, h in histories.items():
            y = h[key][1:] if key.startswith("train") else h[key]
            x = np.arange(len(h[key]))[-len(y):]
            band(ax, x, y.mean(-1), y.std(-1, ddof=1) if y.shape[-1] > 1 else 0 * y[:, 0],
                 label=label, color=rule_color(label), ls=(linestyles or {}).get(label, "-"))
        if reference in histories:
            ax.axhline(histories[reference][key][-1].mean(), color="0.5", ls=":", lw=1)
        ax.set(xlabel="epoch" if ax in axes[2:] else "", ylabel=ylabel)
    axes[0].legend(loc="lower right")
    fig.tight_layout()
    return fig


def fig_final_accuracy(final: Mapping[str, np.ndarray], pvalues: Mapping[tuple[str, str], float],
                       ylabel: str = "final test accuracy (%)") -> Figure:
    """Paper B Fig 1h: final accuracy per network (dots), mean ± SD (bars), rank-sum p-values."""
    fig, ax = plt.subplots(figsize=(3.6, 3.2))
    labels = list(final)
    rng = np.random.default_rng(0)
    for i, label in enumerate(labels):
        v = np.asarray(final[label])
        ax.errorbar(i, v.mean(), yerr=v.std(ddof=1) if len(v) > 1 else 0, fmt="o", ms=7,
                    color=rule_color(label), capsize=4, zorder=3)
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(v)), v, s=10, color=rule_color(label),
                   alpha=0.5, zorder=2)
    top = max(float(np.max(v)) for v in final.values())
    span = top - min(float(np.min(v)) for v in final.values()) or 1.0
    for j, ((a, b), p) in enumerate(pvalues.items()):
        ia, ib = labels.index(a), labels.index(b)
        y = top + span * (0.08 + 0.12 * j)
        ax.plot([ia, ia, ib, ib], [y - span * 0.02, y, y, y - span * 0.02], color="0.3", lw=0.8)
        ax.text((ia + ib) / 2, y, f"p = {p:.2g}", ha="center", va="bottom", fontsize=7.5)
    ax.set_xticks(range(len(labels)), labels)
    ax.set(ylabel=ylabel, xlim=(-0.5, len(labels) - 0.5))
    ax.margins(y=0.2)
    fig.tight_layout()
    return fig


def fig_memory_cost(sizes: Sequence[int], iterations: int, rules=("bp", "fa", "ifa")) -> Figure:
    """Paper B Fig 1d redrawn from :mod:`fa_companion.measure.costmodel`: cumulative weight transport."""
    its = np.linspace(0, iterations, 200)
    fig, ax = plt.subplots(figsize=(3.8, 3.0))
    names = {"bp": "BP", "fa": "FA", "ifa": "IFA 0°"}
    for rule in rules:
        mb = cumulative_transport_bytes(sizes, rule, its) / 2**20
        ax.plot(its, mb, label=names[rule], color=rule_color(names[rule]),
                ls="--" if rule == "fa" else "-")
    ax.set(xlabel="training iterations", ylabel="weights moved to the backward path (MiB)",
           yscale="symlog")
    ax.legend()
    fig.tight_layout()
    return fig


def fig_accuracy_vs_theta(thetas: Sequence[float], values: Sequence[np.ndarray],
                          reference: np.ndarray | None = None, *, ylabel: str = "final test accuracy (%)",
                          reference_label: str = "BP") -> Figure:
    """Paper B Fig 4d-style: a metric against θ_init (mean ± SD over networks), with the reference
    condition (BP) as a dashed line and grey band."""
    fig, ax = plt.subplots(figsize=(3.8, 3.0))
    v = [np.asarray(x, dtype=float) for x in values]
    means = np.array([x.mean() for x in v])
    sds = np.array([x.std(ddof=1) if x.size > 1 else 0.0 for x in v])
    ax.errorbar(thetas, means, yerr=sds, fmt="o-", color=rule_color("IFA 0°"), capsize=3,
                label="IFA (θ_init), 90° = FA")
    if reference is not None:
        r = np.asarray(reference, dtype=float)
        ax.axhline(r.mean(), color=rule_color("BP"), ls="--", lw=1, label=reference_label)
        if r.size > 1:
            ax.axhspan(r.mean() - r.std(ddof=1), r.mean() + r.std(ddof=1), color="0.5", alpha=0.15, lw=0)
    ax.set(xlabel="initial alignment angle θ_init (°)", ylabel=ylabel)
    ax.set_xticks(list(thetas)[:: max(1, len(thetas) // 6)])
    ax.legend()
    fig.tight_layout()
    return fig


def fig_variance_grid(a_values: Sequence[float], b_values: Sequence[float],
                      scores: Mapping[str, np.ndarray], diverged: Mapping[str, np.ndarray],
                      landmarks: Sequence[tuple[float, float]] = (), *,
                      cbar_label: str = "max training accuracy (%)") -> Figure:
    """Paper B Fig 3a / S5: a score over the (a, b) grid of init scales, one panel per rule.

    ``scores[rule]`` has shape ``(len(a_values), len(b_values))``; diverged cells are hatched
    with an ×; landmarks are circles numbered 1, 2, … in the order given (Paper B's ①-④).
    """
    fig, axes = plt.subplots(1, len(scores), figsize=(3.9 * len(scores), 3.5), squeeze=False)
    ticks = [f"{v:.0e}" if v < 0.1 else (f"{v:.3g}") for v in a_values]
    for i, (ax, (rule, s)) in enumerate(zip(axes[0], scores.items())):
        im = ax.imshow(s.T, origin="lower", cmap="viridis", vmin=0, vmax=100, aspect="auto")
        bad = np.argwhere(diverged[rule])
        ax.scatter(bad[:, 0], bad[:, 1], marker="x", color="white", s=18, lw=1)
        for j, (la, lb) in enumerate(landmarks):
            ia, ib = int(np.argmin(np.abs(np.log(a_values) - np.log(la)))), int(
                np.argmin(np.abs(np.log(b_values) - np.log(lb))))
            ax.scatter(ia, ib, s=120, facecolors="none", edgecolors="red", lw=1.2)
            ax.text(ia, ib, str(j + 1), color="red", ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(a_values)), ticks, rotation=60)
        ax.set_yticks(range(len(b_values)), [f"{v:.0e}" if v < 0.1 else f"{v:.3g}" for v in b_values])
        ax.set(title=rule, xlabel="forward scale a (W ~ N(0, a²/fan_in))",
               ylabel="feedback scale b (B ~ N(0, b²/fan_in))" if i == 0 else "")
        ax.grid(False)
    fig.colorbar(im, ax=axes[0].tolist(), label=cbar_label, shrink=0.85)
    return fig


def fig_score_against(x: Sequence[float], values: Mapping[str, Sequence[np.ndarray]], *,
                      xlabel: str, ylabel: str, logx: bool = False) -> Figure:
    """A score against a swept setting (depth, training-set size), mean ± SD over networks per rule."""
    fig, ax = plt.subplots(figsize=(3.9, 3.0))
    for label, vals in values.items():
        m = np.array([np.nanmean(v) for v in vals])
        s = np.array([np.nanstd(v, ddof=1) if np.size(v) > 1 else 0.0 for v in vals])
        ax.errorbar(x, m, yerr=s, fmt="o-", ms=4, capsize=3, color=rule_color(label), label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, xscale="log" if logx else "linear")
    ax.legend()
    fig.tight_layout()
    return fig
