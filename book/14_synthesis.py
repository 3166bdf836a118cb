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
# # What neither paper did, measured
#
# *Beyond both papers: Paper A's weight normalization and alignment theory meet Paper B's initial
# alignment.*
#
# The two papers study the same learning rule, feedback alignment (FA), from two ends. Paper A
# {cite}`rahmansetayesh_fa_wn` explains *why* FA's forward weights W drift into alignment with the
# fixed feedback B (the alignment terms T_aln and T_sup, eqs 20-23), shows that in a deep tanh∘ReLU
# network the FA update is further from BP's in earlier layers (Fig 6D), and proposes neuron-wise
# weight normalization (WN) as a remedy. Paper B {cite}`cheon2025ifa` skips the slow drift: it sets
# W = Bᵀ once at initialization (IFA, θ_init = 0°; Algorithm 1) and lets the alignment *relax*
# during training. Neither paper combines the two. This chapter asks three questions that the
# package can answer with the code the other chapters already test:
#
# - **(a) WN × IFA.** Does Paper A's neuron-wise WN help or hurt IFA on Paper B's MLP?
# - **(b) IFA in Paper A's deep network.** Does initial alignment remove the decline of
#   ΔW_ℓ,FA∠ΔW_ℓ,BP toward early layers?
# - **(c) Paper A's terms under IFA.** Which part of the updates drives the relaxation of the
#   initial alignment, the angle W∠B growing from 0°?
#
# Each section states the question, shows the measurement and phrases its finding from the printed
# numbers; where a sentence depends on the numbers, its verdict is computed in the code cell above
# it. **Scale.** At the **book profile**, (a) trains Paper B's MLP on the full Fashion-MNIST
# {cite}`xiao2017fashion` training set (60 000 images; test on its 10 000) for `mlp_epochs` = 5
# epochs (2 345 Adam steps per network; Paper B trains 30 epochs on CIFAR-10), `n_networks` = 8
# networks per condition; (b) and (c) train Paper A's five-layer network on Fashion-MNIST resized to
# 15×15 (60 mini-batches of 1000, η = 5e-4) for `deep_epochs` = 50 epochs (3 000 iterations; the
# paper's Fig 6: 100 epochs of MNIST), `deep_reps` = 5 networks per condition, the setting of
# chapter 05's book profile. The **ci profile** runs the same code on small subsets for a few
# epochs; its numbers check the pipeline and say nothing about the questions.

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np

import fa_companion
from fa_companion.figures import plotting
from fa_companion.nets.deep import DeepConfig, DeepMember, moving_average
from fa_companion.training.experiments import ensemble_config, stored_ensemble
from fa_companion.nets.models import Member
from fa_companion.store.results import chapter_store, provenance_table
from fa_companion.measure.stats import mean_sd
from fa_companion.theory.synthesis import (
    RELAXATION_PARTS,
    decline_verdict,
    describe_difference,
    group_comparison,
    layer_decline,
    relaxation_config,
    run_relaxation,
)
from fa_companion.training.train import TrainConfig

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
# (a) WN × IFA on Paper B's MLP (784-512-512-10, ReLU, Adam of Paper B §B.3)
dataset: "dataset" = "fashion_mnist"
n_networks: "int[1]" = 8  # networks per condition (Paper B: 10)
mlp_epochs: "int[1]" = 5  # (Paper B: 30)
mlp_n_train: "int[1] or None" = None  # None: the full training set
mlp_n_test: "int[1] or None" = None
wn_gamma: "positive" = 1.4142135623730951  # γ = √2: the expected row norm of a He-initialized layer
# (b), (c) IFA in Paper A's deep network (225-50-50-50-50-50, tanh∘ReLU, SGD on ½ΣE²)
deep_dataset: "dataset" = "fashion_mnist"
deep_reps: "int[1]" = 5  # networks per condition (Paper A: 10)
deep_epochs: "int[1]" = 50  # (Paper A Fig 6: 100)
deep_n_train: "int[1] or None" = None
deep_n_test: "int[1] or None" = None
deep_lr: "positive" = 5e-4
deep_thetas: "list[float[0, 180]]" = [45.0, 0.0]  # IFA initial angles next to FA (90°)
record_every: "int[1]" = 10  # iterations between recorded angles after the first 300
relaxation_every: "int[1]" = 20  # iterations between records of the relaxation decomposition
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("14_synthesis", globals())  # values at the profile, unless given with -p

