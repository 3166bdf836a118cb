"""Layer 2, data: datasets as device-resident tensors, loaded and registered by name.

:mod:`fa_companion.data.datasets` holds the loaders; this face re-exports its public names, so
``from fa_companion.data import load_dataset, register_dataset`` works.
"""

from . import datasets as _datasets

__all__ = list(_datasets.__all__)
globals().update({n: getattr(_datasets, n) for n in __all__ if n != "DATASETS"})


def __getattr__(name: str):
    return getattr(_datasets, name)  # DATASETS: a live view of the registry
