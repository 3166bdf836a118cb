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
# # One-time initial alignment: BP vs FA vs IFA
#
# *Paper B, §3, §4.1 and Supplementary A.1.1–A.1.2; Fig 1 d, f, g, h; Figs S1–S2.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# Feedback alignment (FA) {cite}`lillicrap2016random` replaces the transpose of the forward weights
# in the backward pass by a fixed random matrix B. Paper B {cite}`cheon2025ifa` proposes
# **initial feedback alignment (IFA)**: draw B once, set the forward weights equal to it at
# initialization (W₀ = Bᵀ, θ_init = 0°, Algorithm 1), and never synchronize them again. The
# paper's claims for its three-layer MLP (784/3072-512-512-10, ReLU, softmax cross-entropy, Adam {cite}`kingma2015adam` with
# β₁ = 0.99, β₂ = 0.999, learning rate 10⁻⁴, batch 128, 30 epochs, 10 networks per rule):
#
# 1. **Fig 1d**: FA and IFA move far fewer weights to the backward pathway than BP.
# 2. **Fig 1f, S1**: BP is exactly symmetric; FA's forward weights gradually align with B; IFA starts
#    aligned and *relaxes* the alignment during training.
# 3. **Fig 1g, S2**: IFA's learning curves closely follow BP's and are much faster than FA's.
# 4. **Fig 1h**: final test accuracy IFA > FA (two-sided rank-sum, P < 10⁻³) and IFA ≈ BP (not
#    significant, P = 0.082).
#
# **What we run.** The paper trains on CIFAR-10, which cannot be downloaded on the machine that
# builds this book. The **book profile** uses the same network, optimizer, batch size, epochs and
# number of networks on **Fashion-MNIST** {cite}`xiao2017fashion` (real data, 60 000/10 000 images,
# 784 inputs). The **paper profile** (`-p profile paper -p dataset cifar10`) runs CIFAR-10 itself
# on a machine that has it. The **ci profile** is a small smoke run (a few thousand images, two
# epochs) whose numbers only check that the pipeline works.

# %%
# %matplotlib inline
import numpy as np

import fa_companion
from fa_companion.ledger import claims, claims_paper_b
from fa_companion.figures import plotting
from fa_companion.training.experiments import ensemble_config, stored_ensemble
from fa_companion.nets.models import Member
from fa_companion.store.results import chapter_store, provenance_table
from fa_companion.measure.stats import mean_sd, ranksum
from fa_companion.training.train import TrainConfig

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
dataset: "dataset" = "fashion_mnist"
n_networks: "int[1]" = 10
epochs: "int[1]" = 30
n_train: "int[1] or None" = None  # None: the full training set
n_test: "int[1] or None" = None
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("07_initial_alignment", globals())  # values at the profile, unless given with -p

# %% [markdown]
# ## Training BP, FA and IFA
#
# Network *i* of every rule uses seed *i*: the same B₀ and the same independent draw R, so BP and FA
# start from the same W₀ (θ_init = 90°) and IFA from W₀ = B₀ (θ_init = 0°), and all three see the
# same mini-batch order. Each rule is one ensemble of `n_networks` members trained in one batched
# pass (see `fa_companion.models.FeedbackMLP`). Results come from the store in
# `book/results/07_initial_alignment/`; `python -m fa_companion.book reproduce 07_initial_alignment`
# recomputes whatever is missing (resuming an interrupted run from its last epoch).

# %%
CONDITIONS = {"BP": ("bp", None), "FA": ("fa", None), "IFA 0°": ("ifa", 0.0)}
store = chapter_store("07_initial_alignment", profile)
train_cfg = TrainConfig(epochs=epochs)  # Paper B §B.3 defaults: Adam(0.99, 0.999), lr 1e-4, batch 128
results = {
    label: stored_ensemble(
        store,
        ensemble_config([Member(rule, theta, seed) for seed in range(n_networks)], dataset=dataset,
                        n_train=n_train, n_test=n_test, train=train_cfg),
        device=device,
    )
    for label, (rule, theta) in CONDITIONS.items()
}
histories = {label: r.arrays for label, r in results.items()}
sizes = (int(results["BP"].arrays["angle_mean"].shape[1]),)
print(f"dataset: {results['BP'].summary['data_source']}")
print(f"networks per rule: {n_networks}, epochs: {epochs}")

# %% tags=["nbval-ignore-output", "hide-input"]
print(provenance_table(results))