# %% [markdown]
# ## (a) Does weight normalization help or hurt IFA?
#
# **What we ask.** Paper A's WN keeps every neuron's incoming weight vector on a sphere of radius γ
# (eq. 32) and improves FA in its SGD-trained network (chapter 05). Paper B's IFA already starts
# aligned. Does WN add anything to IFA, or does it get in the way, when both are trained with Paper
# B's optimizer?
#
# **How.** `TrainConfig(weight_norm=γ)` projects each row of every W (one neuron's incoming
# weights) onto the sphere of radius γ before training and in place after every Adam step
# (`fa_companion.train`; biases and B untouched). We take γ = √2, the expected row norm of Paper B's
# He initialization (W ~ N(0, 2/fan_in)), so the projection only removes the *growth* of the
# norms, not their initial scale. Six conditions, each an ensemble of `n_networks` networks with
# seeds 0 … n−1 (network *i* starts from the same B₀ and R in every condition): BP, FA, IFA 0°, each
# without and with WN. WN rescales W's rows but not B, so IFA 0° + WN starts from W₀ = D B with D
# diagonal: a small initial angle (printed below), not exactly 0°.

# %%
store = chapter_store("14_synthesis", profile)
MLP_CONDITIONS = {"BP": ("bp", None), "FA": ("fa", None), "IFA 0°": ("ifa", 0.0)}
WN_LABELS = {rule: f"{rule} + WN" for rule in MLP_CONDITIONS}


def mlp_config(rule, theta, gamma):
    members = [Member(rule, theta, seed) for seed in range(n_networks)]
    return ensemble_config(members, dataset=dataset, n_train=mlp_n_train, n_test=mlp_n_test,
                           train=TrainConfig(epochs=mlp_epochs, weight_norm=gamma))


mlp = {}
for label, (rule, theta) in MLP_CONDITIONS.items():
    mlp[label] = stored_ensemble(store, mlp_config(rule, theta, None), device=device, name="mlp")
    mlp[WN_LABELS[label]] = stored_ensemble(store, mlp_config(rule, theta, wn_gamma), device=device,
                                            name="mlp")
hist = {label: r.arrays for label, r in mlp.items()}
print(f"data: {mlp['BP'].summary['data_source']}; {n_networks} networks per condition, "
      f"{mlp_epochs} epochs, WN γ = {wn_gamma:.4g}")

# %% tags=["nbval-ignore-output", "hide-input"]
print(provenance_table(mlp))

# %% [markdown]
# Left: test accuracy through training (mean ± SD over networks; solid without WN, dashed with
# it). Middle: Paper B's per-neuron alignment angle between W and B (§B.4, mean over the neurons of
# the layer, averaged over networks) for the two layers whose feedback carries an error. Right: the
# angle between each rule's update and the BP gradient at the same state, for the first layer
# (Paper A's ΔW_FA∠ΔW_BP, measured every epoch on 512 fixed training images). BP's angles are 0° by
# definition and are left out of the angle panels.

# %% tags=["hide-input"]
def curve(ax, key, label, layer=None, **kw):
    y = hist[label][key] if layer is None else hist[label][key][:, layer, :]
    ls = "--" if label.endswith("+ WN") else "-"
    plotting.band(ax, np.arange(len(y)), y.mean(-1), y.std(-1, ddof=1) if y.shape[-1] > 1 else 0 * y[:, 0],
                  label=label, color=plotting.rule_color(label), ls=ls, **kw)


fig, axes = plt.subplots(2, 2, figsize=(9.5, 6.2))
axes = axes.ravel()  # 2 × 2: legible at page width
for label in hist:
    curve(axes[0], "test_acc", label)
    if not label.startswith("BP"):
        curve(axes[1], "angle_mean", label, 1)
        curve(axes[2], "angle_mean", label, 2)
        curve(axes[3], "update_angle", label, 0)
axes[0].set(xlabel="epoch", ylabel="test accuracy (%)", title="learning curves")
axes[1].set(xlabel="epoch", ylabel="per-neuron angle W∠B (°)", title="layer 1", ylim=(-3, 100))
axes[2].set(xlabel="epoch", ylabel="per-neuron angle W∠B (°)", title="layer 2", ylim=(-3, 100))
axes[3].set(xlabel="epoch", ylabel=r"update angle $\Delta W\angle\Delta W_\mathrm{BP}$ (°)", title="layer 0",
            ylim=(-3, 100))
axes[0].legend(loc="lower right", ncol=2)
fig.tight_layout()

# %% [markdown]
# Final test accuracy per network (dots), mean ± SD (bars), and the two-sided rank-sum p of each
# rule with and without WN:

# %% tags=["hide-input"]
final = {label: h["test_acc"][-1] for label, h in hist.items()}
wn_effect = {rule: group_comparison(final[rule], final[WN_LABELS[rule]]) for rule in MLP_CONDITIONS}
order = [lab for rule in MLP_CONDITIONS for lab in (rule, WN_LABELS[rule])]
fig = plotting.fig_final_accuracy({lab: final[lab] for lab in order},
                                  {(rule, WN_LABELS[rule]): c["p"] for rule, c in wn_effect.items()})
