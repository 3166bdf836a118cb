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
# # Other architectures and datasets
#
# *Paper B, Supplementary A.1.3–A.1.4; Fig S3, Fig S4, Tables S1–S2.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# Paper B {cite}`cheon2025ifa` checks that initial alignment helps beyond its MLP on CIFAR-10:
#
# 1. **Table S2, Fig S4.** The MLP on SVHN, CIFAR-10, CIFAR-100 and STL-10, trained until the test
#    accuracy has not improved for 10 epochs: BP > IFA 0° > IFA 30° > IFA 60° > FA on every dataset,
#    IFA 0° within 0.3-1.0 points of BP.
# 2. **Table S1, Fig S3.** Two CNNs on CIFAR-10 (a LeNet variant with 2 conv + 3 FC layers, an
#    AlexNet variant with 5 conv + 3 FC layers): IFA far above FA (+10.7 and +15.1 points) and closer
#    to BP.
#
# **What we run.** Datasets the paper used are not downloadable on the machine that builds this book.
# The **book profile** uses the real datasets available everywhere: Fashion-MNIST and scikit-learn's
# 8×8 digits for the MLP, Fashion-MNIST for the CNNs (a 10 000-image training subset, fewer networks,
# and the AlexNet variant at a quarter of its width: CNN training on 2 CPU cores is slow). The
# **paper profile** runs SVHN, CIFAR-10, CIFAR-100 and STL-10 through torchvision
# (`-p profile paper`). Every CNN layer, convolutions included, uses the rule: FA convolutions send
# the error through a fixed kernel B with `torch.nn.grad.conv2d_input` (`fa_companion.feedback`).

# %%
# %matplotlib inline
import numpy as np

import fa_companion
from fa_companion.ledger import claims, claims_paper_b
from fa_companion.figures import plotting
from fa_companion.training.experiments import cnn_config, ensemble_config, stored_ensemble
from fa_companion.nets.models import Member
from fa_companion.store.results import chapter_store
from fa_companion.measure.stats import mean_sd
from fa_companion.training.train import TrainConfig, early_stopping

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
mlp_datasets: "list[dataset]" = ["fashion_mnist", "digits"]
mlp_networks: "int[1]" = 3
mlp_max_epochs: "int[1]" = 60
patience: "int[1]" = 10
cnn_dataset: "dataset" = "fashion_mnist"
cnn_n_train: "int[1] or None" = 10000
cnn_n_test: "int[1] or None" = None  # None: the full test set
cnn_networks: "dict[choice[lenet, alexnet], int[1]]" = {"lenet": 3, "alexnet": 2}
cnn_width: "dict[choice[lenet, alexnet], positive]" = {"lenet": 1.0, "alexnet": 0.25}
cnn_lr: "dict[choice[lenet, alexnet], positive]" = {"lenet": 1e-3, "alexnet": 1e-4}
cnn_max_epochs: "dict[choice[lenet, alexnet], int[1]]" = {"lenet": 40, "alexnet": 25}
cnn_patience: "dict[choice[lenet, alexnet], int[1]]" = {"lenet": 10, "alexnet": 5}
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("13_architectures_and_datasets", globals())  # values at the profile, unless given with -p

# %%
store = chapter_store("13_architectures_and_datasets", profile)
MLP_CONDITIONS = {"BP": ("bp", None), "FA 90°": ("fa", None), "IFA 60°": ("ifa", 60.0),
                  "IFA 30°": ("ifa", 30.0), "IFA 0°": ("ifa", 0.0)}
CNN_CONDITIONS = {"BP": ("bp", None), "FA 90°": ("fa", None), "IFA 0°": ("ifa", 0.0)}
PAPER_S2 = claims_paper_b.PAPER_TABLE_S2  # Table S2, mean ± SD of 10 networks (%)
NAMES = {"fashion_mnist": "Fashion-MNIST", "digits": "digits (8×8)", "svhn": "SVHN",
         "cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "stl10": "STL-10", "lenet": "LeNet",
         "alexnet": "AlexNet"}  # display names in figure titles
