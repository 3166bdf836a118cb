"""A plugin module as a user writes one: registers a dataset and a learning rule on import.

``FA_COMPANION_PLUGINS=fa_plugin_example`` (with this folder on ``PYTHONPATH``) makes both
known to ``python -m fa_companion.book execute ... -p dataset tiny_blobs`` and to papermill."""

import numpy as np
import torch

import fa_companion


def _blobs():
    rng = np.random.default_rng(0)
    centers = rng.normal(0.5, 0.2, (3, 16)).clip(0, 1)
    y = rng.integers(0, 3, 240)
    x = (centers[y] + rng.normal(0, 0.05, (240, 16))).clip(0, 1).astype(np.float32)
    return {"x_train": x[:180], "y_train": y[:180], "x_test": x[180:], "y_test": y[180:],
            "num_classes": 3, "source": "three Gaussian blobs (tests/plugins)"}


fa_companion.register_dataset("tiny_blobs", _blobs, label="tiny blobs", replace=True)
fa_companion.register_rule("sign_sym", lambda W, B, step: torch.sign(W) * B.abs(),
                           label="sign symmetry", replace=True)