fig.set_size_inches(6.4, 3.4)
fig.axes[0].tick_params(axis="x", labelsize=7.5)
fig.tight_layout()

for lab in order:
    m, s = mean_sd(final[lab])
    tm, _ = mean_sd(hist[lab]["train_acc"][-1])
    print(f"{lab:12s} test accuracy {m:6.2f} ± {s:4.2f} %   (train {tm:6.2f} %)")
print("diverged networks:", {lab: int((h["diverged_epoch"] >= 0).sum()) for lab, h in hist.items()})
for rule, c in wn_effect.items():
    print(f"WN on {rule:6s}: {c['mean_a']:6.2f} → {c['mean_b']:6.2f} %, difference {c['diff']:+.2f} points, "
          f"rank-sum p = {c['p']:.2g}")
gap = {"without WN": group_comparison(final["FA"], final["IFA 0°"]),
       "with WN": group_comparison(final["FA + WN"], final["IFA 0° + WN"])}
gap_bp = {"without WN": group_comparison(final["BP"], final["IFA 0°"]),
          "with WN": group_comparison(final["BP + WN"], final["IFA 0° + WN"])}
for name in gap:
    print(f"{name:10s}: IFA 0° − FA = {gap[name]['diff']:+.2f} points (p = {gap[name]['p']:.2g}); "
          f"IFA 0° − BP = {gap_bp[name]['diff']:+.2f} points (p = {gap_bp[name]['p']:.2g})")

# %% tags=["hide-input"]
def late_angle(label, key, layers):
    """(networks,): each network's angle at the last epoch, averaged over ``layers``."""
    return hist[label][key][-1][list(layers)].mean(0)


ANGLES = {"per-neuron W∠B, layers 1-2": ("angle_mean", (1, 2)),
          "update angle, layers 0-1": ("update_angle", (0, 1))}
angle_effect, angle_growth, angle_start = {}, {}, {}
for name, (key, layers) in ANGLES.items():
    for rule in ("FA", "IFA 0°"):
        start = hist[rule][key][0][list(layers)].mean(0)  # (networks,)
        start_wn = hist[WN_LABELS[rule]][key][0][list(layers)].mean(0)
        end, end_wn = late_angle(rule, key, layers), late_angle(WN_LABELS[rule], key, layers)
        c = group_comparison(end, end_wn)
        g = group_comparison(end - start, end_wn - start_wn)  # growth from start to end
        angle_effect[(name, rule)], angle_growth[(name, rule)] = c, g
        angle_start[(name, rule)] = (start.mean(), start_wn.mean())
        print(f"{name:27s} {rule:6s}: start {start.mean():5.1f}° / {start_wn.mean():5.1f}° (WN) → end "
              f"{c['mean_a']:5.1f}° without WN, {c['mean_b']:5.1f}° with WN (difference {c['diff']:+.1f}°, "
              f"p = {c['p']:.2g}); growth {g['mean_a']:+5.1f}° / {g['mean_b']:+5.1f}° (WN) "
              f"(difference {g['diff']:+.1f}°, p = {g['p']:.2g})")

# %% [markdown]
# **Finding (a).** The sentences below are computed from the numbers above.

# %% tags=["hide-input"]
ifa_wn = wn_effect["IFA 0°"]
gap_change = gap["with WN"]["diff"] - gap["without WN"]["diff"]
print(f"On Paper B's MLP after {mlp_epochs} epochs, WN (γ = {wn_gamma:.3g}) "
      + describe_difference(ifa_wn["diff"], ifa_wn["p"], what="IFA 0°'s test accuracy", unit=" points")
      + f"; for FA it {describe_difference(wn_effect['FA']['diff'], wn_effect['FA']['p'], what='the test accuracy', unit=' points')}"
      + f", for BP it {describe_difference(wn_effect['BP']['diff'], wn_effect['BP']['p'], what='the test accuracy', unit=' points')}.")
noise_only = wn_effect["FA"]["p"] >= 0.05 and ifa_wn["p"] >= 0.05
print(f"IFA's lead over FA is {gap['without WN']['diff']:+.2f} points without WN and {gap['with WN']['diff']:+.2f} "
      f"with it: WN {'narrows' if gap_change < 0 else 'widens'} it by {abs(gap_change):.2f} points"
      + (f", within noise (WN's effect on the accuracy is not significant for FA, p = {wn_effect['FA']['p']:.2g}, "
         f"nor for IFA 0°, p = {ifa_wn['p']:.2g})." if noise_only else "."))