PAPER_S1 = claims_paper_b.PAPER_TABLE_S1  # Table S1, CIFAR-10 (%)


def best_accuracy(h, patience):
    """Paper B's early-stopping score per network: the best test accuracy before the rule fires."""
    stop, best, _ = early_stopping(h["test_acc"], patience)
    return best, stop


def table(results, paper, conditions):
    """Rows: conditions; printed as ours (mean ± SD, epochs at stop) beside the paper's values."""
    for label in conditions:
        ours = "  ".join(f"{k}: {mean_sd(v[label][0])[0]:6.2f} ± {mean_sd(v[label][0])[1]:4.2f} "
                         f"(stop ≈ {np.mean(v[label][1]):.0f})" for k, v in results.items())
        theirs = "  ".join(f"{k}: {p[label][0]:.2f} ± {p[label][1]:.2f}" for k, p in paper.items())
        print(f"{label:8s} ours  {ours}\n{'':8s} paper {theirs}")


# %% [markdown]
# ## Table S2 and Fig S4: the MLP across datasets
#
# Paper B's MLP and optimizer (chapter 07), `mlp_networks` networks per condition, trained for at most
# `mlp_max_epochs` epochs and scored by the early-stopping rule of Table S2 (best test accuracy before
# `patience` epochs without improvement; the run stops once every network has met the rule).

# %%
mlp_cfg = TrainConfig(epochs=mlp_max_epochs, patience=patience)
mlp = {}
for ds in mlp_datasets:
    mlp[ds] = {}
    for label, (rule, theta) in MLP_CONDITIONS.items():
        members = [Member(rule, theta, s) for s in range(mlp_networks)]
        h = stored_ensemble(store, ensemble_config(members, dataset=ds, train=mlp_cfg), device=device,
                            name="mlp").arrays
        mlp[ds][label] = (*best_accuracy(h, patience), h)
table(mlp, PAPER_S2, MLP_CONDITIONS)
capped = {(ds, label): early_stopping(h["test_acc"], patience) for ds in mlp
          for label, (_, _, h) in mlp[ds].items()}
capped = {key: int((stop - at < patience).sum()) for key, (stop, _, at) in capped.items()}
print(f"networks still improving when the {mlp_max_epochs}-epoch cap ended them (scores are lower "
      "bounds): " + (", ".join(f"{label} on {ds} {n}/{mlp_networks}"
                               for (ds, label), n in capped.items() if n) or "none"))

# %% tags=["hide-input"]
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(len(mlp_datasets), 2, figsize=(8.5, 3.4 * len(mlp_datasets)),
                         gridspec_kw={"width_ratios": [2, 1]}, squeeze=False)
axes = axes.ravel()  # one row per dataset: legible at page width
for j, ds in enumerate(mlp_datasets):
    ax, bar = axes[2 * j], axes[2 * j + 1]
    for i, (label, (best, _, h)) in enumerate(mlp[ds].items()):
        acc = h["test_acc"]
        plotting.band(ax, np.arange(len(acc)), acc.mean(-1), acc.std(-1), label=label,
                      color=plotting.rule_color(label))
        bar.errorbar(i, best.mean(), yerr=best.std(ddof=1), fmt="o", color=plotting.rule_color(label),
                     capsize=3)
    ax.set(title=f"MLP on {NAMES.get(ds, ds)}", xlabel="epoch", ylabel="test accuracy (%)")
    lo = min(v[0].mean() - v[0].std(ddof=1) for v in mlp[ds].values())
    hi = max(v[0].mean() + v[0].std(ddof=1) for v in mlp[ds].values())
    bar.set(ylim=(lo - 0.5, min(100.0, hi + 0.5)), xlim=(-0.6, len(MLP_CONDITIONS) - 0.4),
            ylabel="best test accuracy (%)")
    bar.set_xticks(range(len(MLP_CONDITIONS)), list(MLP_CONDITIONS), rotation=60)
