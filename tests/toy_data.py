"""Small synthetic classification data shared by the tests (importable: pytest puts tests/ on
sys.path)."""

import torch

from fa_companion.data import TensorDataset


def toy_classes(n_features: int, n_train: int = 48, n_test: int = 20, seed: int = 0,
                n_classes: int = 3) -> TensorDataset:
    """``n_classes`` clusters in [0, 1]^n_features (random means plus uniform noise of width 0.2),
    classes in turn; seeded, so every call with the same arguments returns the same data."""
    gen = torch.Generator().manual_seed(seed)
    means = torch.rand(n_classes, n_features, generator=gen)

    def draw(n):
        y = torch.arange(n) % n_classes
        return (means[y] + 0.2 * torch.rand(n, n_features, generator=gen)).clamp(0, 1), y

    (xtr, ytr), (xte, yte) = draw(n_train), draw(n_test)
    return TensorDataset("toy", xtr, ytr, xte, yte, n_classes, "synthetic")