for name, what in (("per-neuron W∠B, layers 1-2", "W∠B angle"), ("update angle, layers 0-1", "update angle")):
    c, g = angle_effect[(name, "IFA 0°")], angle_growth[(name, "IFA 0°")]
    s0, s_wn = angle_start[(name, "IFA 0°")]
    print(f"For IFA 0°, WN starts the {what} at {s_wn:.1f}° instead of {s0:.1f}° and "
          + describe_difference(c["diff"], c["p"], what="its final value", unit="°", up="raises", down="lowers")
          + f"; measured from its start the angle grows by {g['mean_a']:.1f}° without WN and {g['mean_b']:.1f}° "
          f"with it: WN " + describe_difference(g["diff"], g["p"], what="its growth", unit="°", up="increases",
                                                down="reduces") + ".")

# %% [markdown]
# ## (b) Does initial alignment remove the decline toward early layers?
#
# **What we ask.** In Paper A's five-layer network, FA's update ΔW_ℓ,FA is further from the BP
# update the earlier the layer ℓ (Fig 6D; chapter 05 reproduces it): the error reaches layer ℓ
# through d−1−ℓ feedback matrices, and every one of them is only partly aligned with its W. IFA
# starts with W_ℓ = B_ℓ in *every* layer, so at the first step the FA update *is* the BP update in
# all layers. Does the decline come back as the alignment relaxes, and how far?
#
# **How.** Paper A's network and training exactly as in chapter 05 (`fa_companion.deep`: 225 inputs,
# four hidden layers and an output of width 50, tanh∘ReLU everywhere, 5-hot output codes, SGD on
# the summed squared error with η = `deep_lr` in 60 fixed mini-batches of 1000, W and B ~ N(0, 0.1²)),
# with Paper B's one-time soft alignment added as an option of `DeepMember`: W_ℓ = B_ℓ cos θ +
# R_ℓ sin θ, R_ℓ the member's own draw of W_ℓ, so the same seed gives the same B and R under FA
# (θ = 90°) and IFA. Conditions: FA, IFA 45° and IFA 0°, `deep_reps` networks each (seeds shared).
# The FA condition is chapter 05's FA condition, recomputed here with the extra recordings.
# The *decline* of a network is its angle ΔW_ℓ,FA∠ΔW_ℓ,BP at ℓ = 0 minus that at ℓ = 3 (the last
# layer whose update depends on feedback; ℓ = 4's update is the same under both rules), each
# averaged over the second half of training (epochs ≥ deep_epochs/2).

# %%
DEEP = {"FA": None} | {f"IFA {t:g}°": float(t) for t in deep_thetas}
deep_cfg = DeepConfig(sizes=(225,) + (50,) * 5, n_hot=5, epochs=deep_epochs, record_dense=300,
                      record_every=record_every, terms=True)
