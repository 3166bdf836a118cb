"""Figures of Paper A's theory chapters (01-03): angle histograms, eigenvalue arrangements,
traces with ± SEM bands and final-alignment sweeps. Same house style as
:mod:`~fa_companion.figures.plotting`; every function takes results (plain arrays) and returns a
matplotlib Figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import band

__all__ = [
    "condition_color",
    "fig_angle_histograms",
    "fig_eigen_arrangement",
    "fig_trace_panels",
    "fig_sweep",
]


def condition_color(i: int) -> str:
    """The i-th condition's colour (tab10, like the paper's blue/orange/green/cyan cases)."""
    return plt.get_cmap("tab10")(i % 10)


def fig_angle_histograms(panels: Mapping[str, Mapping[str, np.ndarray]], *, xlabel: str,
                         bins: int | np.ndarray = 60, ncols: int = 3, reference: float | None = 90.0,
                         panel_size=(2.6, 2.0), share_x: bool = True,
                         legend: str = "upper left") -> Figure:
    """Small multiples: one panel per entry of ``panels`` (title → {label: values}), each a
    density histogram per label with its mean marked; ``reference`` draws a dotted vertical line
    (90°: no alignment). ``legend``: a matplotlib legend location inside each panel with more
    than one label, ``"outside"`` (right of each such panel) or ``"shared"`` (one legend below
    the grid, from the first such panel)."""
    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False, sharex=share_x)
    if isinstance(bins, int) and share_x:
        values = np.concatenate([np.asarray(v, float).ravel() for p in panels.values() for v in p.values()])
        values = values[np.isfinite(values)]
        bins = np.linspace(values.min(), values.max(), bins + 1)
    for k, (ax, (title, groups)) in enumerate(zip(axes.flat, panels.items())):
        for j, (label, v) in enumerate(groups.items()):
            v = np.asarray(v, float)
            v = v[np.isfinite(v)]
            color = condition_color(j if len(groups) > 1 else k)
            ax.hist(v, bins=bins, density=True, histtype="stepfilled", alpha=0.35, color=color,
                    label=label)
            ax.axvline(v.mean(), color=color, lw=1.2)
        if reference is not None:
            ax.axvline(reference, color="0.3", ls=":", lw=1)
        ax.set_title(title)
        ax.set_yticks([])
        if k % ncols == 0:
            ax.set_ylabel("density")
        if len(groups) > 1 and legend == "outside":
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        elif len(groups) > 1 and legend != "shared":
            ax.legend(loc=legend)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    fig.tight_layout()
    if legend == "shared":
        first = next((ax for ax, g in zip(axes.flat, panels.values()) if len(g) > 1), None)
        if first is not None:
            fig.legend(*first.get_legend_handles_labels(), loc="upper center",
                       bbox_to_anchor=(0.5, 0.0), ncol=3)
    return fig


def fig_eigen_arrangement(spectra: Mapping[str, Mapping[str, np.ndarray]], *,
                          ylabel: str = "eigenvalue / mean eigenvalue",
                          title: str | None = None) -> Figure:
    """Sorted eigenvalues (largest first) of each condition's transformation matrix, normalised
    by their mean: ``spectra[label] = {"mean": (n,), "lo": (n,), "hi": (n,)}`` (a band between
    ``lo`` and ``hi``). The x axis is the eigenvalue's rank divided by n so that conditions with
    different n_o share the axis."""
    fig, ax = plt.subplots(figsize=(4.6, 3.1))
    for j, (label, s) in enumerate(spectra.items()):
        m = np.asarray(s["mean"])
        x = (np.arange(len(m)) + 0.5) / len(m)
        ax.plot(x, m, color=condition_color(j), label=label, marker=".", ms=3, lw=1)
        if "lo" in s and "hi" in s:
            ax.fill_between(x, s["lo"], s["hi"], color=condition_color(j), alpha=0.15, lw=0)
    ax.axhline(1.0, color="0.3", ls=":", lw=1)
    ax.set(xlabel="rank / n (largest first)", ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_trace_panels(panels: Sequence[tuple[str, str, Mapping[str, tuple]]], *, ncols: int = 2,
                     panel_size=(3.7, 2.7), logy: Sequence[bool] | None = None,
                     logx: Sequence[bool] | None = None,
                     legend_panels: Sequence[int] | None = None,
                     legend_below: bool = False) -> Figure:
    """One panel per ``(title, ylabel, {label: (x, mean, sem)})``: mean ± SEM bands; a
    ``(x, y, None)`` entry is drawn as a dashed reference line (an asymptote). Legends on the
    panels listed in ``legend_panels`` (default: all); ``legend_below``: instead one legend
    below the grid, from the first panel's labels."""
    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False)
    for k, (ax, (title, ylabel, series)) in enumerate(zip(axes.flat, panels)):
        for j, (label, (x, mean, sem)) in enumerate(series.items()):
            if sem is None:
                ax.plot(x, mean, color=condition_color(j), ls="--", lw=1, label=label)
            else:
                band(ax, np.asarray(x), np.asarray(mean), np.asarray(sem), label=label,
                     color=condition_color(j), lw=1.1)
        if logy is not None and logy[k]:
            ax.set_yscale("log")
        if logx is not None and logx[k]:
            ax.set_xscale("log")
        ax.set(title=title, ylabel=ylabel, xlabel="iteration k")
        if not legend_below and (legend_panels is None or k in legend_panels):
            ax.legend(fontsize=7)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    if legend_below:
        fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="upper center",
                   bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7)
    return fig


def fig_sweep(panels: Sequence[tuple[str, str, str, Mapping[str, tuple]]], *,
              panel_size=(3.4, 2.7), styles: Mapping[str, dict] | None = None,
              ncols: int | None = None) -> Figure:
    """Final values against a swept parameter: one panel per ``(title, xlabel, ylabel,
    {label: (x, mean, sem)})``, lines with ± SEM error bars (Fig 4A-D). ``styles[label]``
    overrides the line style (default: colour by series, solid when the label mentions WN and
    not "no WN", dashed otherwise)."""
    ncols = ncols or len(panels)
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False)
    for ax, (title, xlabel, ylabel, series) in zip(axes.flat, panels):
        for j, (label, (x, mean, sem)) in enumerate(series.items()):
            style = {"color": condition_color(j),
                     "ls": "-" if "WN" in label and "no WN" not in label else "--"}
            style.update((styles or {}).get(label, {}))
            ax.errorbar(x, mean, yerr=sem, marker="o", ms=4, capsize=3, lw=1.2, label=label, **style)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
