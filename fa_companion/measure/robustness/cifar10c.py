"""The published CIFAR-10-C layout (Hendrycks & Dietterich 2019), for users who have the files.

A CIFAR-10-C folder holds one ``<corruption>.npy`` per corruption, uint8 of shape
``(5·n, 32, 32, 3)``: the n = 10 000 CIFAR-10 test images corrupted at severity 1, then 2, …, 5,
stacked; and ``labels.npy``, the ``5·n`` labels (uint8) in the same order. Paper B §B.9 evaluates
on these files; this book, without them, builds the same corruptions with
:mod:`fa_companion.measure.robustness.corruptions` (and :func:`save_cifar10c` writes that layout).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .corruptions import CORRUPTIONS

__all__ = ["CIFAR10C_URL", "N_SEVERITIES", "cifar10c_folder", "load_cifar10c", "save_cifar10c"]

N_SEVERITIES = 5

CIFAR10C_URL = "https://zenodo.org/records/2535967"
"""Where the published CIFAR-10-C archive (``CIFAR-10-C.tar``) is distributed."""


def cifar10c_folder(path: str | os.PathLike[str]) -> Path:
    """The CIFAR-10-C folder ``path`` names: as given when absolute, else under the data root
    (:func:`fa_companion.data.datasets.data_root`: ``$FA_COMPANION_DATA`` or
    ``~/.cache/fa_companion/data``), so that the paper profile's ``cifar10c_dir: CIFAR-10-C`` finds
    the archive unpacked there."""
    from ...data.datasets import data_root

    path = Path(path).expanduser()
    return path if path.is_absolute() else data_root() / path


def _labels(root: Path, n_rows: int) -> np.ndarray:
    path = root / "labels.npy"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: a CIFAR-10-C folder holds labels.npy")
    labels = np.load(path, mmap_mode="r")
    if labels.ndim != 1 or len(labels) != n_rows:
        raise ValueError(
            f"{path}: expected {n_rows} labels (one per image row), got shape {labels.shape}"
        )
    return labels


def load_cifar10c(root: str | os.PathLike[str], corruption: str, severity: int | None = None, *,
                  device="cpu"):
    """Images and labels of one CIFAR-10-C corruption as torch tensors.

    Returns ``(x, y)``: float32 images in [0, 1] of shape ``(N, 3, H, W)`` and int64 labels; with
    ``severity`` in 1-5 the n images of that severity, with ``severity=None`` all 5·n rows in file
    order (severity 1 first). Files are memory-mapped, so one severity reads a fifth of the file.
    A relative ``root`` is read under the data root (:func:`cifar10c_folder`).
    """
    import torch

    from ... import resolve_device

    if corruption not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {corruption!r}; valid corruptions are {CORRUPTIONS}")
    if severity is not None and (isinstance(severity, bool) or severity not in range(1, 6)):
        raise ValueError(f"severity must be an int in 1..5 or None, got {severity!r}")
    root = cifar10c_folder(root)
    path = root / f"{corruption}.npy"
    if not path.is_file():
        where = "" if root.is_dir() else f" (the folder {root} does not exist)"
        raise FileNotFoundError(
            f"{path} is missing{where}: a CIFAR-10-C folder holds <corruption>.npy for the 15 "
            f"corruptions and labels.npy. Download CIFAR-10-C.tar from {CIFAR10C_URL}, unpack it "
            "under the data root ($FA_COMPANION_DATA) or give the folder's absolute path "
            "(-p cifar10c_dir /path/to/CIFAR-10-C); a relative path is read under the data root"
        )
    images = np.load(path, mmap_mode="r")
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"{path}: expected uint8 images of shape (5n, H, W, 3), got {images.dtype} "
            f"{images.shape}"
        )
    if len(images) % N_SEVERITIES:
        raise ValueError(f"{path}: {len(images)} rows is not {N_SEVERITIES} severities × n images")
    labels = _labels(root, len(images))
    n = len(images) // N_SEVERITIES
    rows = slice(None) if severity is None else slice((severity - 1) * n, severity * n)
    x = torch.from_numpy(np.array(images[rows])).permute(0, 3, 1, 2)  # a writable copy
    y = torch.from_numpy(np.asarray(labels[rows]).astype(np.int64))
    dev = resolve_device(device)
    return x.to(dev).float().div_(255.0), y.to(dev)


def save_cifar10c(root: str | os.PathLike[str], corruption: str, images_by_severity,
                  labels) -> Path:
    """Write one corruption in the CIFAR-10-C layout: ``images_by_severity`` is a sequence of five
    uint8 arrays ``(n, H, W, 3)`` (severity 1 … 5) and ``labels`` the n labels; ``labels.npy`` is
    written (or checked against the one already there). Returns the ``.npy`` path."""
    if corruption not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {corruption!r}; valid corruptions are {CORRUPTIONS}")
    parts = [np.asarray(a) for a in images_by_severity]
    if len(parts) != N_SEVERITIES:
        raise ValueError(f"expected {N_SEVERITIES} severities, got {len(parts)}")
    shape = parts[0].shape
    for a in parts:
        if a.dtype != np.uint8 or a.ndim != 4 or a.shape[-1] != 3 or a.shape != shape:
            raise ValueError(f"each severity must be uint8 (n, H, W, 3) of one shape, got "
                             f"{a.dtype} {a.shape}")
    labels = np.asarray(labels)
    if labels.shape != (shape[0],):
        raise ValueError(f"expected {shape[0]} labels, got shape {labels.shape}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    stacked_labels = np.tile(labels.astype(np.uint8), N_SEVERITIES)
    label_path = root / "labels.npy"
    if label_path.is_file():
        if not np.array_equal(np.load(label_path), stacked_labels):
            raise ValueError(f"{label_path} exists with other labels")
    else:
        np.save(label_path, stacked_labels)
    path = root / f"{corruption}.npy"
    np.save(path, np.concatenate(parts))
    return path
