"""Fake datasets written in the real on-disk formats, for smoke runs without the real data.

:func:`write_fake_datasets` writes small, learnable stand-ins (class-dependent mean images plus
noise, balanced labels) for the datasets of the paper profile, each exactly in the layout and file
format that :func:`fa_companion.data.datasets.load_dataset` (and through it torchvision) reads
from a data root:

- ``mnist``: ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` (IDX, gzip);
- ``fashion_mnist``: ``FashionMNIST/raw/`` with the same four IDX names;
- ``cifar10``: ``cifar-10-batches-py/data_batch_1`` … ``data_batch_5``, ``test_batch``,
  ``batches.meta`` (pickles; rows of 1024 red, 1024 green, 1024 blue values);
- ``cifar100``: ``cifar-100-python/train``, ``test``, ``meta`` (pickles; fine and coarse labels);
- ``svhn``: ``train_32x32.mat``, ``test_32x32.mat`` (MATLAB; ``X`` of shape (32, 32, 3, N), ``y``
  in 1..10 where 10 is the digit 0);
- ``stl10``: ``stl10_binary/{train,test}_X.bin`` (uint8, 96×96, each channel column-major),
  ``{train,test}_y.bin`` (labels 1..10), ``unlabeled_X.bin``, ``class_names.txt``;
- ``cifar10c``: ``CIFAR-10-C/<corruption>.npy`` (uint8 (5·n, 32, 32, 3), severity 1 first) and
  ``labels.npy``: the fake CIFAR-10 test set, perturbed (the layout of
  :mod:`fa_companion.measure.robustness.cifar10c`); needs ``cifar10``.

Command line (a data root to try the paper profile's pipeline on, see ``book/reproducing.md``)::

    python -m fa_companion.tools.fakedata DIR [--n-train 120] [--n-test 60] [names ...]

torchvision checks the MD5 sums of the CIFAR, SVHN and STL-10 files it reads; fake files never
match them, so a process that reads fake files calls :func:`accept_fake_files` first.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["FAKE_DATASETS", "accept_fake_files", "fake_split", "file_exists", "md5_checked_modules",
           "write_fake_datasets", "write_idx"]

FAKE_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "svhn", "stl10", "cifar10c")
"""What :func:`write_fake_datasets` can write (``cifar10c`` is CIFAR-10-C, needs ``cifar10``)."""

CIFAR10C_FOLDER = "CIFAR-10-C"
"""The folder the published CIFAR-10-C archive unpacks to."""

_SHAPES = {  # (channels, side, classes)
    "mnist": (1, 28, 10), "fashion_mnist": (1, 28, 10), "cifar10": (3, 32, 10),
    "cifar100": (3, 32, 100), "svhn": (3, 32, 10), "stl10": (3, 96, 10),
}
_IDX_FOLDERS = {"mnist": "MNIST/raw", "fashion_mnist": "FashionMNIST/raw"}
_CIFAR_BATCHES = 5


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write ``array`` (uint8, any rank) as an IDX file (gzip-compressed when ``path`` ends in
    ``.gz``), the format of MNIST and Fashion-MNIST."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"IDX files here hold uint8 values, got {array.dtype}")
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path


def _pickle(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def fake_split(n: int, channels: int, side: int, classes: int, rng: np.random.Generator,
               templates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` uint8 NCHW images and balanced labels in ``[0, classes)`` (shuffled): each image is its
    class's template plus noise, so that a network can learn something. Returns (images, labels,
    templates); pass ``templates`` back for the other split of the same dataset."""
    if templates is None:
        templates = rng.uniform(40, 215, size=(classes, channels, side, side))
    labels = rng.permutation(np.arange(n) % classes)
    noise = rng.normal(0.0, 40.0, size=(n, channels, side, side))
    images = np.clip(templates[labels] + noise, 0, 255).round().astype(np.uint8)
    return images, labels.astype(np.int64), templates


