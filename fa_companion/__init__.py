"""fa_companion: a tested PyTorch companion to two papers on learning without weight transport.

Paper A: RahmanSetayesh, Ghazizadeh, Marvasti, *Feedback alignment with weight normalization can
provide a biologically plausible mechanism for learning*.
Paper B: Cheon, Bae, Paik, *One-Time Soft Alignment Enables Resilient Learning without Weight
Transport* (initial feedback alignment, "IFA"; not Nøkland's indirect feedback alignment).

Convention used throughout the package (see ``book/notation.md``): column vectors as in Paper B,
``o = W h + b`` with ``W`` of shape ``(out, in)`` exactly like ``torch.nn.Linear.weight``; the
feedback matrix ``B`` is stored **shaped like W** (it is Paper B's ``B_lᵀ``), so feedback alignment
sends ``grad_out @ B`` to the layer's input where backpropagation sends ``grad_out @ W``.
"""

from __future__ import annotations

import os
import random
import sys


def _checkout_to_use() -> str | None:
    """The checkout whose package this process should use instead of this one, or None.

    A virtual environment shared by several checkouts holds an editable install of one of them;
    a kernel started in another checkout's ``book/`` (``papermill --cwd book``, Jupyter) would
    import that one and write its results there. When this package was found through such an
    install (its checkout is not on ``sys.path``: not ``PYTHONPATH``, not ``python -m`` from the
    root), the checkout given by ``$FA_COMPANION_ROOT``, else the one holding the current
    directory, is used instead, if it has an ``fa_companion`` package of its own.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    mine = os.path.dirname(here)
    on_path = {os.path.abspath(p or os.curdir) for p in sys.path}
    if mine in on_path or os.environ.get("FA_COMPANION_NO_REDIRECT"):
        return None
    start = os.environ.get("FA_COMPANION_ROOT") or os.getcwd()
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, "fa_companion", "__init__.py")
        if os.path.isfile(candidate) and os.path.isdir(os.path.join(folder, "book")):
            break
        parent = os.path.dirname(folder)
        if parent == folder or os.environ.get("FA_COMPANION_ROOT"):
            return None
        folder = parent
    if os.path.realpath(os.path.join(folder, "fa_companion")) == os.path.realpath(here):
        return None
    return folder


def _redirect(checkout: str) -> None:
    """Replace this module in ``sys.modules`` by ``checkout``'s ``fa_companion`` (the import
    statement then returns that one, and every submodule comes from there)."""
    import importlib.util

    package = os.path.join(checkout, "fa_companion")
    spec = importlib.util.spec_from_file_location(
        __name__, os.path.join(package, "__init__.py"), submodule_search_locations=[package]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[__name__] = module
    spec.loader.exec_module(module)


_checkout = _checkout_to_use()
if _checkout is not None:
    _redirect(_checkout)

__version__ = "0.1.0"

__all__ = ["__version__", "seed_everything", "resolve_device"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) generators in one call."""
    import numpy as np
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))


def resolve_device(device="auto"):
    """``"auto"`` → CUDA when available, else CPU; anything else goes through ``torch.device``."""
    import torch

    if isinstance(device, torch.device):
        return device
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'"
        ) from err
