# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Soft alignment: sweeping the initial angle θ_init
#
# *Paper B, §4.3 and Supplementary A.3.1–A.3.2; Fig 4, Figs S8–S9.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# Algorithm 1 of Paper B {cite}`cheon2025ifa` initializes W = Bᵀ cos θ_init + R sin θ_init: θ_init = 0°
# is full initial alignment (IFA), θ_init = 90° is plain feedback alignment. The paper sweeps θ_init
# from 0° to 90° and claims:
#
# 1. **Fig 4b, S8 (angle dynamics).** Strong initial alignment *relaxes* during training (the angle
#    grows), weak initial alignment *tightens* (the angle shrinks).
# 2. **Fig 4c-d, S9 (performance).** Accuracy rises with initial alignment (smaller θ_init) and
#    saturates near BP's level for strong alignment.
#
# **What we run.** The same MLP and optimizer as chapter 07 (784-512-512-10, ReLU, Adam β₁ = 0.99,
# β₂ = 0.999, lr 10⁻⁴, batch 128, 30 epochs) on Fashion-MNIST (the paper: CIFAR-10), for θ_init ∈ {0°,
# 10°, …, 90°} and BP, `n_networks` networks each (5 at the book profile). These trained networks are also the ones that
# chapters 10-12 analyse (Hessians, corruptions, attacks).

# %%
# %matplotlib inline
import numpy as np
from scipy import stats

import fa_companion
from fa_companion.ledger import claims, claims_paper_b
from fa_companion.figures import plotting
from fa_companion.training.experiments import condition_config, stored_ensemble
from fa_companion.store.results import chapter_store
from fa_companion.measure.stats import mean_sd

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
dataset: "dataset" = "fashion_mnist"
n_networks: "int[1]" = 5
epochs: "int[1]" = 30
n_train: "int[1] or None" = None  # None: the full training set
n_test: "int[1] or None" = None
thetas: "list[float[0, 180]]" = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("09_soft_alignment", globals())  # values at the profile, unless given with -p

# %% [markdown]
# ## Training
#
# One ensemble of `n_networks` networks per condition (5 at the book profile; seeds 0 … n−1, so network *i* starts from the
# same B₀ and R under every θ_init). Stored in `book/results/09_soft_alignment/`; the trained weights
# stay in the local model cache for chapters 10-12.

# %%
store = chapter_store("09_soft_alignment", profile)
seeds = range(n_networks)
common = dict(dataset=dataset, n_train=n_train, n_test=n_test, epochs=epochs)
conditions = {"BP": ("bp", None)} | {f"IFA {t}°": ("ifa", float(t)) for t in thetas}
histories = {
    label: stored_ensemble(store, condition_config(rule, theta, seeds, **common), device=device,
                           keep_model=True).arrays
    for label, (rule, theta) in conditions.items()
}
ifa_labels = [f"IFA {t}°" for t in thetas]
print(f"conditions: {list(conditions)}; networks each: {n_networks}; epochs: {epochs}; data: {dataset}")

# %% [markdown]
# ## Fig 4b and Fig S8: alignment dynamics per layer
#
# Per-neuron angle between forward and feedback weights (§B.4), mean over neurons averaged over
# networks; band: SD across neurons, drawn for the two extremes θ_init = 0° and 90° only (ten stacked
# bands would hide the lines). The lines keep their order: θ_init = 0° at the bottom (darkest) to 90°
# at the top (lightest). Layer 2 is the output layer (Paper B's "final layer"); Fig 4b shows the
# penultimate weights, Fig S8 both layers.

# %% tags=["hide-input"]
fig = plotting.fig_alignment_angles({k: histories[k] for k in ifa_labels}, layers=(1, 2),
                                    bands=(ifa_labels[0], ifa_labels[-1]), legend_outside=True)

# %%
change = {}
for label in ifa_labels:
    a = histories[label]["angle_mean"].mean(-1)  # (epochs+1, layers)
    change[label] = a[-1] - a[0]
    print(f"{label:8s} layer 1: {a[0, 1]:5.1f}° → {a[-1, 1]:5.1f}°   layer 2: {a[0, 2]:5.1f}° → {a[-1, 2]:5.1f}°")