deep_res = {
    label: store.get_or_compute(
        "deep",
        relaxation_config([DeepMember("fa", lr=deep_lr, seed=s, theta_init=theta) for s in range(deep_reps)],
                          deep_cfg, every=relaxation_every, dataset=deep_dataset, n_train=deep_n_train,
                          n_test=deep_n_test),
        lambda c: run_relaxation(c, device=device))
    for label, theta in DEEP.items()
}
d = {label: r.arrays for label, r in deep_res.items()}
P = int(d["FA"]["n_batches"])
n_layers_fb = d["FA"]["angle_update_mean"].shape[1]  # layers 0 … d−2
half = slice(deep_epochs // 2, None)
print(f"data: {deep_res['FA'].summary['data_source']}, {deep_res['FA'].summary['n_train']} training images; "
      f"{deep_reps} networks per condition, {deep_epochs} epochs of {P} mini-batches ({deep_epochs * P} iterations)")
print("largest relative residual of the relaxation decomposition: "
      f"{max(r.summary['max_decomposition_residual'] for r in deep_res.values()):.1e}")

# %% tags=["nbval-ignore-output", "hide-input"]
print(provenance_table(deep_res))

# %% [markdown]
# Left three panels: ΔW_ℓ,FA∠ΔW_ℓ,BP per layer through training (mean over networks, moving
# average over one epoch of P iterations as in Paper A §4.7; shaded ± SEM). Right: the decline
# (ℓ = 0 minus ℓ = 3) per epoch, mean ± SD over networks.

# %% tags=["hide-input"]
LAYER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
fig, axes = plt.subplots(2, -(-(len(DEEP) + 1) // 2), figsize=(9.5, 6.2))
axes = axes.ravel()  # two rows: legible at page width
for ax, label in zip(axes, DEEP):
    it = d[label]["rec_iter"]
    mean = moving_average(d[label]["angle_update_mean"], it, P)
    sem = moving_average(d[label]["angle_update_sem"], it, P)
    for l in range(n_layers_fb):
        ax.plot(it, mean[:, l], color=LAYER_COLORS[l], lw=1.2, label=f"ℓ = {l}")
        ax.fill_between(it, mean[:, l] - sem[:, l], mean[:, l] + sem[:, l], color=LAYER_COLORS[l],
                        alpha=0.15, lw=0)
    ax.set(title=label, xlabel="iteration", ylim=(0, 100),
           ylabel=r"$\Delta W_{\ell,\mathrm{FA}}\angle\Delta W_{\ell,\mathrm{BP}}$ (°)")
axes[0].legend(loc="lower right", ncol=2)
epochs_axis = np.arange(1, deep_epochs + 1)
for label in DEEP:
    ue = d[label]["angle_update_epoch"]  # (epochs, layers, networks)
    decline_e = ue[:, 0, :] - ue[:, n_layers_fb - 1, :]
    plotting.band(axes[-1], epochs_axis, decline_e.mean(-1),
                  decline_e.std(-1, ddof=1) if deep_reps > 1 else 0 * decline_e[:, 0], label=label,
                  color=plotting.rule_color(label))
axes[-1].axhline(0, color="0.5", lw=0.8)
axes[-1].set(title="decline toward early layers", xlabel="epoch", ylabel="angle at ℓ = 0 minus ℓ = 3 (°)")
axes[-1].set_ylim(top=axes[-1].get_ylim()[1] * 1.3)  # room for the legend above the bands
axes[-1].legend(loc="upper center", ncol=len(DEEP), fontsize=8, handlelength=1.2, columnspacing=0.8)
fig.tight_layout()

# %% tags=["hide-input"]
def late_layers(label, key):
    """(layers, networks): each network's mean over the second half of training."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(d[label][f"{key}_epoch"][half], axis=0)


decline = {label: layer_decline(late_layers(label, "angle_update")) for label in DEEP}
print("second-half ΔW_ℓ,FA∠ΔW_ℓ,BP, mean over networks (ℓ = 0 … 3) | W_ℓ∠B_ℓ (ℓ = 1 … 4):")
for label in DEEP:
    u, w = late_layers(label, "angle_update").mean(-1), late_layers(label, "angle_wb").mean(-1)
    first = d[label]["angle_update_epoch"][0].mean(-1)
    print(f"  {label:8s} ΔW: " + " ".join(f"{v:5.1f}" for v in u) + "  | W∠B: " + " ".join(f"{v:5.1f}" for v in w)
          + "   (epoch 0 ΔW: " + " ".join(f"{v:4.1f}" for v in first) + ")")
for label in DEEP:
    m, s = mean_sd(decline[label])
    print(f"decline {label:8s}: {m:5.1f} ± {s:4.1f}° (positive in {int((decline[label] > 0).sum())} of "
          f"{deep_reps} networks)")
decline_cmp = {label: group_comparison(decline["FA"], decline[label]) for label in DEEP if label != "FA"}
verdicts_b = {label: decline_verdict(decline["FA"], decline[label]) for label in decline_cmp}
for label, c in decline_cmp.items():
    print(f"{label} vs FA: decline {c['diff']:+.1f}° (rank-sum p = {c['p']:.2g}) → {label} "
          f"{verdicts_b[label]} the decline")

# %% [markdown]
# **Finding (b).** "Removes" means the decline averages below 1° in the second half of training;
# "reduces" or "increases" that it is smaller or larger than FA's by a two-sided rank-sum test at
# p < 0.05 (`decline_verdict`). With `deep_reps` = 5 networks per condition the smallest two-sided
# rank-sum p is 0.008, so "does not detectably change" can also mean "not resolved".

# %%
strongest = f"IFA {min(deep_thetas):g}°"
u_late = {label: late_layers(label, "angle_update").mean(-1) for label in DEEP}
print(f"In Paper A's deep network, initial alignment at θ = {min(deep_thetas):g}° {verdicts_b[strongest]} the decline "
      f"of ΔW_ℓ,FA∠ΔW_ℓ,BP toward early layers: {decline['FA'].mean():.1f}° under FA, "
      f"{decline[strongest].mean():.1f}° under {strongest} (second half of training).")
first_gain = u_late["FA"][0] - u_late[strongest][0]
print(f"Whatever happens to the decline, {strongest}'s first-layer update is {abs(first_gain):.1f}° "
      f"{'closer to' if first_gain > 0 else 'further from'} BP's than FA's ({u_late[strongest][0]:.1f}° vs "
      f"{u_late['FA'][0]:.1f}°); in the layer nearest the output (ℓ = {n_layers_fb - 1}) the difference is "
      f"{u_late['FA'][-1] - u_late[strongest][-1]:+.1f}°.")
for label in DEEP:
    if label not in ("FA", strongest):
        print(f"{label}: decline {decline[label].mean():.1f}°, first layer {u_late[label][0]:.1f}° "
              f"({verdicts_b[label]} the decline).")

# %% [markdown]
# ## (c) What drives the relaxation of the initial alignment?
#
# **What we ask.** Under IFA 0°, W_ℓ∠B_ℓ starts at 0° and grows. Paper A's theory splits each
# update into alignment terms. Which of them pull W away from B?
#
# **How, first: Paper A's terms, as in its Fig 7C.** At every record point we compute, for the
# layers ℓ = 1 … 4 that have a feedback matrix, the angle with B_ℓ of the order-1 alignment term T¹_ℓ
# (eq. 21), of the order-P term T^P_ℓ (P = 60 mini-batches, Paper A's T⁶⁰) and of the
# sup-alignment term T¹_ℓ,sup (eq. 22), next to the angle of the update ΔW_ℓ itself and of the
# weights W_ℓ. Top row FA, bottom row IFA 0°. The y-axis is zoomed to the range of the terms and
# of FA's W∠B; under IFA 0°, where W's own angle (dotted) stays far below it, its final value is
# written in the panel. An angle says how well a term points along B, not how
# much it moves W: that depends on the term's size and on how the terms add up over iterations,
# which the exact decomposition after this figure measures.

# %% tags=["hide-input"]
TERMS = (("angle_t1", "#1b9e77", "$T^1$"), ("angle_tp", "#ff7f0e", f"$T^{{{P}}}$"),
         ("angle_tsup", "#d62728", r"$T^1_\mathrm{sup}$"))
rows = ["FA", strongest]
term_values = np.concatenate([d[label][f"{key}_mean"].ravel() for label in rows for key, _, _ in TERMS])
y_lo, y_hi = np.nanpercentile(term_values, [0.5, 99.9])
y_lo = min(y_lo, np.nanmin(d["FA"]["angle_wb_mean"]))  # FA's W∠B stays in view
y_lo, y_hi = 5 * np.floor((y_lo - 1) / 5), 5 * np.ceil((y_hi + 1) / 5)  # the data's range, not 0-105°
fig, axes = plt.subplots(len(rows), n_layers_fb, figsize=(12, 2.7 * len(rows)), sharex=True, sharey=True,
                         squeeze=False)
for r, label in enumerate(rows):
    it = d[label]["rec_iter"]
    for i in range(n_layers_fb):
        ax = axes[r, i]
        for key, color, name in TERMS:
            ax.plot(it, d[label][f"{key}_mean"][:, i], ".", ms=1.5, color=color, label=name, zorder=2)
        ax.plot(it, moving_average(d[label]["angle_update_b_mean"], it, P)[:, i], color="k", lw=0.8, ls="--",
                label=r"$\Delta W$", zorder=3)
        w_angle = d[label]["angle_wb_mean"][:, i]
        ax.plot(it, w_angle, color="0.45", lw=1.8, ls=":", label="$W$", zorder=3)
        if w_angle[-1] < y_lo:
            ax.text(0.97, 0.05, f"W∠B below the axis (ends at {w_angle[-1]:.0f}°)", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=7.5, color="0.35")
        ax.set(title=f"{label}, ℓ = {i + 1}", ylim=(y_lo, y_hi))
        if r == len(rows) - 1:
            ax.set_xlabel("iteration")
    axes[r, 0].set_ylabel(r"angle with $B_\ell$ (°)")
handles, names = axes[0, 0].get_legend_handles_labels()
fig.legend(handles, names, loc="upper center", markerscale=6, ncol=len(names), fontsize=9)
fig.tight_layout(rect=(0, 0, 1, 0.93))

# %%
early = slice(0, max(1, min(250 // P, deep_epochs // 2)))  # epochs that end before k = 250 (Paper A's "early")


def window_mean(label, key, window):
    """Mean over networks, layers 1-4 and the window's epochs of a per-epoch angle."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(d[label][f"{key}_epoch"][window]))


TERM_NAMES = {"angle_t1": "T¹", "angle_tp": f"T^{P}", "angle_tsup": "T¹_sup", "angle_update_b": "ΔW",
              "angle_wb": "W"}
print(f"angle with B_ℓ, mean over networks and layers 1-4; early = epochs 0-{early.stop - 1}, late = epochs "
      f"{deep_epochs // 2}-{deep_epochs - 1}:")
term_angles = {}
for label in DEEP:
    vals = {key: (window_mean(label, key, early), window_mean(label, key, half))
            for key in ("angle_t1", "angle_tp", "angle_tsup", "angle_update_b", "angle_wb")}
    term_angles[label] = vals
    print(f"  {label:8s} " + "  ".join(f"{TERM_NAMES[key]} {a:5.1f}° → {b:5.1f}°" for key, (a, b) in vals.items()))

# %% [markdown]
# **How, second: an exact decomposition.** Paper A's linear analysis (eq. 23) writes the update as
# the alignment terms of all lags plus one term that involves only the *initial* weights of the layer
# below. Its nonlinear analogue (`fa_companion.synthesis`) splits every update of layer ℓ into
#
# - the **initial-weight term** T^k_ℓ,sup[k] = η δ_{ℓ+1}[k]ᵀ f(L_{ℓ−1}[k] W_{ℓ−1}[0]ᵀ): the update
#   layer ℓ would get if layer ℓ−1 had kept its initial weights (eq. 22 with lag o = k), and
# - the **learned part**, the rest: what layer ℓ−1's learning adds, Σ_o T°_aln to first order.
#
# Summed over iterations, W_ℓ[k] = W_ℓ[0] + Σ initial-weight terms + Σ learned parts, exactly (the
# decomposition's residual is printed above). Each part contributes to the length of W_ℓ's component
# perpendicular to B_ℓ, ‖w_⊥‖; under IFA 0°, W_ℓ[0] = B_ℓ contributes nothing to it, so the
# perpendicular component *is* the relaxation, and tan(W_ℓ∠B_ℓ) = ‖w_⊥‖/⟨W_ℓ, B̂_ℓ⟩. The figure
# shows each part's contribution to tan(W_ℓ∠B_ℓ) (its contribution to ‖w_⊥‖ divided by
# ⟨W_ℓ, B̂_ℓ⟩) for IFA 0°, per layer (mean over networks); a negative contribution would pull W
# back toward B. The printed numbers after it cover every condition: each part's share of ‖w_⊥‖
# and its contribution to cos(W_ℓ∠B_ℓ) = Σ ⟨S, B̂⟩/‖W‖, and the angle of each summed part with B.

# %%
PART_STYLE = {"initial": ("0.5", ":"), "initial-weight term": ("#d62728", "-"),
              "learned part": ("#1f77b4", "-"), "normalization": ("#9467bd", "-.")}
fig, axes = plt.subplots(1, n_layers_fb, figsize=(12, 2.9))
it = d[strongest]["rel_iter"]
par, perp = d[strongest]["rel_par"], d[strongest]["rel_perp"]  # (records, layers, parts, networks)
along = par.sum(2)  # ⟨W, B̂⟩, (records, layers, networks)
for i, ax in enumerate(axes):
    for p, name in enumerate(RELAXATION_PARTS):
        if name == "normalization":  # no normalization in these runs (its part is rounding only)
            continue
        color, ls = PART_STYLE[name]
        ax.plot(it, (perp[:, i, p] / along[:, i]).mean(-1), color=color, ls=ls, label=name)
    ax.plot(it, (perp[:, i].sum(1) / along[:, i]).mean(-1), color="k", lw=1.6, label="total: tan(W∠B)")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set(title=f"{strongest}, ℓ = {i + 1}", xlabel="iteration")
axes[0].set_ylabel(r"contribution to $\tan(W_\ell\angle B_\ell)$")
axes[-1].legend(loc="lower right", fontsize=8)
fig.tight_layout()

# %%
def end_shares(label):
    """(layers, parts), mean over networks, at the end of training: each part's share of ‖w_⊥‖,
    its contribution ⟨S, B̂⟩/‖W‖ to cos(W∠B), and the angle of the summed part S with B (degrees)."""
    par, perp, norm = (d[label][k][-1] for k in ("rel_par", "rel_perp", "rel_norm"))  # (layers, parts, nets)
    w_norm = np.hypot(par.sum(1, keepdims=True), perp.sum(1, keepdims=True))  # ‖W‖
    with np.errstate(invalid="ignore", divide="ignore"):
        perp_share = (perp / perp.sum(1, keepdims=True)).mean(-1)
        cos_part = (par / w_norm).mean(-1)
        angle = np.degrees(np.arccos(np.clip(par / norm, -1, 1))).mean(-1)
    return perp_share, cos_part, angle


shares = {label: end_shares(label) for label in DEEP}
for label in DEEP:
    perp_share, cos_part, angle = shares[label]
    final_angle = d[label]["rel_angle"][-1].mean(-1)
    print(f"{label}: W_ℓ∠B_ℓ at the end (ℓ = 1 … 4): " + " ".join(f"{a:5.1f}°" for a in final_angle))
    for p, name in enumerate(RELAXATION_PARTS[:3]):
        print(f"   {name:20s} share of ‖w⊥‖: " + " ".join(f"{round(100 * v, 1) + 0.0:6.1f}%" for v in perp_share[:, p])
              + "   to cos: " + " ".join(f"{v:+6.3f}" for v in cos_part[:, p])
              + "   angle with B: " + " ".join(f"{v:5.1f}°" for v in angle[:, p]))

# %% [markdown]
# **Finding (c).** Computed from the shares at the end of training (mean over layers 1-4) and
# the term angles above:

# %%
perp0, par0, ang0 = shares[strongest]
iw, lp = RELAXATION_PARTS.index("initial-weight term"), RELAXATION_PARTS.index("learned part")
iw_share, lp_share = float(perp0[:, iw].mean()), float(perp0[:, lp].mean())
driver, other = (("initial-weight term", "learned part") if iw_share >= lp_share
                 else ("learned part", "initial-weight term"))
print(f"Under {strongest}, the relaxation (the component of W_ℓ perpendicular to B_ℓ) comes "
      f"{100 * max(iw_share, lp_share):.0f}% from the {driver} and {100 * min(iw_share, lp_share):.0f}% from the "
      f"{other} (mean over layers 1-4 and networks).")
aligned_learned = bool(np.all(ang0[:, lp] < 90))
print(f"The summed learned part makes {ang0[:, lp].mean():.1f}° with B (layers 1-4: "
      + ", ".join(f"{v:.0f}°" for v in ang0[:, lp]) + "), the summed initial-weight term "
      f"{ang0[:, iw].mean():.1f}°: the learned part {'has' if aligned_learned else 'does not have'} a positive component "
      f"along B in every layer (angle < 90°).")
t = term_angles[strongest]
late_order = sorted(("angle_t1", "angle_tp", "angle_tsup"), key=lambda k: t[k][1])
n_wider = sum(t[k][1] > t["angle_wb"][1] for k in late_order)
print(f"Of Paper A's terms under {strongest}, late in training the closest to B is "
      f"{TERM_NAMES[late_order[0]]} ({t[late_order[0]][1]:.1f}°) and the furthest "
      f"{TERM_NAMES[late_order[-1]]} ({t[late_order[-1]][1]:.1f}°); "
      f"{'all three make' if n_wider == 3 else f'{n_wider} of the three make'} a larger angle with B "
      f"than W itself ({t['angle_wb'][1]:.1f}°).")

# %% [markdown]
# ## Where this could be wrong
#
# - **Scale.** Section (a) trains 5 epochs (Paper B: 30) with 8 networks per condition; effects that
#   need long training (the slow growth of weight norms that WN removes, the late relaxation of IFA)
#   are smaller here than they would be at 30 epochs, and differences of a tenth of a point or two
#   are at the edge of what 8 networks resolve. Sections (b) and (c) use 5 networks and 50 epochs, half the paper's 100.
# - **Which WN.** Paper A projects after *SGD* steps on a summed loss; Paper B trains with Adam.
#   Projected Adam keeps moment estimates of steps that the projection partly undoes, and Adam's
#   per-element step size makes the effective angular learning rate on the sphere depend on γ. We
#   fixed γ = √2 (the initial norm) and did not sweep it: another γ could change the sign of (a).
#   Paper A also normalizes B's columns once; under Adam the scale of B hardly matters, so we left B
#   as drawn, which leaves IFA + WN a small initial angle (printed in (a)).
# - **Data.** Fashion-MNIST stands in for CIFAR-10 (Paper B) and MNIST (Paper A), as in the other
#   chapters; IFA's relaxation and FA's alignment depend on the data's statistics (Paper A §2.3:
#   autocorrelation), so the sizes of the effects need not transfer.
# - **What "decline" means.** We summarize the layer profile by the difference between ℓ = 0 and
#   ℓ = 3 in the second half of training. A profile that is flat at the ends but bent in the
#   middle would read as "no decline"; the per-layer numbers are printed to check that.
# - **The decomposition.** The split into an initial-weight term and a learned part is exact as a
#   sum, but the learned part is Σ_o T°_aln only to first order in the changes of W_{ℓ−1}: over
#   3 000 iterations those changes are not small, so the learned part also holds the higher-order
#   terms. And "share of ‖w_⊥‖" is an attribution by projection: two parts that are large and
#   nearly cancel get large shares of opposite sign. The printed shares are means over networks
#   and layers; a single layer can differ.
# - **IFA 0° in the deep network.** With W_ℓ = B_ℓ everywhere, the first updates are exactly BP's,
#   so (b) measures how fast the alignment is lost, not a different steady state; a longer run could
#   end with IFA's layer profile approaching FA's.
