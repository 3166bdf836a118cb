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
# # Deep FA with weight normalization
#
# *Paper A, §2.5 and Methods §4.1-4.4, §4.6-4.7, §4.9; Fig 6 and Fig 7.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# Paper A {cite}`rahmansetayesh_fa_wn` trains a five-layer network with feedback alignment ("BP-TRW",
# {cite}`lillicrap2016random`) and asks how well each layer's FA update follows BP's, what limits it,
# and whether its **neuron-wise weight normalization** (WN: every neuron's incoming weights
# projected back onto a sphere of radius γ after every step) helps. The network: 225 inputs
# (15×15 images, pixels ÷255, no mean/std normalization), four hidden layers and an output layer of
# width 50, f = tanh∘ReLU on every layer *including the output*, outputs coded by mutually
# exclusive 5-hot codes (§4.9, decoded by argmax of output·codeᵀ), loss ½ΣE² **summed** over the
# batch, plain SGD on 60 mini-batches of 1000 in a fixed order, no biases, W and B ~ N(0, 0.1²).
# Its claims (each gets a verdict at the end):
#
# 1. **Fig 6D**: without WN, the angle ΔW_ℓ,FA∠ΔW_ℓ,BP grows as the error travels to earlier layers.
# 2. **Fig 6G**: ‖W_ℓ‖ keeps growing, subtly and saturating in early layers, evidently in the last.
# 3. **Fig 6C,D**: matching the norm of B_ℓ to ‖W_ℓ‖ at every iteration improves FA.
# 4. **Fig 6A,B**: neuron-wise WN (γ = 1, B's columns normalized once at init) improves FA.
# 5. **Fig 6A,B**: layer-wise normalization (W_ℓ ← γ_ℓW_ℓ/‖W_ℓ‖, γ_ℓ = 7.07) aligns the updates
#    slightly less than neuron-wise WN.
# 6. **Fig 6E,F**: width 100 (10-hot codes) aligns less than width 50 without WN; WN (γ = 1)
#    improves it.
# 7. **Fig 6H**: WN lowers FA's test error and raises BP's; BP without WN has the lowest test error.
# 8. **Fig 7A,B**: elements of L_ℓ are autocorrelated; elements of δ_ℓ only at lags that are
#    multiples of 60 (the number of mini-batches).
# 9. **Fig 7C,D**: the alignment term T¹_ℓ (eq. 21) is aligned with B_ℓᵀ only early (k < 250);
#    T⁶⁰_ℓ and the sup-alignment term T¹_ℓ,sup (eq. 22) stay aligned.
# 10. **Fig 7C vs D**: WN improves the alignment of ΔW_ℓ,FA and of T¹_ℓ,sup with B_ℓᵀ.
#
# **What we run.** The paper's network, batch size, fixed mini-batch order and initialization, on
# two datasets side by side, **5 networks per condition** (the paper: 10), **3000 SGD iterations**
# (the paper: 6000):
#
# - **MNIST, the paper's digits.** Only MNIST's official *test* set is on the machine that builds
#   this book (MNIST's training set cannot be downloaded here), so `mnist_t10k` splits its 10,000
#   images into 8,000 for training and 2,000 for testing (class-stratified, seed 0; the first and
#   last 5,000 come from different writers, so a contiguous split would test on one population),
#   resized to 15×15 as the authors' code does (`cv2.resize` defaults: bilinear at half-pixel
#   centres, no antialiasing), ÷255. With 8 mini-batches of 1000 per epoch, 3000 iterations are
#   375 epochs, and the paper's "lag 60" and T⁶⁰ become lag 8 and T⁸ (the period of the fixed
#   mini-batch order).
# - **Fashion-MNIST** {cite}`xiao2017fashion` (60,000/10,000 real images, as many as MNIST, 60
#   mini-batches per epoch: 50 epochs), resized with antialiasing, ÷255.
#
# Every verdict below says which dataset it rests on. The **paper profile** (`-p profile paper`:
# the full MNIST, 10 networks, 100 epochs) runs the paper's setting where MNIST's training set is
# available. The **ci profile** trains for a few iterations on a Fashion-MNIST subset; its numbers
# only check the pipeline.

# %%
# %matplotlib inline
import functools
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import fa_companion
from fa_companion.ledger import claims
from fa_companion.figures import plotting
from fa_companion.data import DATASET_LABELS
from fa_companion.nets.deep import (DeepConfig, DeepMember, deep_condition_config, moving_average,
                               run_deep_condition)