relaxes = [t for t, lab in zip(thetas, ifa_labels) if change[lab][1:].min() > 0]
tightens = [t for t, lab in zip(thetas, ifa_labels) if change[lab][1:].max() < 0]
print(f"angle grows in both layers (relaxes) for θ_init ∈ {relaxes}; shrinks (tightens) for θ_init ∈ {tightens}")

# %% [markdown]
# The tightening is clear only in layer 2, the output layer: there the angle falls for every
# θ_init ≥ 30°, and by about 11° at 80° and 90° (to 68.4° and 78.9°). In layer 1 weak alignment
# barely moves: 80.0° → 79.2° and 90.0° → 88.1°, less than 2°, while for θ_init ≤ 70° the layer-1
# angle still grows. The angles shrink in both layers only at 80° and 90°, which is what the verdict
# below counts, but in layer 1 by less than 2°.
#
# ## Fig S9: learning curves
#
# Mean ± SD over networks for BP (dashed) and a subset of angles (all angles are in the stored
# results). The dotted grey line in each panel marks BP's final value (mean over networks), for
# reference.

# %% tags=["hide-input"]
shown = ["BP"] + [f"IFA {t}°" for t in thetas if t in (0, 30, 60, 90)]
fig = plotting.fig_learning_curves({k: histories[k] for k in shown}, linestyles={"BP": "--"})

# %% [markdown]
# ## Fig 4c-d: final accuracy against θ_init

# %%
final_test = [histories[lab]["test_acc"][-1] for lab in ifa_labels]
final_train = [histories[lab]["train_acc"][-1] for lab in ifa_labels]
fig = plotting.fig_accuracy_vs_theta(thetas, final_test, histories["BP"]["test_acc"][-1])
bp_m, bp_s = mean_sd(histories["BP"]["test_acc"][-1])
print(f"BP       test {bp_m:.2f} ± {bp_s:.2f} %")
for t, te, tr in zip(thetas, final_test, final_train):
    m, s = mean_sd(te)
    print(f"θ = {t:2d}°  test {m:.2f} ± {s:.2f} %   train {mean_sd(tr)[0]:.2f} %   gap to BP {bp_m - m:+.2f}")

# %%
theta_rep = np.repeat(thetas, [len(v) for v in final_test])
rho, p_rho = stats.spearmanr(theta_rep, np.concatenate(final_test))
means = np.array([v.mean() for v in final_test])
half = len(thetas) // 2
gain_strong = means[0] - means[half - 1]  # 0° vs the middle of the sweep
gain_weak = means[half - 1] - means[-1]  # the middle vs FA
print(f"Spearman ρ(θ_init, test accuracy) = {rho:.2f} (p = {p_rho:.1g})")
print(f"accuracy gained from {thetas[-1]}° to {thetas[half - 1]}°: {gain_weak:.2f} points; "
      f"from {thetas[half - 1]}° to {thetas[0]}°: {gain_strong:.2f} points")
print("the paper (Table S2, CIFAR-10, 10 networks): "
      + claims_paper_b.paper_table_s2_line(("BP", "FA 90°", "IFA 60°", "IFA 30°", "IFA 0°")) + " %")

# %% [markdown]
# ## Verdicts

# %%
claims.report("09_soft_alignment", profile, [
    claims.evaluate("B-fig4b-relax-tighten", thetas=thetas,
                    angle_change=np.stack([change[lab] for lab in ifa_labels])),
    claims.evaluate("B-fig4cd-accuracy-rises", thetas=thetas, final_test=final_test),
    claims.evaluate("B-fig4cd-saturates", thetas=thetas, final_test=final_test),
])

# %% [markdown]
# ## Discussion
#
# The verdicts above are computed from the stored runs. On Fashion-MNIST the whole θ_init range lies
# within 2 points of BP's test accuracy (0.3 points at 0°, 2.0 at 90°), so the effects of θ_init are
# smaller than on the harder CIFAR-10, where the paper's Table S2 (printed above) spans 6 points
# from FA to IFA 0° (47.21 to 53.04 %) with IFA 0° 0.28 points below BP; with `n_networks` networks
# per angle (5 at the book profile) the SD bars show which differences between neighbouring angles
# are resolved.
#
# **Where we differ from the paper, and why.** Fashion-MNIST instead of CIFAR-10 (no download here),
# 5 networks per angle at the book profile (the paper does not state its number for this figure; its
# main experiments use 10). Training accuracy is the running mean over each epoch's mini-batches.
