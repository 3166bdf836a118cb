"""Layer 2, data: datasets as device-resident tensors, loaded and registered by name.

:mod:`fa_companion.data.datasets` holds the loaders; this face re-exports its public names, so
``from fa_companion.data import load_dataset, register_dataset`` works.
"""

from .datasets import *  # noqa: F403
from .datasets import __all__  # noqa: F401


def __getattr__(name: str):
    # DATASETS is a live view of the registry: look it up at each access
    from . import datasets

    return getattr(datasets, name)