# %% [markdown]
# ## Fig 1d: the cost of weight transport
#
# The paper draws Fig 1d as a schematic comparison and gives no formula. Our cost model
# (`fa_companion.costmodel`) counts the weights moved between the forward-weight memory and the
# backward pathway: BP reads and writes every error-carrying W_l (layers 1 and 2) at **every**
# iteration; IFA copies them **once**, at initialization; FA moves none. Forward passes and weight
# updates cost the same under all three rules and are left out.

# %%
paper_sizes = (3072, 512, 512, 10)  # Paper B's CIFAR-10 network
iterations = 30 * int(np.ceil(50_000 / 128))
fig = plotting.fig_memory_cost(paper_sizes, iterations)
from fa_companion.measure.costmodel import transported_words  # noqa: E402

words = transported_words(paper_sizes)
print(f"one transport: {words:,} words ({words * 4 / 2**20:.2f} MiB); "
      f"BP over {iterations:,} iterations: {words * 4 * iterations / 2**30:.1f} GiB; IFA: once")

# %% [markdown]
# **Verdict (claim 1): true by construction.** BP's weight traffic grows linearly with training
# (here about 11 700 times IFA's one-time copy after 30 CIFAR-10 epochs); FA and IFA pay nothing
# per iteration. This is an accounting identity, not a measurement of hardware energy: the ledger
# labels it "by construction" and keeps it out of the reproduced/partly/not counts.
#
# ## Fig 1f and Fig S1: alignment between forward and backward weights
#
# Paper B's angle (§B.4) is computed per neuron: for input neuron *i* of a layer, the angle between its
# forward weights (column *i* of W) and the feedback weights that return the error to it (column *i*
# of our B, Paper B's row *i* of B_l). Line: mean over neurons, averaged over networks; band: SD
# across neurons. Layer 0 is left out, as in the paper: its feedback never acts. BP's feedback *is* W,
# so its angle is 0° by definition.

# %% tags=["hide-input"]
fig = plotting.fig_alignment_angles(histories, layers=(1, 2), legend_outside=True)
for ax in fig.axes:
    ax.set_ylim(-3, 115)  # room for the FA band (mean + SD runs past 100°)
fig.tight_layout()

# %%
angle = {label: h["angle_mean"][:, :, :].mean(-1) for label, h in histories.items()}
for label in CONDITIONS:
    a = angle[label]
    print(f"{label:7s} layer 1: {a[0, 1]:5.1f}° → {a[-1, 1]:5.1f}°   layer 2: {a[0, 2]:5.1f}° → {a[-1, 2]:5.1f}°")
fa_aligns = all(angle["FA"][-1, l] < angle["FA"][0, l] - 1.0 for l in (1, 2))
ifa_relaxes = all(angle["IFA 0°"][-1, l] > angle["IFA 0°"][0, l] + 1.0 for l in (1, 2))
ifa_stays_better = all(angle["IFA 0°"][-1, l] < angle["FA"][-1, l] for l in (1, 2))
print(f"FA aligns (angle falls by > 1°): {fa_aligns}; IFA relaxes (angle rises by > 1°): {ifa_relaxes}; "
      f"IFA still better aligned than FA at the end: {ifa_stays_better}")

# %% [markdown]
# ## Fig 1g and Fig S2: learning curves
#
# Mean ± SD over networks. Training loss and accuracy are the running means over each epoch's
# mini-batches, from epoch 1; the test curves start at initialization (epoch 0). The dotted line is
# BP's final value.

# %% tags=["hide-input"]
fig = plotting.fig_learning_curves(histories)

# %%
def epochs_to_reach(h, level):
    """First epoch at which the mean test accuracy over networks reaches ``level`` (NaN if never)."""
    hit = np.nonzero(h["test_acc"].mean(-1) >= level)[0]
    return float(hit[0]) if hit.size else float("nan")


target = 0.95 * histories["BP"]["test_acc"][-1].mean()
speed = {label: epochs_to_reach(h, target) for label, h in histories.items()}
print(f"epochs to reach 95% of BP's final test accuracy ({target:.1f}%): "
      + ", ".join(f"{k} {v:g}" for k, v in speed.items()))

# %% [markdown]
# ## Fig 1h: final test accuracy
#
# Two-sided Wilcoxon rank-sum tests over networks (exact Mann-Whitney U, as the paper's n = 10 per
# group allows).

# %%
final = {label: h["test_acc"][-1] for label, h in histories.items()}
pvalues = {("FA", "IFA 0°"): ranksum(final["FA"], final["IFA 0°"]),
           ("BP", "IFA 0°"): ranksum(final["BP"], final["IFA 0°"])}
fig = plotting.fig_final_accuracy(final, pvalues)
for label, v in final.items():
    m, s = mean_sd(v)
    print(f"{label:7s} test accuracy {m:.2f} ± {s:.2f} %  (train {mean_sd(histories[label]['train_acc'][-1])[0]:.2f} %)")