axes[0].legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# ## Table S1 and Fig S3: convolutional networks
#
# The LeNet and AlexNet variants of `fa_companion.models.CNN_ARCHS` with BP, FA and IFA (θ_init = 0°) in
# every layer; Adam (β₁ = 0.99, β₂ = 0.999) with weight decay 10⁻⁴. The paper says it used "learning rates
# of 0.001 and 0.0001" without saying which for which network; we use 10⁻³ for LeNet and 10⁻⁴ for
# AlexNet (`cnn_lr`). The curves of a condition end when all its networks have stopped: FA's
# AlexNet curves end at epoch 14, both FA networks stopped early by the patience rule.

# %%
cnn = {}
for arch in cnn_networks:
    cfg_train = TrainConfig(epochs=cnn_max_epochs[arch], lr=cnn_lr[arch], weight_decay=1e-4,
                            patience=cnn_patience[arch])
    cnn[arch] = {}
    for label, (rule, theta) in CNN_CONDITIONS.items():
        members = [Member(rule, theta, s) for s in range(cnn_networks[arch])]
        cfg = cnn_config(arch, members, width=cnn_width[arch], dataset=cnn_dataset,
                         n_train=cnn_n_train, n_test=cnn_n_test, train=cfg_train)
        h = stored_ensemble(store, cfg, device=device, name="cnn").arrays
        cnn[arch][label] = (*best_accuracy(h, cnn_patience[arch]), h)
    print(f"{arch}: width ×{cnn_width[arch]}, {cnn_networks[arch]} networks, lr {cnn_lr[arch]:g}, "
          f"≤ {cnn_max_epochs[arch]} epochs, patience {cnn_patience[arch]}, {cnn_n_train or 'all'} training images")
table(cnn, PAPER_S1, CNN_CONDITIONS)

# %% tags=["hide-input"]
fig, axes = plt.subplots(len(cnn), 2, figsize=(9, 3.0 * len(cnn)), squeeze=False)
axes = axes.ravel()  # one row per network: legible at page width
for j, (arch, res) in enumerate(cnn.items()):
    for label, (_, _, h) in res.items():
        for ax, key in zip(axes[2 * j: 2 * j + 2], ("train_acc", "test_acc")):
            y = h[key][1:] if key == "train_acc" else h[key]
            x = np.arange(len(h[key]))[-len(y):]
            plotting.band(ax, x, y.mean(-1), y.std(-1), label=label, color=plotting.rule_color(label))
            ax.set(title=f"{NAMES.get(arch, arch)}: {key.replace('_acc', '')}", xlabel="epoch",
                   ylabel="accuracy (%)")
axes[0].legend()
fig.tight_layout()

# %% [markdown]
# ## Verdicts
#
# With 2-3 networks per condition a rank-sum test cannot reach significance (its smallest two-sided p
# for 3 against 3 is 0.1), so a difference counts as resolved when the means differ by more than the
# sum of the two SDs.
#
# Verdicts that rest on runs short of the paper's protocol are **provisional** (counted apart in the
# verdict table): MLP networks that the 60-epoch cap ended before Table S2's stopping rule fired,
# CNNs stopped by a patience rule the paper does not apply to its CNNs, and the AlexNet-variant FA
# networks, which never trained (about 10 % until the rule stopped them), so the AlexNet IFA − FA gap
# measures a dead network, not FA. Rerunning to protocol (FA's Fashion-MNIST MLPs to their stopping
# rule, the AlexNet variant without early stopping) costs more CPU time than this book's budget.

# %%
mlp_best = {ds: {k: v[0] for k, v in res.items()} for ds, res in mlp.items()}
cnn_best = {arch: {k: v[0] for k, v in res.items()} for arch, res in cnn.items()}
# Runs short of the paper's protocol make a verdict provisional: MLP networks still improving when
# the epoch cap ended them (Table S2 trains until 10 epochs without improvement), CNN networks
# stopped by the patience rule (Table S1's CNNs have no early stopping in the paper) and CNNs
# that never trained (best test accuracy below twice chance).
s2_short = ", ".join(f"{label} on {ds} {n}/{mlp_networks}" for (ds, label), n in capped.items() if n)
s1_stopped = ", ".join(f"{label} {arch} {int((stop < cnn_max_epochs[arch]).sum())}/{stop.size} "
                       f"(epochs {'/'.join(map(str, stop[stop < cnn_max_epochs[arch]]))})"
                       for arch, res in cnn.items() for label, (_, stop, _) in res.items()
                       if (stop < cnn_max_epochs[arch]).any())
