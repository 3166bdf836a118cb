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
# # Extending the book: a learning rule and a dataset by name
#
# Two extension points are public: `register_rule` adds a learning rule, `register_dataset` a
# dataset, each under its own name, so that `Member(rule=...)`, configs, the results store,
# figures' legends and the chapters' `-p dataset ...` take them like the built-in ones. This page
# adds **sign symmetry** {cite}`liao2016important` (feedback through sign(W), the signs of the
# forward weights with magnitudes from B; no weight magnitudes are transported) and runs it beside
# BP, FA and IFA on scikit-learn's digits.

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
epochs: "int[1]" = 15
seeds: "int[1]" = 3
device: "device" = "cpu"

# %%
from fa_companion.params import apply_profile

apply_profile("extending", globals())  # values at the profile, unless given with -p

# %% [markdown]
# A rule is its feedback: a function of the layer's weights W, the feedback matrix B drawn at
# initialization and the optimizer step, returning the matrix the layer sends its errors through
# (shaped like W; stacked over the members using the rule). Angles are then measured against the
# feedback the rule actually used, not against the stored B.

# %%
import torch

import fa_companion

sign_symmetry = fa_companion.register_rule("sign_symmetry", lambda W, B, step: torch.sign(W) * B.abs(),
                                           label="sign symmetry", replace=True)

# %% [markdown]
# A dataset is a loader returning train and test arrays (a mapping, a tuple or a `TensorDataset`),
# called once per process on first use and checked like `dataset_from_arrays`. Here: the digits
# with a fixed split.

# %%
from sklearn.datasets import load_digits


def digits_by_name():
    x, y = load_digits(return_X_y=True)
    return {"x_train": x[:1400], "y_train": y[:1400], "x_test": x[1400:], "y_test": y[1400:],
            "max_value": 16, "source": "scikit-learn load_digits, first 1400 / last 397"}


fa_companion.register_dataset("digits_split", digits_by_name, label="digits (fixed split)",
                              replace=True)

# %% [markdown]
# Both names now go wherever the built-in ones go: a config for the results store, and the
# ensemble trained from it.

# %%
from fa_companion.nets.models import Member
from fa_companion.training.experiments import ensemble_config, run_ensemble
from fa_companion.training.train import TrainConfig

members = [Member(rule, seed=s) for rule in ("bp", "fa", "ifa", "sign_symmetry")
           for s in range(seeds)]
config = ensemble_config(members, dataset="digits_split", hidden=(128,),
                         train=TrainConfig(epochs=epochs, batch_size=32, lr=1e-3))
out = run_ensemble(config, device=device, progress=False)
print(out["summary"]["data_source"])
labels = out["summary"]["labels"]
for label in dict.fromkeys(labels):
    k = [i for i, lab in enumerate(labels) if lab == label]
    acc = out["arrays"]["test_acc"][-1, k]
    angle = out["arrays"]["angle_frob"][-1, 1, k]
    print(f"{label:14s} test accuracy {acc.mean():3.0f}%   angle to its own feedback (layer 1) {angle.mean():3.0f}°")

# %% [markdown]
# Sign symmetry's feedback shares W's signs, so its angle to W is well below FA's (about 90° at
# the start) without transporting any weight magnitude.
#
# **In the chapters.** A chapter runs in its own Jupyter kernel, so a registration made in your
# session does not reach it. Put the two registrations in a module (say `my_plugin.py`) and name
# it in the environment: the package imports it the first time it meets an unknown name.
#
# ```bash
# FA_COMPANION_PLUGINS=my_plugin PYTHONPATH=$PWD \
#     python -m fa_companion.book execute --profile ci 07 -p dataset digits_split
# ```
#
# The same variable reaches papermill, which starts the kernel with your environment. An
# installed package can instead declare its module as an entry point in the group
# `fa_companion.plugins` (`[project.entry-points."fa_companion.plugins"]` in its
# `pyproject.toml`).