def _splits(name: str, n_train: int, n_test: int, rng: np.random.Generator):
    channels, side, classes = _SHAPES[name]
    x_train, y_train, templates = fake_split(n_train, channels, side, classes, rng)
    x_test, y_test, _ = fake_split(n_test, channels, side, classes, rng, templates)
    return x_train, y_train, x_test, y_test


def _write_idx_dataset(root: Path, name: str, n_train: int, n_test: int, rng) -> Path:
    folder = root / _IDX_FOLDERS[name]
    x_train, y_train, x_test, y_test = _splits(name, n_train, n_test, rng)
    for prefix, x, y in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", x[:, 0])
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", y.astype(np.uint8))
    return folder


def _cifar_rows(images: np.ndarray) -> np.ndarray:
    """CIFAR's row layout: 1024 red, then 1024 green, then 1024 blue values, row-major."""
    return images.reshape(len(images), -1)


def _write_cifar10(root: Path, n_train: int, n_test: int, rng) -> Path:
    if n_train % _CIFAR_BATCHES:
        raise ValueError(f"cifar10: n_train={n_train} must be a multiple of {_CIFAR_BATCHES} "
                         "(CIFAR-10 stores its training set in five equal batches)")
    folder = root / "cifar-10-batches-py"
    x_train, y_train, x_test, y_test = _splits("cifar10", n_train, n_test, rng)
    size = n_train // _CIFAR_BATCHES
    for i in range(_CIFAR_BATCHES):
        part = slice(i * size, (i + 1) * size)
        _pickle(folder / f"data_batch_{i + 1}",
                {"data": _cifar_rows(x_train[part]), "labels": y_train[part].tolist()})
    _pickle(folder / "test_batch", {"data": _cifar_rows(x_test), "labels": y_test.tolist()})
    _pickle(folder / "batches.meta", {"label_names": [f"class{i}" for i in range(10)]})
    return folder