s1_dead = ", ".join(f"{label} {arch} (best {best.mean():.0f}%)" for arch, res in cnn.items()
                    for label, (best, _, _) in res.items() if best.mean() < 20.0)
s2_provisional = (f"networks still improving at the {mlp_max_epochs}-epoch cap, before Table S2's "
                  f"stopping rule: {s2_short}") if s2_short else ""
s1_provisional = "; ".join(filter(None, [
    f"stopped by a patience rule the paper does not apply to its CNNs: {s1_stopped}" if s1_stopped else "",
    f"never trained: {s1_dead}" if s1_dead else ""]))
outcomes = []
if mlp:
    outcomes += [claims.evaluate("B-tableS2-order", best=mlp_best, provisional=s2_provisional),
                 claims.evaluate("B-tableS2-ifa-near-bp", best=mlp_best, provisional=s2_provisional)]
if cnn:
    outcomes += [claims.evaluate("B-tableS1-ifa-above-fa", best=cnn_best, provisional=s1_provisional),
                 claims.evaluate("B-tableS1-bp-above-ifa", best=cnn_best, provisional=s1_provisional)]
claims.report("13_architectures_and_datasets", profile, outcomes)

# %% [markdown]
# ## What we found
#
# At the book profile (numbers above): the MLP shows the paper's pattern in miniature. IFA 0° ends
# within 0.2 points of BP on both datasets (Fashion-MNIST 89.52 vs 89.68 %, digits 97.04 vs 97.22 %)
# while FA is 0.9 and 3.1 points below BP; the angles order FA < 60° < 30° < 0° on Fashion-MNIST, and
# on digits 30° and 0° are within noise of each other (SDs 0.4-0.7 points over 3 networks). FA's
# networks on both datasets, two of three IFA 60° networks on digits and single networks of IFA 60°
# and 30° on Fashion-MNIST and of IFA 30° and 0° on digits had not met the early-stopping rule
# after the 60-epoch cap (still improving slowly), so their scores are lower bounds. The CNNs show the effect far more strongly than the
# MLP: FA trains LeNet poorly and unstably (60 ± 8 %) and does not train the AlexNet variant at
# lr 10⁻⁴ at all (15 ± 7 %, stopped by the rule after ~12 epochs), whereas IFA 0° reaches 83.3 and
# 85.4 %, 3.1 and 1.7 points below BP. Compared with the paper's CIFAR-10 numbers our IFA − FA gaps
# are larger (+23 and +70 against +10.7 and +15.1 points) and our BP − IFA gaps smaller (3.1 and
# 1.7 against 5.8 and 7.6): on an easier dataset initial alignment recovers more of BP's accuracy.
# All four verdicts are provisional: the capped MLP runs and the early-stopped CNNs are short of the
# paper's protocol, and the AlexNet +70-point gap compares IFA with an FA network that never trained.
#
# ## Where we differ from the paper, and why
#
# The paper's datasets (SVHN, CIFAR-10/100, STL-10) need a download; the book uses Fashion-MNIST and
# digits, on which every rule reaches higher accuracies and the gaps are smaller. The CNN layouts are
# the classic LeNet-5 and CIFAR-style AlexNet (the paper gives only layer counts); the AlexNet variant
# runs at a quarter of its width on a 10 000-image subset with a shorter patience, and with 2-3
# networks instead of 10, to fit 2 CPU cores. Scores are the best test accuracy before the
# early-stopping rule fires (the paper does not say whether it reports that or the last epoch's).
