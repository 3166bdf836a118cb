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
# # Quickstart: your tensors, BP, FA and IFA
#
# The chapters run the papers' experiments through configs and a results store. To train on your
# own data, ten lines suffice: arrays in, an ensemble of networks trained by backpropagation (BP),
# feedback alignment (FA) and initial feedback alignment (IFA, Paper B's one-time soft alignment)
# out, with accuracies and the angles between each layer's weights and the feedback it used.
# The data here are scikit-learn's 8×8 digits (values 0-16), so the page runs in seconds.

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
epochs: "int[1]" = 15
seeds: "int[1]" = 3
device: "device" = "cpu"

# %%
from fa_companion.params import apply_profile

apply_profile("quickstart", globals())  # values at the profile, unless given with -p

# %% [markdown]
# `dataset_from_arrays` checks what it is given (dtype, pixel range, labels, lengths) and scales
# pixels to [0, 1]: the digits' full scale is 16, said with `max_value`. A model holds K members,
# trained at once; each `Member` names its rule and seed (the same seed gives BP, FA and IFA the
# same initial weights W₀; IFA starts with W₀ = B).

# %%
from sklearn.datasets import load_digits

from fa_companion.data import dataset_from_arrays
from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.training.train import TrainConfig, train

x, y = load_digits(return_X_y=True)
data = dataset_from_arrays(x[:1400], y[:1400], x[1400:], y[1400:], max_value=16)
members = [Member(rule, seed=s) for rule in ("bp", "fa", "ifa") for s in range(seeds)]
model = FeedbackMLP((64, 128, 10), members).to(device)
history = train(model, data.to(device), TrainConfig(epochs=epochs, batch_size=32, lr=1e-3),
                progress=False)

# %% [markdown]
# `history` holds one row per epoch (epoch 0 is the initialization): losses and accuracies per
# member, and per layer and member the angles between W and the feedback matrix the rule sends
# errors through (`angle_frob`, the Frobenius angle; BP's feedback is W itself, so 0°). The hidden
# layer's feedback (layer 1, 128 → 10) is the one that shapes learning.

# %%
labels = [m.label for m in members]
for label in dict.fromkeys(labels):
    k = [i for i, lab in enumerate(labels) if lab == label]
    acc = history["test_acc"][-1, k]
    start, end = history["angle_frob"][0, 1, k].mean(), history["angle_frob"][-1, 1, k].mean()
    print(f"{label:8s} test accuracy {acc.mean():3.0f}%   angle W-B layer 1: {start:3.0f}° → {end:3.0f}°")

# %% [markdown]
# FA starts at 90° (B drawn independently of W) and its weights turn towards B as it learns; IFA
# starts aligned. To run the same on a dataset by name from configs and the results store, or to
# add a learning rule, see {doc}`extending`.
