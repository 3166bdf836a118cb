"""Shared fixtures for the unit tests: tiny synthetic datasets and small helpers.

Everything is sized for a busy 2-core CPU: networks of a few dozen units, datasets of a few dozen
samples, a couple of epochs.
"""

from __future__ import annotations

import os

import pytest

# No progress bars anywhere under pytest, nbval's kernels included (they inherit this environment):
# a bar on stderr would be an unexpected output for nbval.
os.environ["TQDM_DISABLE"] = "1"
import torch

from fa_companion.data.datasets import TensorDataset

# Widths used by the training tests: input, two hidden layers, classes.
TINY_SIZES = (12, 10, 8, 3)


def make_tiny_dataset(
    n_train: int = 48, n_test: int = 24, dim: int = TINY_SIZES[0], classes: int = TINY_SIZES[-1],
    seed: int = 0, dtype: torch.dtype = torch.float32,
) -> TensorDataset:
    """A learnable synthetic classification problem: class-dependent Gaussian means."""
    gen = torch.Generator().manual_seed(seed)
    means = 2.0 * torch.randn(classes, dim, generator=gen, dtype=torch.float64)

    def draw(n):
        y = torch.arange(n) % classes
        x = means[y] + torch.randn(n, dim, generator=gen, dtype=torch.float64)
        return x.to(dtype), y

    x_train, y_train = draw(n_train)
    x_test, y_test = draw(n_test)
    return TensorDataset(
        name="tiny", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        num_classes=classes, source="synthetic (tests/conftest.py)",
    )


@pytest.fixture
def tiny_data() -> TensorDataset:
    return make_tiny_dataset()


@pytest.fixture
def tiny_data64() -> TensorDataset:
    return make_tiny_dataset(dtype=torch.float64)


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module of tiny networks: faster, and immune to a busy machine
    (use with ``pytestmark = pytest.mark.usefixtures("one_thread")``)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