for (a, b), p in pvalues.items():
    print(f"rank-sum {a} vs {b}: p = {p:.2g}")
print("the paper (Table S2, CIFAR-10, 10 networks): "
      + claims_paper_b.paper_table_s2_line(("BP", "FA 90°", "IFA 0°"))
      + " %; Fig 1h: FA vs IFA P < 10⁻³, BP vs IFA P = 0.082")
print("diverged networks:", {label: int((h["diverged_epoch"] >= 0).sum()) for label, h in histories.items()})

# %% [markdown]
# ## An extra view: how close are the updates to BP's?
#
# Paper B reports the angle between *weights*. What matters for learning is the angle between the
# update a rule makes and the true gradient at the same state (Paper A's ΔW_FA∠ΔW_BP), measured here
# every epoch on 512 fixed training images. The last layer's update never uses feedback (0° for all
# rules), so we show layers 0 and 1.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.0))
for ax, l in zip(axes, (0, 1)):
    for label, h in histories.items():
        u = h["update_angle"][:, l, :]
        plotting.band(ax, np.arange(len(u)), u.mean(-1), u.std(-1), label=label,
                      color=plotting.rule_color(label))
    ax.set(title=f"layer {l}", xlabel="epoch", ylabel=r"update angle ΔW∠ΔW$_\mathrm{BP}$ (°)", ylim=(-3, 100))
axes[0].legend()
fig.tight_layout()
for label, h in histories.items():
    u = h["update_angle"][-1].mean(-1)
    print(f"{label:7s} final update angle: layer 0 {u[0]:5.1f}°, layer 1 {u[1]:5.1f}°")

# %% [markdown]
# ## Verdicts
#
# The table is computed from the stored results above (at the ci profile it reflects a smoke run
# and means nothing about the paper).

# %%
claims.report("07_initial_alignment", profile, [
    claims.outcome("B-fig1d-weight-transport", "reproduced",  # basis: by construction (the ledger)
                   f"cost model: BP moves {words:,} words at each of {iterations:,} iterations, IFA once, FA never"),
    claims.evaluate("B-fig1f-alignment-dynamics", fa_angle=angle["FA"], ifa_angle=angle["IFA 0°"]),
    claims.evaluate("B-fig1g-ifa-learns-like-bp", epochs_to_target=speed),
    claims.evaluate("B-fig1h-ifa-beats-fa", ifa=final["IFA 0°"], fa=final["FA"]),
    claims.evaluate("B-fig1h-ifa-matches-bp", ifa=final["IFA 0°"], bp=final["BP"]),
    claims.evaluate("B-figS2-curves-overlap", bp=histories["BP"], ifa=histories["IFA 0°"]),
])

# %% [markdown]
# ## Discussion
#
# At the book profile (Fashion-MNIST, ten networks per rule, 30 epochs) the qualitative story of
# Paper B's Fig 1 carries over: the angle dynamics have the shape the paper describes (FA aligns
# slowly from 90°, mostly in the output layer; IFA relaxes from 0° but stays far better aligned than
# FA), IFA's test curves lie on BP's (its training accuracy runs slightly below, 93.7 against
# 94.9 %), and IFA beats FA by a clear and significant margin.
#
# The claims that do **not** carry over are "IFA is not significantly different from BP" and, its
# curve-by-curve form, Fig S2's "nearly overlapping learning curves": IFA's mean training accuracy
# stays about a point below BP's, a gap larger than the networks' spread at nearly every epoch, and
# its test curve is resolved from BP's at about one epoch in six (the verdict prints both). Ten
# networks per rule resolve a gap of a few tenths of a point, and IFA's gap to BP is of that size and
# significant here (the verdict above prints it). The paper's own P = 0.082 is not far from
# significance either; "IFA ≈ BP" is best read as a statement about the size of the gap (small next
# to FA's), not as equivalence.
#
# The update angles add what the weight angles do not show: IFA's hidden-layer updates stay much
# closer to the true gradient than FA's throughout training. IFA's updates deviate most in the
# first layer, whose error passes through two feedback matrices (47° against 16° at the end); FA's
# deviate more in the second (79° against 68°).
#
# **Where we differ from the paper, and why.** Fashion-MNIST instead of CIFAR-10 (no download
# here); Fashion-MNIST is easier for MLPs, so absolute accuracies are not comparable with the
# paper's (~53% on CIFAR-10). Training accuracy is the running mean over each epoch's batches. The
# rank-sum test is the exact Mann-Whitney U (SciPy); the paper does not say which implementation it
# used.
