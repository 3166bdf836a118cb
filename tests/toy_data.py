"""Small synthetic classification data shared by the tests (importable: pytest puts tests/ on
sys.path)."""

import torch

from fa_companion.data.datasets import TensorDataset


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


TOY_DEEP_SIZES = (12, 9, 8, 7, 9)
"""A small Paper A network: d = 4 weight layers; output 9 = 3 classes × 3-hot codes."""


def toy_deep_config(**changes):
    """A float64 :class:`fa_companion.deep.DeepConfig` for :data:`TOY_DEEP_SIZES` (2 epochs of
    batches of 16), with ``changes`` applied."""
    from fa_companion.nets.deep import DeepConfig

    base = dict(sizes=TOY_DEEP_SIZES, n_hot=3, n_classes=3, batch_size=16, epochs=2, dtype="float64",
                record_dense=5, record_every=1, init_sd=0.3, eval_batch=10)
    return DeepConfig(**{**base, **changes})


def toy_deep_data(**kwargs) -> TensorDataset:
    """:func:`toy_classes` with the input width of :data:`TOY_DEEP_SIZES`."""
    return toy_classes(TOY_DEEP_SIZES[0], **kwargs)