from fa_companion.store.results import chapter_store, provenance_table
from fa_companion.measure.stats import mean_sd, ranksum

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
dataset: "dataset" = "fashion_mnist"
n_train: "int[1] or None" = None  # None: the full training set (60 mini-batches of 1000)
n_test: "int[1] or None" = None
n_reps: "int[1]" = 5  # networks per condition (paper: 10)
epochs: "int[1]" = 50  # (paper: 100)
lr: "positive" = 5e-4
lr_text: "positive" = 5e-3  # the learning rate printed in the paper's Methods §4.3
lr_check_epochs: "int[1]" = 10
record_every: "int[1]" = 10  # iterations between recorded angles after the first 300 iterations
acf_elements: "int[1]" = 4  # random elements of L_ℓ and δ_ℓ traced per layer, for Fig 7A,B
# The paper's own digits, run beside `dataset` (None: skip): MNIST's official test set split
# 8,000/2,000 ("mnist_t10k"), resized as the authors' code resizes (cv2 bilinear, no antialiasing)
mnist_dataset: "dataset or None" = "mnist_t10k"
mnist_epochs: "int[1]" = 375  # 375 epochs of 8 mini-batches = the 3,000 iterations of `epochs` above
mnist_lr_check_epochs: "int[1]" = 75  # = the 600 iterations of `lr_check_epochs`
mnist_n_train: "int[1] or None" = None
mnist_n_test: "int[1] or None" = None
mnist_resize: "choice[antialias, cv2]" = "cv2"
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("05_deep_fa_with_wn", globals())  # values at the profile, unless given with -p

# %% [markdown]
# ## Which learning rate?
#
# The paper's Methods give η = 0.005 for Figs 6-7 (and 0.003 for Fig 8), but its Supplementary
# Note 4 warns that "with high η it may not converge (η > 0.0005)" and sweeps η = 5e-4 and 3e-4,
# which are also the values in the authors' code. With the loss *summed* over 1000 samples, the
# text's values are ten times larger than anything the supplement calls safe. We train the text's
# η = 0.005 for a few epochs next to η = 5e-4, for FA, FA + WN and BP, and use the one that trains.

# %%
store = chapter_store("05_deep_fa_with_wn", profile)
seeds = list(range(n_reps))
run = functools.partial(run_deep_condition, device=device)
# the datasets this chapter trains on: name -> (epochs, lr-check epochs, n_train, n_test, resize)
DATA = {dataset: (epochs, lr_check_epochs, n_train, n_test, "antialias")}
if mnist_dataset:
    DATA[mnist_dataset] = (mnist_epochs, mnist_lr_check_epochs, mnist_n_train, mnist_n_test, mnist_resize)


def condition(ds, members, width=50, n_hot=5, n_epochs=None, **record):
    n_ep, _, n_tr, n_te, resize_method = DATA[ds]
    cfg = DeepConfig(sizes=(225,) + (width,) * 5, n_hot=n_hot,
                     epochs=n_ep if n_epochs is None else n_epochs, record_dense=300,
                     record_every=record_every, **record)
    return deep_condition_config(members, cfg, dataset=ds, n_train=n_tr, n_test=n_te,
                                 resize_method=resize_method)


LR_CHECK = {f"{rule.upper()}{' + WN' if norm == 'neuron' else ''} η={eta:g}":
            [DeepMember(rule, norm, 1.0 if norm == "neuron" else None, lr=eta, seed=s) for s in seeds]
            for eta in (lr_text, lr) for rule, norm in (("fa", "none"), ("fa", "neuron"), ("bp", "none"))}
lr_check = {ds: {label: store.get_or_compute("lr_check", condition(ds, m, n_epochs=spec[1]), run)
                 for label, m in LR_CHECK.items()} for ds, spec in DATA.items()}
for ds, checks in lr_check.items():
    first = next(iter(checks.values())).summary
    print(f"{first['data_source']}: {first['n_train']} training images; test accuracy (%) after "
          f"{DATA[ds][1]} epochs, mean [min, max] over {n_reps} networks; fraction of output values "
          "with f'(Z) = 0:")
    for label, r in checks.items():
        acc = r.arrays["test_acc"][-1]
        print(f"  {label:20s} {acc.mean():5.1f} [{acc.min():5.1f}, {acc.max():5.1f}]   "
              f"dead outputs {r.arrays['test_dead'][-1].mean():.2f}")

# %% [markdown]
# Everything below uses η = 5e-4 (the authors' code and Supplementary Note 4): at the text's
# 0.005, with the summed loss, the first steps push every output unit below zero, where
# tanh∘ReLU has f' = 0, and the network stops learning at chance (10%) — for BP as well as FA.
#
# ## Training the conditions of Figs 6 and 7
#
# Each condition is `n_reps` networks (seeds 0 … n_reps − 1) trained in one batched pass
# (`fa_companion.deep`). Seeds are shared across conditions: network *i* starts from the same W, B
# and codes in every condition (WN then projects its W and normalizes its B's columns). Angles are
# recorded at every iteration for the first 300 iterations, then every `record_every`; the alignment
# terms and autocorrelograms (Fig 7) are recorded for FA and FA + WN.

