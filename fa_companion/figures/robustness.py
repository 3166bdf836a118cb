"""Figures of chapters 11-12 (Paper B Figs 6-7, S11-S13), in the house style of
:mod:`fa_companion.figures.plotting`: every function takes results and returns a matplotlib Figure.

Conditions are labelled as in :func:`fa_companion.measure.robustness.experiments.conditions` ("BP",
"IFA 0°", …, "IFA 90°"); accuracies are fractions with networks on the last axis and are plotted as
percentages, mean ± SD over networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..measure.robustness.corruptions import CATEGORIES
from .plotting import rule_color

__all__ = [
    "pretty",
    "fig_corruption_examples",
    "fig_corruption_accuracy",
    "fig_corruption_gap",
    "fig_mean_corruption_vs_theta",
    "fig_attack_curves",
    "fig_attack_vs_theta",
    "fig_gradient_paths",
    "STRONG_STYLES",
    "fig_strong_curves",
    "fig_strongest",
]

_SHORT = {"gaussian_noise": "Gaussian", "shot_noise": "shot", "impulse_noise": "impulse",
          "defocus_blur": "defocus", "glass_blur": "glass", "motion_blur": "motion",
          "zoom_blur": "zoom", "snow": "snow", "frost": "frost", "fog": "fog",
          "brightness": "bright", "contrast": "contrast", "elastic_transform": "elastic",
          "pixelate": "pixelate", "jpeg_compression": "JPEG"}
_PATH_TITLES = {"true": r"true gradient ($W^\top$)", "feedback": "own feedback (B)",
                "transfer": "transfer from BP (other seed)", "noise": "random ±ε signs"}


_THETA_MARKERS = {0.0: "s", 30.0: "^", 60.0: "D", 90.0: "v"}


def _marker(label: str) -> str:
    """A marker per condition (BP a circle, IFA one shape per θ_init), so that conditions whose
    blues are close stay apart."""
    theta = _theta_of(label)
    return "o" if theta is None else _THETA_MARKERS.get(theta, "P")


def pretty(name: str) -> str:
    """A short display name of a corruption."""
    return _SHORT.get(name, name)


def _theta_of(label: str) -> float | None:
    return float(label.split()[1].rstrip("°")) if label.startswith("IFA") else None


def _mean_sd(a: np.ndarray, axis: int = -1):
    a = 100 * np.asarray(a, dtype=float)
    sd = a.std(axis=axis, ddof=1) if a.shape[axis] > 1 else np.zeros(np.delete(a.shape, axis))
    return a.mean(axis=axis), sd


def fig_corruption_examples(clean: np.ndarray, examples: np.ndarray, names: Sequence[str],
                            severities: Sequence[int]) -> Figure:
    """Paper B Fig 6a / S11a: one test image, clean and under every corruption (columns) at every
    severity (rows). ``clean`` (H, W) uint8; ``examples`` (n_corruptions, S, H, W) uint8."""
    n, s = len(names), len(severities)
    fig, axes = plt.subplots(s + 1, n, figsize=(0.78 * n, 0.82 * (s + 1)), squeeze=False)
    for j, name in enumerate(names):
        for i in range(s + 1):
            ax = axes[i, j]
            img = clean if i == 0 else examples[j, i - 1]
            ax.imshow(img, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            ax.grid(False)
            if i == 0:
                ax.set_title(pretty(name), fontsize=7.5)
            if j == 0:
                ax.set_ylabel("clean" if i == 0 else f"sev. {severities[i - 1]}", fontsize=7.5)
    fig.subplots_adjust(wspace=0.05, hspace=0.08, left=0.04, right=0.995, top=0.93, bottom=0.01)
    return fig


def _shade_categories(ax) -> None:
    """Grey bands behind every other corruption group (noise, blur, weather, digital)."""
    start = 0
    for k, members in enumerate(CATEGORIES.values()):
        stop = start + len(members)
        if k % 2:
            ax.axvspan(start - 0.5, stop - 0.5, color="0.5", alpha=0.08, lw=0)
        start = stop


def _finish_corruption_panels(fig: Figure, axes, names: Sequence[str], n_labels: int,
                              panel_height: float) -> None:
    """Corruption names under the bottom panel and one legend (from the top panel) above all."""
    axes[-1, 0].set_xticks(np.arange(len(names)), [pretty(n) for n in names], rotation=45, ha="right")
    handles, texts = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, texts, ncol=n_labels, loc="upper center", fontsize=9, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / (panel_height * len(axes))))


def fig_corruption_accuracy(acc: np.ndarray, clean: np.ndarray, names: Sequence[str],
                            labels: Sequence[str], severities: Sequence[int]) -> Figure:
    """Paper B Fig 6b / S11b-e (left): accuracy per corruption (markers, solid) and clean accuracy
    (dotted), one panel per severity. ``acc`` (S, n_corruptions, C, K); ``clean`` (C, K)."""
    s = len(severities)
    fig, axes = plt.subplots(s, 1, figsize=(8.6, 2.5 * s), squeeze=False, sharex=True)
    xpos = np.arange(len(names))
    for i, sev in enumerate(severities):
        ax = axes[i, 0]
        for c, label in enumerate(labels):
            color = rule_color(label)
            m, sd = _mean_sd(acc[i, :, c])
            ax.errorbar(xpos, m, yerr=sd, color=color, marker=_marker(label), ms=3.5, lw=1.1,
                        capsize=2, label=label)
            ax.axhline(100 * clean[c].mean(), color=color, ls=":", lw=1)
        ax.set(ylabel="accuracy (%)", title=f"severity {sev}")
        _shade_categories(ax)
    _finish_corruption_panels(fig, axes, names, len(labels), panel_height=2.5)
    return fig


def fig_corruption_gap(acc: np.ndarray, names: Sequence[str], labels: Sequence[str],
                       severities: Sequence[int], reference: str = "BP") -> Figure:
    """Each condition's accuracy minus the reference condition's (BP) per corruption, in
    percentage points (means over networks), one panel per severity: the one- to two-point
    differences that a full accuracy axis hides. ``acc`` (S, n_corruptions, C, K)."""
    s = len(severities)
    ref = list(labels).index(reference)
    fig, axes = plt.subplots(s, 1, figsize=(8.6, 1.75 * s), squeeze=False, sharex=True,
                             sharey=True)
    xpos = np.arange(len(names))
    for i, sev in enumerate(severities):
        ax = axes[i, 0]
        m_ref, _ = _mean_sd(acc[i, :, ref])
        for c, label in enumerate(labels):
            if c == ref:
                continue
            m, _ = _mean_sd(acc[i, :, c])
            ax.plot(xpos, m - m_ref, color=rule_color(label), marker=_marker(label), ms=4, lw=1.1,
                    label=label)
        ax.axhline(0, color=rule_color(reference), ls="--", lw=1, label=reference)
        ax.set_ylabel(f"accuracy − {reference}\n(points)")
        ax.set_title(f"severity {sev}", fontsize=9)
        _shade_categories(ax)
    _finish_corruption_panels(fig, axes, names, len(labels), panel_height=1.75)
    return fig


def fig_mean_corruption_vs_theta(mca: np.ndarray, clean: np.ndarray, labels: Sequence[str],
                                 severities: Sequence[int]) -> Figure:
    """Paper B Fig 6c / S11 (right): mean corruption accuracy against θ_init, IFA (markers, 90° =
    FA) and BP (dashed line, grey band ± SD), one panel per severity, after a first panel with the
    same networks' clean accuracy (its own axis, so that each panel's y-range shows its own
    differences, about a point, rather than the 25-point drop from clean). ``mca`` (S, C, K);
    ``clean`` (C, K)."""
    panels = [("clean", "clean test set", clean)] + [
        (sev, f"severity {sev}", mca[i]) for i, sev in enumerate(severities)]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.35 * len(panels), 2.8), squeeze=False)
    ifa = [c for c, label in enumerate(labels) if _theta_of(label) is not None]
    thetas = [_theta_of(labels[c]) for c in ifa]
    bp = [c for c, label in enumerate(labels) if label == "BP"]
    for ax, (key, title, acc) in zip(axes[0], panels):
        m, sd = _mean_sd(acc[ifa])
        color = "0.45" if key == "clean" else rule_color("IFA 0°")
        ax.errorbar(thetas, m, yerr=sd, fmt="o-", color=color, capsize=3, label="IFA (θ_init)")
        if bp:
            bm, bsd = _mean_sd(acc[bp[0]][None])
            ax.axhline(bm[0], color=rule_color("BP"), ls="--", lw=1, label="BP")
            ax.axhspan(bm[0] - bsd[0], bm[0] + bsd[0], color="0.5", alpha=0.15, lw=0)
        ax.set(title=title, xlabel="θ_init (°)", xticks=thetas)
    axes[0, 0].set_ylabel("accuracy (%)")
    axes[0, 1].set_ylabel("mean corruption accuracy (%)")
    axes[0, 1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_attack_curves(acc: np.ndarray, transfer: np.ndarray, eps: Sequence[float],
                      labels: Sequence[str], methods: Sequence[str],
                      paths: Sequence[str]) -> Figure:
    """Paper B Fig 7b / S12a / S13a: accuracy against ε, one row per attack, one column per gradient
    path plus the transfer attack from BP. ``acc`` (A, P, E, C, K); ``transfer`` (A, E, C, K)."""
    cols = list(paths) + ["transfer"]
    fig, axes = plt.subplots(len(methods), len(cols), figsize=(3.0 * len(cols), 2.5 * len(methods)),
                             squeeze=False, sharex=True, sharey=True)
    for a, method in enumerate(methods):
        for j, col in enumerate(cols):
            ax = axes[a, j]
            data = acc[a, j] if col != "transfer" else transfer[a]
            for c, label in enumerate(labels):
                m, sd = _mean_sd(data[:, c])
                ax.plot(eps, m, "-", marker=_marker(label), ms=3.5, color=rule_color(label),
                        label=label, lw=1.1)
                ax.fill_between(eps, m - sd, m + sd, color=rule_color(label), alpha=0.15, lw=0)
            ax.axvline(0.03, color="0.6", ls=":", lw=0.8)
            if a == 0:
                ax.set_title(_PATH_TITLES.get(col, col))
            if j == 0:
                ax.set_ylabel(f"{method.upper()}\naccuracy (%)")
            if a == len(methods) - 1:
                ax.set_xlabel("ε (L∞)")
    axes[0, -1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_attack_vs_theta(acc_eps: np.ndarray, transfer_eps: np.ndarray, labels: Sequence[str],
                        methods: Sequence[str], paths: Sequence[str], eps: float,
                        noise_eps: np.ndarray | None = None) -> Figure:
    """Paper B Fig 7c / S12b / S13b: accuracy under attack at one ε against θ_init, one panel per
    attack; lines per gradient path and the transfer attack; BP white-box dashed (band ± SD) and BP
    under the transfer attack dotted. ``acc_eps`` (A, P, C, K), ``transfer_eps`` (A, C, K);
    ``noise_eps`` (C, K), random ±ε signs, is drawn in grey in the FGSM panel."""
    ifa = [c for c, label in enumerate(labels) if _theta_of(label) is not None]
    thetas = [_theta_of(labels[c]) for c in ifa]
    bp = labels.index("BP") if "BP" in labels else None
    styles = {"true": ("o-", "C0"), "feedback": ("s--", "C3"), "transfer": ("^:", "C2"),
              "noise": ("x-.", "0.55")}
    fig, axes = plt.subplots(1, len(methods), figsize=(3.1 * len(methods), 3.4), squeeze=False,
                             sharey=True)
    for a, method in enumerate(methods):
        ax = axes[0, a]
        series = [(p, acc_eps[a, i]) for i, p in enumerate(paths)] + [("transfer", transfer_eps[a])]
        if noise_eps is not None and method == "fgsm":
            series.append(("noise", noise_eps))
        for name, data in series:
            fmt, color = styles.get(name, ("o-", "C4"))
            m, sd = _mean_sd(data[ifa])
            ax.errorbar(thetas, m, yerr=sd, fmt=fmt, color=color, capsize=3, ms=4,
                        label=f"IFA, {_PATH_TITLES.get(name, name)}")
        if bp is not None:
            bm, bsd = _mean_sd(acc_eps[a, 0, bp][None])
            ax.axhline(bm[0], color=rule_color("BP"), ls="--", lw=1, label="BP (white-box)")
            ax.axhspan(bm[0] - bsd[0], bm[0] + bsd[0], color="0.5", alpha=0.15, lw=0)
            tm, _ = _mean_sd(transfer_eps[a, bp][None])
            ax.axhline(tm[0], color=styles["transfer"][1], ls=":", lw=1.2, label="BP (transfer)")
        ax.set(title=f"{method.upper()}, ε = {eps:g}", xlabel="θ_init (°)", xticks=thetas)
        if a == 0:
            ax.set_ylabel("accuracy under attack (%)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def fig_gradient_paths(cosine: np.ndarray, sign: np.ndarray, angle0: np.ndarray,
                       labels: Sequence[str]) -> Figure:
    """Gradient-path analysis: cosine and sign agreement between the feedback-path and the true
    input gradient, and the layer-0 angle W₀∠B₀ after training, against θ_init (BP as reference).
    Arrays (C, K)."""
    ifa = [c for c, label in enumerate(labels) if _theta_of(label) is not None]
    thetas = [_theta_of(labels[c]) for c in ifa]
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.8))
    panels = ((cosine, "cosine(∇ₓ feedback, ∇ₓ true)"),
              (sign, "sign agreement (fraction of pixels)"),
              (angle0, "layer-0 angle W₀∠B₀ after training (°)"))
    for ax, (data, ylabel) in zip(axes, panels):
        d = np.asarray(data, dtype=float)[ifa]
        sd = d.std(-1, ddof=1) if d.shape[-1] > 1 else np.zeros(len(d))
        ax.errorbar(thetas, d.mean(-1), yerr=sd, fmt="o-", color=rule_color("IFA 0°"), capsize=3)
        ax.set(xlabel="θ_init (°)", ylabel=ylabel, xticks=thetas)
    axes[1].axhline(0.5, color="0.6", ls=":", lw=0.8)
    axes[0].axhline(0.0, color="0.6", ls=":", lw=0.8)
    axes[2].plot(thetas, thetas, color="0.6", ls=":", lw=0.8, label="θ_init")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    return fig


STRONG_STYLES = {
    "noise": ("random ±ε signs", "0.6", ":"),
    "fgsm": ("FGSM", "C1", "-"),
    "bim": ("BIM", "C8", "-"),
    "pgd": ("PGD", "C9", "-"),
    "pgd_restarts": ("PGD, restarts", "C0", "-"),
    "apgd_ce": ("APGD-CE", "C2", "-"),
    "apgd_dlr": ("APGD-DLR", "C6", "-"),
    "square": ("Square (gradient-free)", "C4", "-"),
    "transfer": ("transfer from BP (best of 3)", "C5", "-."),
}
"""Label, colour and line style of every attack of the strong-attack figures."""


def _eps_axis(ax, eps: Sequence[float]) -> None:
    """ε on a scale linear below 0.01 and logarithmic above, from 0 to the largest ε."""
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(0, max(eps))
    ax.set_xticks([e for e in eps if e in (0, 0.01, 0.03, 0.1)] or list(eps))
    ax.xaxis.set_major_formatter(plt.FormatStrFormatter("%g"))


def _lowest(acc: dict, keys: Sequence[str]) -> np.ndarray:
    return np.min(np.stack([acc[k] for k in keys]), axis=0)


def fig_strong_curves(acc: dict, strongest: np.ndarray, eps: Sequence[float],
                      labels: Sequence[str]) -> Figure:
    """Accuracy against ε under every attack, one panel per condition: gradient attacks along the
    true gradient (solid) and the network's own feedback path (dashed, the lowest of the gradient
    attacks there), Square, the transfer attack, random signs, and the strongest attack per network
    (black, thick). ``acc[key]`` (E, C, K) from
    :func:`fa_companion.measure.robustness.experiments.strongest_arrays`; ``strongest`` (E, C, K)."""
    fig, axes = plt.subplots(1, len(labels), figsize=(2.7 * len(labels), 3.3), sharey=True,
                             squeeze=False)
    grad = [m for m in ("fgsm", "bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr") if f"{m}/true" in acc]
    for c, label in enumerate(labels):
        ax = axes[0, c]
        for m in grad:
            name, color, ls = STRONG_STYLES[m]
            ax.plot(eps, _mean_sd(acc[f"{m}/true"][:, c])[0], ls, color=color, lw=1, label=f"{name} (true)")
        fb = [f"{m}/feedback" for m in grad if f"{m}/feedback" in acc]
        if fb:
            ax.plot(eps, _mean_sd(_lowest(acc, fb)[:, c])[0], "--", color="C3", lw=1.4,
                    label="best gradient attack, own feedback (B)")
        for key in ("square", "noise"):
            if key in acc:
                name, color, ls = STRONG_STYLES[key]
                ax.plot(eps, _mean_sd(acc[key][:, c])[0], ls, color=color, lw=1.4, label=name)
        tr = [k for k in acc if k.startswith("transfer/")]
        if tr:
            name, color, ls = STRONG_STYLES["transfer"]
            ax.plot(eps, _mean_sd(_lowest(acc, tr)[:, c])[0], ls, color=color, lw=1.2, label=name)
        m, sd = _mean_sd(strongest[:, c])
        ax.plot(eps, m, "-", color="k", lw=2.2, label="strongest (minimum per network)")
        ax.fill_between(eps, m - sd, m + sd, color="k", alpha=0.12, lw=0)
        ax.axvline(0.03, color="0.6", ls=":", lw=0.8)
        ax.set(title=label, xlabel="ε (L∞)")
        _eps_axis(ax, eps)
    axes[0, 0].set_ylabel("accuracy under attack (%)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=4, fontsize=7.5, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    return fig


def fig_strongest(acc: dict, strongest: np.ndarray, eps: Sequence[float], labels: Sequence[str],
                  eps_theta: float) -> Figure:
    """Left: each condition's accuracy under its strongest attack against ε (mean ± SD over
    networks). Right: at ``eps_theta`` against θ_init, the strongest attack beside the best
    gradient attack along each path and Square; BP's strongest as the dashed line (Fig 7c's
    question asked of the strongest attack)."""
    ie = list(eps).index(eps_theta)
    ifa = [c for c, label in enumerate(labels) if _theta_of(label) is not None]
    thetas = [_theta_of(labels[c]) for c in ifa]
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(9.2, 3.5))
    for c, label in enumerate(labels):
        m, sd = _mean_sd(strongest[:, c])
        a0.plot(eps, m, "-", marker=_marker(label), ms=3.5, color=rule_color(label), label=label, lw=1.1)
        a0.fill_between(eps, m - sd, m + sd, color=rule_color(label), alpha=0.15, lw=0)
    a0.axvline(eps_theta, color="0.6", ls=":", lw=0.8)
    a0.set(xlabel="ε (L∞)", ylabel="accuracy under the strongest attack (%)")
    _eps_axis(a0, eps)
    a0.legend(fontsize=8)
    grad = ("fgsm", "bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr")
    series = [("strongest", strongest, ("o-", "k"))]  # drawn first and thick: others may cover it
    for path, style in (("true", ("o-", "C0")), ("feedback", ("s--", "C3"))):
        keys = [f"{m}/{path}" for m in grad if f"{m}/{path}" in acc]
        if keys:
            series.append((f"best gradient attack, {_PATH_TITLES[path]}", _lowest(acc, keys), style))
    if "square" in acc:
        series.append(("Square (gradient-free)", acc["square"], ("D-.", "C4")))
    for name, data, (fmt, color) in series:
        m, sd = _mean_sd(data[ie, ifa])
        thick = name == "strongest"
        a1.errorbar(thetas, m, yerr=sd, fmt=fmt, color=color, capsize=3, ms=6 if thick else 4,
                    lw=3 if thick else 1.2, label=f"IFA, {name}")
    if "BP" in labels:
        bm, bsd = _mean_sd(strongest[ie, labels.index("BP")][None])
        a1.axhline(bm[0], color=rule_color("BP"), ls="--", lw=1, label="BP, strongest")
        a1.axhspan(bm[0] - bsd[0], bm[0] + bsd[0], color="0.5", alpha=0.15, lw=0)
    a1.set(xlabel="θ_init (°)", ylabel="accuracy under attack (%)", xticks=thetas,
           title=f"ε = {eps_theta:g}")
    a1.legend(fontsize=7)
    fig.tight_layout()
    return fig
