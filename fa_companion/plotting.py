"""One house style; every figure function takes results and returns a matplotlib Figure.

Conditions are passed as ``{label: history}`` where a history is the dict of arrays that
:func:`fa_companion.train.train` returns for one group of networks (members on the last axis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .costmodel import cumulative_transport_bytes

__all__ = [
    "use_house_style",
    "rule_color",
    "band",
    "fig_alignment_angles",
    "fig_learning_curves",
    "fig_final_accuracy",
    "fig_memory_cost",
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
    """BP dark grey, FA red, IFA in blues that darken as θ_init shrinks (stronger alignment)."""
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
         alpha: float = 0.2, **line_kw) -> None:
    """A line with a shaded ± ``spread`` band."""
    ax.plot(x, center, color=color, label=label, **line_kw)
    ax.fill_between(x, center - spread, center + spread, color=color, alpha=alpha, lw=0)


def fig_alignment_angles(histories: Mapping[str, Mapping[str, np.ndarray]],
                         layers: Sequence[int] = (1, 2)) -> Figure:
    """Paper B Fig 1f / S1b-c: per-neuron alignment angle over training, one panel per layer.

    Line: the mean over neurons, averaged over networks; band: the SD across neurons (averaged
    over networks), as in Paper B.
    """
    fig, axes = plt.subplots(1, len(layers), figsize=(3.6 * len(layers), 3.0), squeeze=False)
    for ax, l in zip(axes[0], layers):
        for label, h in histories.items():
            epochs = np.arange(h["angle_mean"].shape[0])
            band(ax, epochs, h["angle_mean"][:, l, :].mean(-1), h["angle_sd"][:, l, :].mean(-1),
                 label=label, color=rule_color(label))
        ax.set(title=f"layer {l}", xlabel="epoch", ylabel="alignment angle W∠B (°)", ylim=(-3, 100))
    axes[0][-1].legend(loc="center right")
    fig.tight_layout()
    return fig


_CURVES = (("train_acc", "training accuracy (%)"), ("train_loss", "training loss"),
           ("test_acc", "test accuracy (%)"), ("test_loss", "test loss"))


def fig_learning_curves(histories: Mapping[str, Mapping[str, np.ndarray]],
                        reference: str | None = "BP") -> Figure:
    """Paper B Fig 1g / S2: learning curves, mean ± SD over networks, with the reference
    condition's final value as a dotted grey line."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.9))
    for ax, (key, ylabel) in zip(axes, _CURVES):
        for label, h in histories.items():
            y = h[key][1:] if key.startswith("train") else h[key]
            x = np.arange(len(h[key]))[-len(y):]
            band(ax, x, y.mean(-1), y.std(-1, ddof=1) if y.shape[-1] > 1 else 0 * y[:, 0],
                 label=label, color=rule_color(label))
        if reference in histories:
            ax.axhline(histories[reference][key][-1].mean(), color="0.5", ls=":", lw=1)
        ax.set(xlabel="epoch", ylabel=ylabel)
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
    """Paper B Fig 1d redrawn from :mod:`fa_companion.costmodel`: cumulative weight transport."""
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