# %%
W50 = dict(width=50, n_hot=5)
W100 = dict(width=100, n_hot=10)
TERMS = dict(terms=True, acf_elements=acf_elements, acf_max_lag=200)
CONDITIONS = {
    "FA": ([DeepMember("fa", lr=lr, seed=s) for s in seeds], W50, TERMS),
    "FA + B-norm matching": ([DeepMember("fa", "bnorm", lr=lr, seed=s) for s in seeds], W50, {}),
    "FA + WN": ([DeepMember("fa", "neuron", 1.0, lr=lr, seed=s) for s in seeds], W50, TERMS),
    "FA + layer-wise norm": ([DeepMember("fa", "layer", 7.07, lr=lr, seed=s) for s in seeds], W50, {}),
    "BP": ([DeepMember("bp", lr=lr, seed=s) for s in seeds], W50, {}),
    "BP + WN": ([DeepMember("bp", "neuron", 1.0, lr=lr, seed=s) for s in seeds], W50, {}),
    "FA, width 100": ([DeepMember("fa", lr=lr, seed=s) for s in seeds], W100, {}),
    "FA + WN, width 100": ([DeepMember("fa", "neuron", 1.0, lr=lr, seed=s) for s in seeds], W100, {}),
}
RES = {ds: {label: store.get_or_compute("condition", condition(ds, m, **shape, **rec), run)
            for label, (m, shape, rec) in CONDITIONS.items()} for ds in DATA}
H = {ds: {label: r.arrays for label, r in res.items()} for ds, res in RES.items()}
SOURCE = {ds: res["FA"].summary["data_source"] for ds, res in RES.items()}
for ds, h in H.items():
    P = int(h["FA"]["n_batches"])
    print(f"{SOURCE[ds]}: {n_reps} networks per condition, {DATA[ds][0]} epochs of {P} mini-batches "
          f"of 1000 ({DATA[ds][0] * P} iterations), η = {lr:g}; {len(h['FA']['rec_iter'])} record points")
# the figures below show the first dataset; the verdicts are computed on each
h, epochs, P = H[dataset], DATA[dataset][0], int(H[dataset]["FA"]["n_batches"])
res = RES[dataset]
it = h["FA"]["rec_iter"]

# %% tags=["nbval-ignore-output", "hide-input"]
print(provenance_table({f"{ds} {k}": r for ds in DATA for k, r in {**lr_check[ds], **RES[ds]}.items()}))

# %% [markdown]
# ## Fig 6A-F: alignment per layer
#
# Left: W_ℓ∠B_ℓᵀ (ℓ = 1 … 4; B₀ never carries an error). Right: the angle between the FA update
# and the BP update at the same state, ΔW_ℓ,FA∠ΔW_ℓ,BP (ℓ = 0 … 3; the last layer's update is the
# same under both rules). Mean over networks, moving average over 60 iterations (one epoch, §4.7);
# shaded: ± SEM over networks. Solid and dashed lines follow the paper's pairing of the panels.

# %% tags=["hide-input"]
LAYER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
PAIRS = [("A, B", "FA + WN", "FA + layer-wise norm"), ("C, D", "FA", "FA + B-norm matching"),
         ("E, F", "FA, width 100", "FA + WN, width 100")]


def smooth(key, label):
    return (moving_average(h[label][f"{key}_mean"], h[label]["rec_iter"], P),
            moving_average(h[label][f"{key}_sem"], h[label]["rec_iter"], P))


fig, axes = plt.subplots(3, 2, figsize=(10, 8.4), sharex=True)
for row, (panels, solid, dashed) in enumerate(PAIRS):
    for col, (key, layers, ylabel) in enumerate((("angle_wb", range(1, 5), r"W$_\ell$∠B$_\ell^\mathrm{T}$ (°)"),
                                                  ("angle_update", range(0, 4),
                                                   r"ΔW$_{\ell,\mathrm{FA}}$∠ΔW$_{\ell,\mathrm{BP}}$ (°)"))):
        ax = axes[row, col]
        for label, ls in ((solid, "-"), (dashed, "--")):
            mean, sem = smooth(key, label)
            x = h[label]["rec_iter"]
            for i, l in enumerate(layers):
                ax.plot(x, mean[:, i], ls=ls, color=LAYER_COLORS[l], lw=1.2,
                        label=f"ℓ = {l}" if ls == "-" else None)
                ax.fill_between(x, mean[:, i] - sem[:, i], mean[:, i] + sem[:, i],
                                color=LAYER_COLORS[l], alpha=0.15, lw=0)
        ax.set(ylabel=ylabel, title=f"Fig 6{panels.split(', ')[col]}: {solid} (solid) vs {dashed} (dashed)")
        ax.title.set_fontsize(8.5)
        if row == 2:
            ax.set_xlabel("iteration")
        ax.legend(loc="upper right", ncol=2)
fig.tight_layout()

# %% [markdown]
# For the statistics we average each network's angles over the **second half of training** (epochs
# ≥ epochs/2), then compare conditions across the `n_reps` networks (mean over networks, and a
# two-sided rank-sum test, `fa_companion.stats.ranksum`, over the per-network values).