def _write_cifar100(root: Path, n_train: int, n_test: int, rng) -> Path:
    folder = root / "cifar-100-python"
    x_train, y_train, x_test, y_test = _splits("cifar100", n_train, n_test, rng)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        _pickle(folder / split, {"data": _cifar_rows(x), "fine_labels": y.tolist(),
                                 "coarse_labels": (y // 5).tolist()})
    _pickle(folder / "meta", {"fine_label_names": [f"fine{i}" for i in range(100)],
                              "coarse_label_names": [f"coarse{i}" for i in range(20)]})
    return folder


def _write_svhn(root: Path, n_train: int, n_test: int, rng) -> Path:
    import scipy.io

    x_train, y_train, x_test, y_test = _splits("svhn", n_train, n_test, rng)
    root.mkdir(parents=True, exist_ok=True)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        stored = np.where(y == 0, 10, y).astype(np.uint8)[:, None]  # SVHN writes the digit 0 as 10
        scipy.io.savemat(root / f"{split}_32x32.mat",
                         {"X": np.ascontiguousarray(x.transpose(2, 3, 1, 0)), "y": stored})
    return root


def _write_stl10(root: Path, n_train: int, n_test: int, rng) -> Path:
    folder = root / "stl10_binary"
    folder.mkdir(parents=True, exist_ok=True)
    x_train, y_train, x_test, y_test = _splits("stl10", n_train, n_test, rng)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        (folder / f"{split}_X.bin").write_bytes(x.transpose(0, 1, 3, 2).tobytes())  # column-major
        (folder / f"{split}_y.bin").write_bytes((y + 1).astype(np.uint8).tobytes())  # 1..10
    (folder / "unlabeled_X.bin").write_bytes(b"")
    (folder / "class_names.txt").write_text("\n".join(f"class{i}" for i in range(10)) + "\n")
    return folder


def _write_cifar10c(root: Path, rng) -> Path:
    """Every corruption of the fake CIFAR-10 test set (read back from ``root``), in order: the
    CIFAR-10-C layout, with a plain perturbation growing with the severity in place of each
    corruption (the files' format is what a smoke run checks, not the corruptions)."""
    from ..measure.robustness.cifar10c import N_SEVERITIES, save_cifar10c
    from ..measure.robustness.corruptions import CORRUPTIONS

    test = root / "cifar-10-batches-py" / "test_batch"
    if not test.is_file():
        raise FileNotFoundError(f"cifar10c: {test} is missing; write the fake cifar10 first")
    with open(test, "rb") as f:
        batch = pickle.load(f, encoding="latin1")
    images = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    labels = np.asarray(batch["labels"], dtype=np.uint8)
    folder = root / CIFAR10C_FOLDER
    for corruption in CORRUPTIONS:
        by_severity = [np.clip(images + rng.normal(0, 12.0 * s, images.shape), 0, 255).astype(np.uint8)
                       for s in range(1, N_SEVERITIES + 1)]
        save_cifar10c(folder, corruption, by_severity, labels)
    return folder


_WRITERS = {"cifar10": _write_cifar10, "cifar100": _write_cifar100, "svhn": _write_svhn,
            "stl10": _write_stl10}


def write_fake_datasets(root: str | Path, names: Iterable[str] = FAKE_DATASETS, *,
                        n_train: int = 120, n_test: int = 60, seed: int = 0) -> dict[str, Path]:
    """Write fake ``names`` (of :data:`FAKE_DATASETS`) under the data root ``root``, ``n_train``
    training and ``n_test`` test images each (balanced classes; CIFAR-10-C: ``n_test`` images per
    severity). Returns ``{name: folder written}``. Point ``$FA_COMPANION_DATA`` (or ``root=``) at
    ``root`` to load them, after :func:`accept_fake_files` in that process."""
    names = list(names)
    unknown = [n for n in names if n not in FAKE_DATASETS]
    if unknown:
        raise ValueError(f"unknown fake dataset(s) {unknown}; valid names: {', '.join(FAKE_DATASETS)}")
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train={n_train} and n_test={n_test} must be at least 1")
    root = Path(root)
    rng = np.random.default_rng(seed)
    written: dict[str, Path] = {}
    for name in [n for n in FAKE_DATASETS if n in names]:  # cifar10 before cifar10c
        if name in _IDX_FOLDERS:
            written[name] = _write_idx_dataset(root, name, n_train, n_test, rng)
        elif name == "cifar10c":
            written[name] = _write_cifar10c(root, rng)
        else:
            written[name] = _WRITERS[name](root, n_train, n_test, rng)
    return written


def file_exists(fpath, md5=None) -> bool:  # noqa: ARG001
    """torchvision's ``check_integrity`` without the MD5 sum: whether the file exists."""
    import os

    return os.path.isfile(fpath)


def md5_checked_modules() -> list:
    """The torchvision dataset modules whose ``check_integrity`` compares MD5 sums with the
    published files (CIFAR, SVHN, STL-10)."""
    import torchvision.datasets.cifar
    import torchvision.datasets.stl10
    import torchvision.datasets.svhn

    return [torchvision.datasets.cifar, torchvision.datasets.svhn, torchvision.datasets.stl10]


def accept_fake_files() -> None:
    """Make torchvision accept files whose MD5 sums differ from the published ones (fake files):
    its CIFAR, SVHN and STL-10 classes then only check that each file exists (for the rest of this
    process). For tests and smoke runs on fake data only; never needed for the real files."""
    for module in md5_checked_modules():
        module.check_integrity = file_exists


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fa_companion.tools.fakedata",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the data root to write into")
    parser.add_argument("names", nargs="*", default=list(FAKE_DATASETS),
                        help=f"datasets (default: all of {', '.join(FAKE_DATASETS)})")
    parser.add_argument("--n-train", type=int, default=120)
    parser.add_argument("--n-test", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        written = write_fake_datasets(args.root, args.names, n_train=args.n_train,
                                      n_test=args.n_test, seed=args.seed)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}")
        return 2
    for name, folder in written.items():
        print(f"{name:14s} {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
