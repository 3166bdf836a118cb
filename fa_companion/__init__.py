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