# %%
half = slice(epochs // 2, None)


def late(label, key):
    """(layers, networks): each network's mean over the second half of training."""
    return np.nanmean(h[label][f"{key}_epoch"][half], axis=0)


def compare(a, b, key, layers):
    """Mean difference b − a per layer and rank-sum p over networks."""
    va, vb = late(a, key), late(b, key)
    return [(l, vb[i].mean() - va[i].mean(), ranksum(va[i], vb[i])) for i, l in enumerate(layers)]


print("second-half means, degrees (ΔW angle for ℓ = 0 … 3 | W∠Bᵀ for ℓ = 1 … 4):")
for label in CONDITIONS:
    if label.startswith("BP"):
        continue
    u, w = late(label, "angle_update").mean(-1), late(label, "angle_wb").mean(-1)
    print(f"  {label:22s} ΔW: " + " ".join(f"{v:5.1f}" for v in u) + "  | W∠Bᵀ: " + " ".join(f"{v:5.1f}" for v in w))

comparisons = {
    "B-norm matching vs FA": ("FA", "FA + B-norm matching"),
    "WN vs FA": ("FA", "FA + WN"),
    "layer-wise vs WN": ("FA + WN", "FA + layer-wise norm"),
    "width 100 vs width 50": ("FA", "FA, width 100"),
    "WN vs none at width 100": ("FA, width 100", "FA + WN, width 100"),
}
cmp_results = {}
for name, (a, b) in comparisons.items():
    cu, cw = compare(a, b, "angle_update", range(4)), compare(a, b, "angle_wb", range(1, 5))
    cmp_results[name] = (cu, cw)
    print(f"{name:26s} ΔW-angle change: " + ", ".join(f"ℓ{l} {d:+5.1f}° (p={p:.2g})" for l, d, p in cu))
    print(f"{'':26s} W∠Bᵀ change:     " + ", ".join(f"ℓ{l} {d:+5.1f}° (p={p:.2g})" for l, d, p in cw))

# %% [markdown]
# ## Fig 6G: norms of the forward weights, and Fig 6H: test error

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
for label, ls in (("FA", "-"), ("BP", ":")):
    x = h[label]["rec_iter"]
    for l in range(5):
        axes[0].plot(x, h[label]["w_norm_mean"][:, l], ls=ls, color=LAYER_COLORS[l],
                     label=f"ℓ = {l}" if ls == "-" else None)
axes[0].axhline(float(h["FA"]["b_norm_mean"][0, 1]), color="0.5", lw=0.8, ls="--", label=r"‖B$_\ell$‖ (hidden)")
axes[0].set(xlabel="iteration", ylabel=r"‖W$_\ell$‖$_\mathrm{F}$", title="Fig 6G: FA (solid), BP (dotted)")
axes[0].legend(ncol=2, loc="upper left")
ep = np.arange(epochs + 1)
for label, color, ls in (("BP", "0.15", "--"), ("BP + WN", "0.15", "-"), ("FA", "#d62728", "--"),
                         ("FA + WN", "#d62728", "-")):
    err = 100 - h[label]["test_acc"]
    plotting.band(axes[1], ep, err.mean(-1), err.std(-1, ddof=1) / np.sqrt(n_reps) if n_reps > 1 else 0 * ep,
                  label=label, color=color, ls=ls)
axes[1].set(xlabel="epoch", ylabel="test error (%)", title="Fig 6H: mean ± SEM", ylim=(0, 100))
axes[1].legend()
fig.tight_layout()

norm_first = h["FA"]["w_norm_epoch"][0].mean(-1)
norm_mid = h["FA"]["w_norm_epoch"][epochs // 2].mean(-1)
norm_last = h["FA"]["w_norm_epoch"][-1].mean(-1)
growth_first_half = norm_mid / norm_first
growth_second_half = norm_last / norm_mid
print("FA ‖W_ℓ‖, epoch 1 → epochs/2 → last: " + "; ".join(
    f"ℓ{l} {a:.1f} → {b:.1f} → {c:.1f}" for l, (a, b, c) in enumerate(zip(norm_first, norm_mid, norm_last))))
print("growth in the second half of training (ratio): " + " ".join(f"{g:.3f}" for g in growth_second_half))
final_err = {label: 100 - h[label]["test_acc"][-1] for label in ("BP", "BP + WN", "FA", "FA + WN",
                                                                 "FA + B-norm matching", "FA + layer-wise norm",
                                                                 "FA, width 100", "FA + WN, width 100")}
for label, e in final_err.items():
    m, s = mean_sd(e)
    print(f"final test error {label:22s} {m:5.1f} ± {s:4.1f} %")
stalled = {label: int((h[label]["test_acc"][-1] < 50).sum()) for label in final_err}
print("networks ending below 50% test accuracy: " + ", ".join(f"{k} {v}" for k, v in stalled.items() if v)
      + ("" if any(stalled.values()) else "none"))
print("BP + WN training accuracy (mean over networks) every 5 epochs: "
      + " ".join(f"{v:.0f}" for v in h["BP + WN"]["train_acc"].mean(-1)[::5]))
p_fa_wn = ranksum(final_err["FA"], final_err["FA + WN"])
p_bp_wn = ranksum(final_err["BP"], final_err["BP + WN"])
print(f"rank-sum FA vs FA + WN: p = {p_fa_wn:.2g}; BP vs BP + WN: p = {p_bp_wn:.2g}")

# %% [markdown]
# ## Fig 7A,B: autocorrelograms of L_ℓ and δ_ℓ
#
# Random elements (row i of the batch matrix, neuron j) of L_ℓ and δ_ℓ,FA, followed at every
# iteration of FA training (network 0), with Paper A's ACF (eq. 34, no mean subtraction),
# normalized by ACF(0). Dotted lines: multiples of the number of mini-batches P; the data order is
# fixed, so lag P brings back the same image in row i. For the verdict we call a signal
# autocorrelated at a lag when its normalized ACF there exceeds 0.1, averaged over all traced
# elements and networks.

# %%
acf_l, acf_d = h["FA"]["acf_l"], h["FA"]["acf_delta"]  # (layers 1..5, elements, networks, lags)
lags = np.arange(acf_l.shape[-1])


def normalized(a):
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / a[..., :1]


fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
for ax, a, title in ((axes[0], acf_l, r"Fig 7A: elements of L$_\ell$"), (axes[1], acf_d, r"Fig 7B: elements of δ$_\ell$")):
    na = normalized(a)
    for l in range(a.shape[0]):
        for e in range(min(2, a.shape[1])):
            ax.plot(lags, na[l, e, 0], color=LAYER_COLORS[l], lw=0.8, label=f"ℓ = {l + 1}" if e == 0 else None)
    for m in range(P, lags[-1] + 1, P):
        ax.axvline(m, color="0.4", ls=":", lw=0.8)
    ax.set(xlabel="lag τ (iterations)", title=title)
axes[0].set_ylabel("ACF(τ) / ACF(0)")
axes[1].legend(ncol=3, loc="upper right")
fig.tight_layout()

nd = normalized(acf_d)
multiples = [m for m in range(P, lags[-1] + 1, P)]
others = [t for t in range(1, lags[-1] + 1) if t % P]
acf_delta_multiples = float(np.nanmean(nd[..., multiples]))
acf_delta_others = float(np.nanmean(np.abs(nd[..., others])))
acf_l_others = float(np.nanmean(normalized(acf_l)[..., others]))
print(f"δ_ℓ: mean normalized ACF at multiples of P = {acf_delta_multiples:.2f}, mean |ACF| at other "
      f"lags = {acf_delta_others:.3f}; L_ℓ: mean normalized ACF at other lags = {acf_l_others:.2f}")

# %% [markdown]
# ## Fig 7C,D: alignment terms
#
# Angles with B_ℓᵀ of T¹_ℓ (green), T^P_ℓ (orange; P = 60 mini-batches, the paper's T⁶⁰) and the
# sup-alignment term T¹_ℓ,sup (red), eqs 21-22, mean over networks at each record point, and of the
# update ΔW_ℓ,FA itself (black, moving average). Top: FA; bottom: FA + WN.

# %%
TERMS_PLOT = (("angle_t1", "#1b9e77", "T¹"), ("angle_tp", "#ff7f0e", f"T$^{{{P}}}$"),
              ("angle_tsup", "#d62728", r"T$^1_\mathrm{sup}$"))
fig, axes = plt.subplots(2, 4, figsize=(12, 5.2), sharex=True, sharey=True)
for row, label in enumerate(("FA", "FA + WN")):
    x = h[label]["rec_iter"]
    for i, l in enumerate(range(1, 5)):
        ax = axes[row, i]
        for key, color, name in TERMS_PLOT:
            ax.plot(x, h[label][f"{key}_mean"][:, i], ".", ms=1.5, color=color, label=name,
                    zorder=3 if key == "angle_tsup" else 2)  # T¹_sup above the ΔW line
        ax.plot(x, moving_average(h[label]["angle_update_b_mean"], x, P)[:, i], color="k", lw=1,
                label=r"ΔW$_\mathrm{FA}$")
        ax.axhline(90, color="0.5", lw=0.6)
        ax.set(title=f"{label}, ℓ = {l}")
        if row == 1:
            ax.set_xlabel("iteration")
    axes[row, 0].set_ylabel(r"angle with B$_\ell^\mathrm{T}$ (°)")
shown_angles = np.concatenate([h[label][f"{key}_mean"].ravel() for label in ("FA", "FA + WN")
                               for key in ("angle_t1", "angle_tp", "angle_tsup", "angle_update_b")])
axes[0, 0].set_ylim(np.floor(np.nanmin(shown_angles)) - 1, np.ceil(np.nanmax(shown_angles)) + 1)  # the ~1° WN effect stays visible
axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), markerscale=6)
fig.tight_layout()

# Windows in epochs: "early" = the epochs that end before iteration 250 (the paper's k < 250),
# "late" = the second half of training. A term counts as aligned in a window when its angle with
# B_ℓᵀ (each network's mean over the window and layers 1-4) lies below 90° by a one-sided one-sample
# t-test over networks at p < 0.01.
early_epochs = slice(0, max(1, min(250 // P, epochs // 2)))
late_epochs = slice(epochs // 2, None)


def window_values(label, key, window):
    """(networks,): each network's mean angle over the window's epochs and layers 1-4."""
    with warnings.catch_warnings():  # T^P has no value in epoch 0 (k < P)
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(h[label][f"{key}_epoch"][window], axis=(0, 1))


def below_90(values):
    """Mean and one-sided p of 'mean < 90°' over networks (NaN p for fewer than 2 networks)."""
    v = values[np.isfinite(values)]
    p = stats.ttest_1samp(v, 90.0, alternative="less").pvalue if len(v) > 1 else float("nan")
    return float(np.mean(v)) if len(v) else float("nan"), float(p)


term_stats = {label: {key: {w: below_90(window_values(label, key, sl))
                            for w, sl in (("early", early_epochs), ("late", late_epochs))}
                      for key in ("angle_t1", "angle_tp", "angle_tsup", "angle_update_b")}
              for label in ("FA", "FA + WN")}
print(f"angle with B_ℓᵀ, mean over networks and layers 1-4 (one-sided p for < 90°); early = epochs "
      f"0-{early_epochs.stop - 1} (k < {early_epochs.stop * P}), late = epochs {epochs // 2}-{epochs - 1}:")
for label, st in term_stats.items():
    for key, w in st.items():
        print(f"  {label:8s} {key:15s} early {w['early'][0]:5.1f}° (p = {w['early'][1]:.2g})   "
              f"late {w['late'][0]:5.1f}° (p = {w['late'][1]:.2g})")
wn_gain = {key: (window_values("FA", key, late_epochs), window_values("FA + WN", key, late_epochs))
           for key in ("angle_update_b", "angle_tsup")}
for key, (a_, b_) in wn_gain.items():
    print(f"late {key}: FA {np.nanmean(a_):.2f}° vs FA + WN {np.nanmean(b_):.2f}° "
          f"(rank-sum p = {ranksum(a_, b_) if len(a_) > 1 else float('nan'):.2g})")

# %% [markdown]
# ## Protocol: the paper's text, the authors' code and this book
#
# Paper A's authors published their code: Colab notebooks, in
# [their repository](https://github.com/ARahmansetayesh/The-underlying-mechanisms-of-alignment-in-error-backpropagation-through-arbitrary-weights)
# at commit `bd9e3d4` (the version of this paper). Where its text and its code differ (≠), both are readings of the
# paper; where a difference can change a verdict, the verdicts below are given under each reading.

# %% tags=["hide-input"]
from IPython.display import Markdown  # noqa: E402

from fa_companion.ledger.protocol import protocol_table  # noqa: E402

Markdown(protocol_table("05_deep_fa_with_wn"))

# %% [markdown]
# ## Verdicts
#
# Computed from the stored results above. A comparison "improves" alignment when the second-half
# mean angle is lower in every layer it applies to (ΔW angles for ℓ = 0 … 3, W∠Bᵀ for ℓ = 1 … 4);
# the rank-sum p-values are printed above. At the ci profile these verdicts reflect a smoke run.

# %%
def angles(baseline, other):
    """The second-half angles of two conditions, as the Fig 6A-F checks take them."""
    return {"baseline_update": late(baseline, "angle_update"), "baseline_wb": late(baseline, "angle_wb"),
            "other_update": late(other, "angle_update"), "other_wb": late(other, "angle_wb")}


outcomes, side_by_side = [], {}
for ds in DATA:  # the helpers above read h, epochs, P and the windows: bind them to each dataset
    h, epochs, P = H[ds], DATA[ds][0], int(H[ds]["FA"]["n_batches"])
    half = late_epochs = slice(epochs // 2, None)
    early_epochs = slice(0, max(1, min(250 // P, epochs // 2)))
    final_err = {label: 100 - h[label]["test_acc"][-1] for label in CONDITIONS}
    wn_gain = {key: (window_values("FA", key, late_epochs), window_values("FA + WN", key, late_epochs))
               for key in ("angle_update_b", "angle_tsup")}
    side_by_side[ds] = {label: (mean_sd(final_err[label]), np.nanmean(late(label, "angle_update")),
                                np.nanmean(late(label, "angle_wb")) if not label.startswith("BP") else np.nan)
                        for label in CONDITIONS}
    on = DATASET_LABELS.get(ds, ds)
    outcomes += [
        claims.evaluate("A-fig6d-angle-grows-earlier", update_angle=late("FA", "angle_update"), rests_on=on),
        claims.evaluate("A-fig6g-norms-grow", w_norm_epoch=h["FA"]["w_norm_epoch"], rests_on=on),
        claims.evaluate("A-fig6cd-b-norm-matching", **angles("FA", "FA + B-norm matching"), rests_on=on),
        claims.evaluate("A-fig6ab-neuron-wn", **angles("FA", "FA + WN"), rests_on=on),
        claims.evaluate("A-fig6ab-layerwise-slightly-less", wn_update=late("FA + WN", "angle_update"),
                        layerwise_update=late("FA + layer-wise norm", "angle_update"), rests_on=on),
        claims.evaluate("A-fig6ef-width-100-less", **angles("FA", "FA, width 100"), rests_on=on),
        claims.evaluate("A-fig6ef-wn-width-100", **angles("FA, width 100", "FA + WN, width 100"), rests_on=on),
        claims.evaluate("A-fig6h-wn-fa-error", fa=final_err["FA"], fa_wn=final_err["FA + WN"], rests_on=on),
        claims.evaluate("A-fig6h-wn-bp-error", bp=final_err["BP"], bp_wn=final_err["BP + WN"], rests_on=on),
        claims.evaluate("A-fig6h-bp-lowest", final_error=final_err, rests_on=on),
        claims.evaluate("A-fig7ab-autocorrelation", acf_l=h["FA"]["acf_l"], acf_delta=h["FA"]["acf_delta"],
                        n_batches=P, rests_on=on),
        claims.evaluate("A-fig7c-t1-early", early=window_values("FA", "angle_t1", early_epochs),
                        late=window_values("FA", "angle_t1", late_epochs), rests_on=on),
        claims.evaluate("A-fig7c-t60-aligned", late=window_values("FA", "angle_tp", late_epochs), n_batches=P,
                        rests_on=on),
        claims.evaluate("A-fig7c-tsup-aligned", early=window_values("FA", "angle_tsup", early_epochs),
                        late=window_values("FA", "angle_tsup", late_epochs), rests_on=on),
        claims.evaluate("A-fig7cd-wn-improves", fa={k: a_ for k, (a_, _) in wn_gain.items()},
                        fa_wn={k: b_ for k, (_, b_) in wn_gain.items()}, rests_on=on),
    ]
h, epochs, P = H[dataset], DATA[dataset][0], int(H[dataset]["FA"]["n_batches"])  # back to the figures' data
half = late_epochs = slice(epochs // 2, None)
early_epochs = slice(0, max(1, min(250 // P, epochs // 2)))

print("Side by side, per dataset: final test error (%, mean ± SD), second-half ΔW_FA∠ΔW_BP and W∠Bᵀ "
      "(°, mean over layers and networks)")
print(f"{'condition':22s}" + "".join(f"{DATASET_LABELS.get(ds, ds)[:28]:>30s}" for ds in DATA))
for label in CONDITIONS:
    cells = []
    for ds in DATA:
        (m, sd), u, w = side_by_side[ds][label]
        cells.append(f"{m:5.1f} ± {sd:4.1f} | {u:5.1f}° | " + (f"{w:5.1f}°" if np.isfinite(w) else "   - "))
    print(f"{label:22s}" + "".join(f"{c:>30s}" for c in cells))
claims.report("05_deep_fa_with_wn", profile, outcomes)

# %% [markdown]
# ## MNIST and Fashion-MNIST side by side
#
# Per dataset (rows): the angle between FA's and BP's updates per layer over training, without WN
# (dashed) and with WN (solid), as in Fig 6B,D; and the test error of BP and FA with and without
# WN, as in Fig 6H (mean ± SEM over networks, against iterations so that the two datasets' epochs
# of 60 and 8 mini-batches line up). Angles are smoothed over 60 iterations, as in §4.7.

# %% tags=["hide-input"]
fig, axes = plt.subplots(len(DATA), 2, figsize=(10, 3.2 * len(DATA)), squeeze=False)
for row, ds in zip(axes, DATA):
    hd, n_ep = H[ds], DATA[ds][0]
    p_ds = int(hd["FA"]["n_batches"])
    for label, ls in (("FA", "--"), ("FA + WN", "-")):
        x = hd[label]["rec_iter"]
        mean = moving_average(hd[label]["angle_update_mean"], x, 60)  # §4.7: 60 iterations
        for i, l in enumerate(range(4)):
            row[0].plot(x, mean[:, i], ls=ls, color=LAYER_COLORS[l], lw=1.1,
                        label=f"ℓ = {l}" if ls == "-" else None)
    row[0].set(xlabel="iteration", ylabel=r"ΔW$_{\ell,\mathrm{FA}}$∠ΔW$_{\ell,\mathrm{BP}}$ (°)",
               title=f"{DATASET_LABELS.get(ds, ds)}: FA (dashed), FA + WN (solid)")
    row[0].legend(ncol=2, loc="upper right")
    k = np.arange(n_ep + 1) * p_ds
    for label, color, ls in (("BP", "0.15", "--"), ("BP + WN", "0.15", "-"), ("FA", "#d62728", "--"),
                             ("FA + WN", "#d62728", "-")):
        err = 100 - hd[label]["test_acc"]
        sem = err.std(-1, ddof=1) / np.sqrt(err.shape[-1]) if err.shape[-1] > 1 else 0 * k
        plotting.band(row[1], k, err.mean(-1), sem, label=label, color=color, ls=ls)
    row[1].set(xlabel="iteration", ylabel="test error (%)", ylim=(0, 100),
               title=f"{DATASET_LABELS.get(ds, ds)}: test error")
    row[1].legend(loc="upper right")
    for ax in row:
        ax.title.set_fontsize(9)
fig.tight_layout()

# %% [markdown]
# ## Discussion
#
# At the book profile, the qualitative picture of Figs 6-7 holds on the paper's digits (MNIST, our
# 8,000/2,000 split of its test set) and on Fashion-MNIST alike: FA's updates drift further from
# BP's in earlier layers; the last layer's weights keep growing while the early ones saturate;
# B-norm matching and, more strongly, neuron-wise WN bring both the weights and the updates closer
# to BP's, layer-wise normalization less; the alignment that survives after the first few hundred
# iterations comes from T^P and the higher-order terms, not from T¹. On MNIST the test errors are
# close to the paper's scale (BP 5%, FA 10%, FA + WN 6%; Fashion-MNIST: 14%, 19%, 16%).
#
# **Where the two datasets disagree** (the verdicts above, per dataset):
#
# - *Fig 7B, δ autocorrelated only at multiples of P*: reproduced on Fashion-MNIST (P = 60; mean
#   |ACF| 0.056 at other lags), not on MNIST (P = 8; 0.109 at other lags, just above the 0.1
#   threshold). Measured on the stored ACFs: on MNIST the extra correlation sits at short lags (mean
#   |ACF| 0.16 at lags below 2P, 0.08 beyond lag 100), on Fashion-MNIST it is flat (0.058 and
#   0.053). With 8 mini-batches an image returns every 8 iterations, so the network changes little
#   between returns and the lags next to a multiple of P are only a few iterations from one; the
#   paper's 60 mini-batches keep those lags far apart. This is a property of our 8,000-image split,
#   not evidence against the paper's MNIST claim.
# - *Fig 6E,F, width 100 without WN aligns less*: partly on Fashion-MNIST (one layer's ΔW angle does
#   not rise), reproduced on MNIST; *WN at width 100* the other way round: reproduced on
#   Fashion-MNIST, partly on MNIST (W₄∠B₄ᵀ rises by 0.4° with WN while every ΔW angle falls by
#   10-13°). Both are differences of a degree or less in one of eight per-layer comparisons.
# - *Fig 6H, WN raises BP's test error*: in both, but on MNIST not significantly (p = 0.17): BP + WN
#   collapses in some networks and not in others (50.7 ± 42.4%), where on Fashion-MNIST it
#   collapses in all five.
#
# Two results differ in degree from the paper's description, and the printed numbers above say by
# how much:
#
# - *BP + WN is unstable here.* With γ = 1 and η = 5e-4 on the summed loss, BP + WN first learns as
#   fast as BP, then its training accuracy *falls* for the rest of training: each BP step is large
#   compared with a weight vector of norm 1, and the projection back to the sphere does not damp
#   it. The paper reports only that WN raised BP's test error; here it wrecks BP. FA + WN, whose
#   updates are less aligned with the gradient, stays stable.
# - *Width 100 can stall.* With 10-hot codes the summed error has twice as many terms; the count of
#   networks ending below 50% (above) shows those that got stuck with most output neurons silent,
#   with and without WN. The angle statistics include them.
# - Under WN, T¹ is not aligned with Bᵀ even in the first iterations, while T⁶⁰ and T¹_sup are;
#   WN's gain in the alignment of ΔW_FA comes through T¹_sup, as the paper says.
#
# **Where we differ from the paper, and why.**
#
# - *Data.* MNIST's training set cannot be downloaded here, so the paper's digits are its official
#   test set split 8,000/2,000 (8 mini-batches per epoch, where the paper has 60), resized as the
#   authors' code resizes; Fashion-MNIST (60 mini-batches, resized with antialiasing) runs beside it.
#   Fashion-MNIST is harder for this small network, so its test errors are higher.
# - *Scale.* 5 networks per condition and 3000 iterations at the book profile (the paper: 10 and
#   6000): 50 epochs of Fashion-MNIST, 375 of our MNIST split; the statistics use the second half of
#   training.
# - *Learning rate.* η = 5e-4 (the authors' code and Supplementary Note 4), not the 0.005 of the
#   Methods text, which silences every output unit within the first epoch here (see the check
#   above).
# - *Statistics.* The paper shows traces (mean ± SEM of 10 networks) without tests; we summarize each
#   network by its second-half mean angle and compare conditions across networks with a rank-sum
#   test. Fig 7's "k < 250" and "T⁶⁰" refer to 60 mini-batches per epoch; the ci profile has fewer
#   mini-batches, so its windows and lags scale with it.
# - *Which layer in Fig 7C,D.* The paper does not say which layer it plots; we show all four
#   hidden-layer matrices that receive an FA error, ℓ = 1 … 4.
# - *B's normalization under WN.* §4.4 normalizes "every column of B_ℓ" (Paper A's B_ℓ is
#   n_{ℓ+1} × n_ℓ): the feedback weights arriving at each neuron of layer ℓ. We follow the text.
