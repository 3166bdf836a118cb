"""Datasets as tensors resident on a device.

Every loader returns a :class:`TensorDataset`: float32 images in ``[0, 1]`` with shape
``(N, C, H, W)`` and int64 labels, already on the requested device, so training loops index
mini-batches directly instead of going through a ``DataLoader``.

- ``fashion_mnist``: the book's default real dataset (Debian's ``dataset-fashion-mnist`` package,
  or torchvision's layout under the data root).
- ``digits``: scikit-learn's 8x8 digits, tiny and always available offline (ci profile).
- ``mnist``: Paper A's Figs 6-8 (resized to 15x15, no mean/std normalization): the four standard
  IDX files from a local folder, or torchvision's download.
- ``mnist_t10k``: where only MNIST's official *test* set is at hand (10,000 images), a fixed
  class-stratified split of it into 8,000 training and 2,000 test images (see
  ``_load_mnist_t10k``).
- ``cifar10``, ``cifar100``, ``svhn``, ``stl10``: Paper B's datasets, read through torchvision.

Full splits are cached per process as uint8 CPU tensors; subsets, resizing and the device move
are applied on every call.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np
import torch
import torch.nn.functional as F

from .. import resolve_device

__all__ = [
    "DATASETS",  # noqa: F822 (a live view, served by __getattr__)
    "DATASET_LABELS",
    "register_dataset",
    "dataset_from_arrays",
    "DEBIAN_FASHION_MNIST_DIR",
    "TensorDataset",
    "clear_cache",
    "data_root",
    "load_dataset",
    "read_idx",
    "resolve_device",
    "RESIZE_METHODS",
    "resize_images",
]

_BUILTIN_DATASETS = ("fashion_mnist", "digits", "mnist", "mnist_t10k", "cifar10", "cifar100", "svhn", "stl10")
"""The datasets shipped with the package; ``DATASETS`` (a live view) adds the registered ones."""

DATASET_LABELS = {"fashion_mnist": "Fashion-MNIST", "digits": "scikit-learn digits", "mnist": "MNIST",
                  "mnist_t10k": "MNIST (test set split 8k/2k)", "cifar10": "CIFAR-10",
                  "cifar100": "CIFAR-100", "svhn": "SVHN", "stl10": "STL-10"}
"""How figures, tables and the claims ledger name each dataset."""

DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package installs the four IDX gz files."""

RESIZE_METHODS = ("antialias", "cv2")
"""How :func:`load_dataset` resizes: ``"antialias"`` (bilinear with torch's antialiasing, the
book's default) or ``"cv2"`` (OpenCV's ``cv2.resize`` default, ``INTER_LINEAR``: bilinear at
half-pixel centres without antialiasing, rounded to integer grey levels; Paper A's authors'
code)."""

MNIST_T10K_SPLIT = (8000, 2000)
"""``mnist_t10k``: training and test sizes of the split of MNIST's official test set."""

DATA_ROOT_ENV = "FA_COMPANION_DATA"
DEFAULT_DATA_ROOT = Path("~/.cache/fa_companion/data")

_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_IDX_UINT8 = 0x08


@dataclasses.dataclass
class TensorDataset:
    """A train/test split held as tensors on one device.

    ``x_*`` are float32 in ``[0, 1]`` with shape ``(N, C, H, W)`` (``(N, C*H*W)`` after
    :meth:`flat`); ``y_*`` are int64 class indices in ``[0, num_classes)``.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    source: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input: ``(C, H, W)``, or ``(C*H*W,)`` after :meth:`flat`."""
        return tuple(self.x_train.shape[1:])

    @property
    def input_dim(self) -> int:
        """Number of input features, ``C*H*W``."""
        return math.prod(self.input_shape)

    def flat(self) -> TensorDataset:
        """The same data with inputs reshaped to ``(N, C*H*W)`` (a view of contiguous data)."""
        return dataclasses.replace(
            self, x_train=self.x_train.flatten(1), x_test=self.x_test.flatten(1)
        )

    def to(self, device: str | torch.device) -> TensorDataset:
        """The same data on ``device`` (``"auto"`` allowed, see :func:`resolve_device`)."""
        dev = resolve_device(device)
        return dataclasses.replace(
            self,
            x_train=self.x_train.to(dev),
            y_train=self.y_train.to(dev),
            x_test=self.x_test.to(dev),
            y_test=self.y_test.to(dev),
        )


@dataclasses.dataclass(frozen=True)
class _RawData:
    """A full dataset as loaded from disk: uint8 images ``(N, C, H, W)``, int64 labels."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    source: str
    max_value: float = 255.0  # pixel value that maps to 1.0

    def __post_init__(self) -> None:
        for split, x, y in (
            ("train", self.x_train, self.y_train),
            ("test", self.x_test, self.y_test),
        ):
            if x.dtype != torch.uint8 or x.ndim != 4 or y.ndim != 1 or len(x) != len(y):
                raise ValueError(
                    f"{self.source}: malformed {split} split: images {x.dtype} {tuple(x.shape)}, "
                    f"labels {tuple(y.shape)}"
                )
            if len(y) and not 0 <= int(y.min()) <= int(y.max()) < self.num_classes:
                raise ValueError(f"{self.source}: {split} labels outside [0, {self.num_classes})")


_CACHE: dict[tuple[str, Path], _RawData] = {}


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Return the data root: ``root``, else ``$FA_COMPANION_DATA``, else ``~/.cache/fa_companion/data``."""
    chosen = root if root is not None else os.environ.get(DATA_ROOT_ENV) or DEFAULT_DATA_ROOT
    return Path(chosen).expanduser().resolve()


def clear_cache() -> None:
    """Forget every dataset cached in this process."""
    _CACHE.clear()


def load_dataset(
    name: str,
    *,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device = "cpu",
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    resize: int | None = None,
    resize_method: str = "antialias",
    download: bool = False,
) -> TensorDataset:
    """Load dataset ``name`` (one of ``DATASETS``: the built-in datasets and the registered ones) as a :class:`TensorDataset` on ``device``.

    ``n_train`` / ``n_test`` draw a class-stratified subset without replacement, deterministic
    under ``seed`` and kept in the original order (``None``: the full split). ``resize`` resamples
    images to ``resize x resize`` by ``resize_method`` (one of :data:`RESIZE_METHODS`; see
    :func:`resize_images`), e.g. Paper A's 15x15 MNIST. ``download=True`` lets torchvision fetch
    missing files into the data root (see :func:`data_root`).
    """
    _check_dataset(name)
    if resize is not None and resize < 1:
        raise ValueError(f"resize={resize} must be a positive side length")
    if resize_method not in RESIZE_METHODS:
        raise ValueError(f"unknown resize_method {resize_method!r}; valid methods are {RESIZE_METHODS}")
    raw = _load_raw(name, data_root(root), download)
    dev = resolve_device(device)
    train = _subset(raw.x_train, raw.y_train, n_train, seed, "n_train")
    test = _subset(raw.x_test, raw.y_test, n_test, seed, "n_test")
    return TensorDataset(
        name=name,
        x_train=_to_unit_float(train[0], dev, raw.max_value, resize, resize_method),
        y_train=train[1].to(dev, copy=True),
        x_test=_to_unit_float(test[0], dev, raw.max_value, resize, resize_method),
        y_test=test[1].to(dev, copy=True),
        num_classes=raw.num_classes,
        source=raw.source,
    )


def _load_raw(name: str, root: Path, download: bool) -> _RawData:
    key = (name, root)
    if key not in _CACHE:
        _CACHE[key] = _LOADERS[name](root, download) if name in _LOADERS else _registered(name)
    return _CACHE[key]


def _subset(
    x: torch.Tensor, y: torch.Tensor, n: int | None, seed: int, arg: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(x, y)`` restricted to a stratified random subset of size ``n`` (all if None)."""
    if n is None:
        return x, y
    if not 1 <= n <= len(y):
        raise ValueError(f"{arg}={n} is out of range; valid range is 1..{len(y)}")
    idx = _stratified_indices(y, n, torch.Generator().manual_seed(seed))
    return x[idx], y[idx]


def _stratified_indices(y: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """Sorted indices of ``n`` samples, each class represented in proportion to its frequency.

    Class quotas follow the largest-remainder rule; within a class, samples are drawn uniformly
    without replacement.
    """
    classes, counts = torch.unique(y, return_counts=True)
    exact = counts.double() * n / len(y)
    quota = exact.floor().long()
    shortfall = n - int(quota.sum())
    largest_remainders = torch.argsort(exact - quota, descending=True, stable=True)
    quota[largest_remainders[:shortfall]] += 1
    perm = torch.randperm(len(y), generator=generator)
    shuffled = y[perm]
    chosen = [perm[shuffled == c][:q] for c, q in zip(classes.tolist(), quota.tolist())]
    return torch.cat(chosen).sort().values


def _to_unit_float(
    x: torch.Tensor, device: torch.device, max_value: float, resize: int | None,
    resize_method: str = "antialias",
) -> torch.Tensor:
    """uint8 images -> float32 in ``[0, 1]`` on ``device``, optionally resized to a square."""
    if resize is not None and resize_method == "cv2":
        return resize_images(x.to(device), resize, "cv2").float().div_(max_value)
    out = x.to(device).float().div_(max_value)
    if resize is None:
        return out
    return resize_images(out, resize, "antialias")


def resize_images(x: torch.Tensor, size: int, method: str = "antialias") -> torch.Tensor:
    """Resample images ``(N, C, H, W)`` to ``size x size`` by ``method`` (:data:`RESIZE_METHODS`).

    - ``"antialias"``: float bilinear with torch's antialiasing filter (a triangle filter widened
      by the downscaling factor), clamped to ``[0, 1]``; input in ``[0, 1]``.
    - ``"cv2"``: what ``cv2.resize(img, (size, size))`` does with its default ``INTER_LINEAR``, as
      in Paper A's authors' MNIST loading: each output pixel is the bilinear interpolation of the
      2x2 input pixels around its centre mapped back at half-pixel offsets,
      ``src = (dst + 0.5) * H / size - 0.5`` (clamped at the border), with no antialiasing, so
      that downscaling 28 -> 15 skips part of every stroke. A uint8 input gives uint8 output
      rounded to the nearest grey level as OpenCV's fixed-point path does (which can differ from
      exact rounding by one level on rare pixels); a float input stays float.
    """
    if method not in RESIZE_METHODS:
        raise ValueError(f"unknown resize method {method!r}; valid methods are {RESIZE_METHODS}")
    if method == "antialias":
        out = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True)
        return out.clamp_(0.0, 1.0)
    out = F.interpolate(x.float(), size=(size, size), mode="bilinear", align_corners=False,
                        antialias=False)
    if x.dtype == torch.uint8:
        return out.add_(0.5).floor_().clamp_(0, 255).to(torch.uint8)
    return out


# --- IDX files (Fashion-MNIST) -------------------------------------------------------------


def read_idx(path: str | os.PathLike[str], ndim: int) -> np.ndarray:
    """Read a uint8 IDX file (gzipped if the name ends in ``.gz``) with ``ndim`` dimensions.

    Returns a writable ``np.uint8`` array; raises ``ValueError`` on a bad magic number, an
    unexpected type or rank, or a size that disagrees with the header.
    """
    path = Path(path)
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = bytearray(f.read())
    magic = bytes(raw[:4])
    if len(magic) < 4 or magic[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file (magic number {magic.hex() or 'missing'})")
    if magic[2] != _IDX_UINT8 or magic[3] != ndim:
        raise ValueError(
            f"{path}: expected uint8 IDX data with {ndim} dimensions, found type code "
            f"0x{magic[2]:02x} with {magic[3]} dimensions"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if len(raw) != header + math.prod(shape):
        raise ValueError(
            f"{path}: header says shape {shape} ({header + math.prod(shape)} bytes), "
            f"file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find_idx_files(folder: Path) -> list[Path] | None:
    """The four Fashion-MNIST IDX files in ``folder`` (gz preferred), or None if any is missing."""
    return _find_files(folder, _IDX_FILES)


def _fashion_mnist_missing(root: Path, reason: str = "") -> FileNotFoundError:
    folders = f"{DEBIAN_FASHION_MNIST_DIR} and {root / 'FashionMNIST' / 'raw'}"
    return FileNotFoundError(
        f"Fashion-MNIST not found: looked for {', '.join(f + '[.gz]' for f in _IDX_FILES)} in "
        f"{folders}.{' ' + reason if reason else ''} Get it either with "
        "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or with "
        "load_dataset('fashion_mnist', download=True) on a machine with internet, which "
        f"downloads it through torchvision into {root}. The data root is the `root` argument, "
        f"else ${DATA_ROOT_ENV}, else {DEFAULT_DATA_ROOT}."
    )


def _load_fashion_mnist(root: Path, download: bool) -> _RawData:
    """Fashion-MNIST (the book's default real dataset): 60000/10000 images, 1x28x28, 10 classes."""
    torchvision_dir = root / "FashionMNIST" / "raw"
    for folder, source in (
        (DEBIAN_FASHION_MNIST_DIR, f"Debian dataset-fashion-mnist ({DEBIAN_FASHION_MNIST_DIR})"),
        (torchvision_dir, f"torchvision FashionMNIST layout ({torchvision_dir})"),
    ):
        files = _find_idx_files(folder)
        if files is not None:
            return _raw_from_idx(files, source)
    if not download:
        raise _fashion_mnist_missing(root)
    from torchvision.datasets import FashionMNIST

    try:
        FashionMNIST(str(root), train=True, download=True)
    except (RuntimeError, URLError) as err:
        raise _fashion_mnist_missing(root, f"Download failed: {str(err).strip()}.") from err
    files = _find_idx_files(torchvision_dir)
    if files is None:
        raise _fashion_mnist_missing(root, "The download left incomplete files.")
    return _raw_from_idx(files, f"torchvision FashionMNIST download ({torchvision_dir})")


def _raw_from_idx(files: list[Path], source: str) -> _RawData:
    train_x, train_y, test_x, test_y = (
        torch.from_numpy(read_idx(path, ndim)) for path, ndim in zip(files, (3, 1, 3, 1))
    )
    return _RawData(
        x_train=train_x.unsqueeze(1),
        y_train=train_y.long(),
        x_test=test_x.unsqueeze(1),
        y_test=test_y.long(),
        num_classes=10,
        source=source,
    )


# --- MNIST from local IDX files (Paper A) -------------------------------------------------


def _shared_mnist_dir() -> Path:
    """``<checkout>/../shared/data/mnist``: the MNIST test set beside this project's checkout,
    where the project's machines keep it (absent in a fresh clone elsewhere)."""
    from ..store.results import repo_root

    return repo_root().parent / "shared" / "data" / "mnist"


def _mnist_folders(root: Path) -> list[Path]:
    """Where the MNIST IDX files are looked for, in order: torchvision's layout under the data
    root, ``<root>/mnist``, the data root itself, and the project's shared data folder."""
    return [root / "MNIST" / "raw", root / "mnist", root, _shared_mnist_dir()]


def _mnist_missing(root: Path, what: str, files: tuple[str, ...]) -> FileNotFoundError:
    folders = ", ".join(str(f) for f in _mnist_folders(root))
    return FileNotFoundError(
        f"{what} not found: looked for {', '.join(f + '[.gz]' for f in files)} in {folders}. "
        "Copy the IDX files (from http://yann.lecun.com/exdb/mnist/ or a mirror) into one of "
        f"those folders, set ${DATA_ROOT_ENV} (or pass root=) to the folder that holds them, or "
        "call load_dataset('mnist', download=True) on a machine with internet (torchvision "
        f"downloads into <root>/MNIST/raw). The data root is the `root` argument, else "
        f"${DATA_ROOT_ENV}, else {DEFAULT_DATA_ROOT}."
    )


def _find_files(folder: Path, stems: tuple[str, ...]) -> list[Path] | None:
    """``stems`` in ``folder`` (``.gz`` preferred), or None if any is missing."""
    found = []
    for stem in stems:
        candidates = [p for p in (folder / f"{stem}.gz", folder / stem) if p.is_file()]
        if not candidates:
            return None
        found.append(candidates[0])
    return found


def _load_mnist(root: Path, download: bool) -> _RawData:
    """MNIST's 60000/10000 images from the four standard IDX files in a local folder
    (:func:`_mnist_folders`), else through torchvision (``download=True`` fetches them)."""
    for folder in _mnist_folders(root):
        files = _find_files(folder, _IDX_FILES)
        if files is not None:
            return _raw_from_idx(files, f"MNIST IDX files ({folder})")
    if not download:
        raise _mnist_missing(root, "MNIST", _IDX_FILES)
    return _load_torchvision("mnist", root, download)


def _load_mnist_t10k(root: Path, download: bool) -> _RawData:
    """MNIST's official test set (t10k, 10,000 images) split into 8,000 training and 2,000 test
    images (:data:`MNIST_T10K_SPLIT`), for machines without MNIST's training set.

    The split is class-stratified and random under a fixed seed (0), not "first 8,000 / last
    2,000": the test set's first 5,000 images come from NIST's SD-3 (Census Bureau employees) and
    its last 5,000 from SD-1 (students, harder to read), so a contiguous split would test on one
    population of writers only. ``download`` is accepted for a uniform signature: torchvision's
    download brings the full dataset, for which use ``"mnist"``.
    """
    stems = _IDX_FILES[2:]
    for folder in _mnist_folders(root):
        files = _find_files(folder, stems)
        if files is not None:
            break
    else:
        raise _mnist_missing(root, "The MNIST test set (for mnist_t10k)", stems)
    x = torch.from_numpy(read_idx(files[0], 3)).unsqueeze(1)
    y = torch.from_numpy(read_idx(files[1], 1)).long()
    n_train, n_test = MNIST_T10K_SPLIT
    if len(y) != n_train + n_test:
        raise ValueError(f"{files[0]}: mnist_t10k expects the {n_train + n_test} images of MNIST's "
                         f"test set, found {len(y)}")
    train = _stratified_indices(y, n_train, torch.Generator().manual_seed(0))
    test = torch.ones(len(y), dtype=torch.bool)
    test[train] = False
    return _RawData(x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test],
                    num_classes=10,
                    source=f"MNIST test set ({files[0].parent}), stratified split 8000/2000 (seed 0)")


# --- scikit-learn digits -------------------------------------------------------------------


def _load_digits(root: Path, download: bool) -> _RawData:
    """scikit-learn's 8x8 digits (1797 images, values 0..16): fixed stratified 1437/360 split.

    Tiny and shipped with scikit-learn, so the ci profile always has a real dataset; ``root``
    and ``download`` are accepted for a uniform loader signature and ignored.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.images.astype(np.uint8)[:, None]
    x_tr, x_te, y_tr, y_te = train_test_split(
        images, digits.target, test_size=360, stratify=digits.target, random_state=0
    )
    return _RawData(
        x_train=torch.from_numpy(x_tr),
        y_train=torch.from_numpy(y_tr).long(),
        x_test=torch.from_numpy(x_te),
        y_test=torch.from_numpy(y_te).long(),
        num_classes=10,
        source="scikit-learn load_digits (UCI optical recognition of handwritten digits, 8x8)",
        max_value=16.0,
    )


# --- torchvision datasets (MNIST for Paper A; CIFAR, SVHN, STL-10 for Paper B) --------------


@dataclasses.dataclass(frozen=True)
class _TorchvisionSpec:
    cls_name: str
    folder: str  # where torchvision expects the files, relative to the data root
    train_kwargs: dict[str, Any]
    test_kwargs: dict[str, Any]
    label_attr: str
    num_classes: int
    channels_last: bool = False


_TORCHVISION = {
    "mnist": _TorchvisionSpec(
        "MNIST", "MNIST/raw", {"train": True}, {"train": False}, "targets", 10
    ),
    "cifar10": _TorchvisionSpec(
        "CIFAR10", "cifar-10-batches-py", {"train": True}, {"train": False}, "targets", 10, True
    ),
    "cifar100": _TorchvisionSpec(
        "CIFAR100", "cifar-100-python", {"train": True}, {"train": False}, "targets", 100, True
    ),
    "svhn": _TorchvisionSpec("SVHN", ".", {"split": "train"}, {"split": "test"}, "labels", 10),
    "stl10": _TorchvisionSpec(
        "STL10", "stl10_binary", {"split": "train"}, {"split": "test"}, "labels", 10
    ),
}


def _torchvision_missing(name: str, spec: _TorchvisionSpec, root: Path, err: Exception):
    """The error for a torchvision dataset missing from ``root``: every way to provide it."""
    folder = (root / spec.folder).resolve()
    env = os.environ.get(DATA_ROOT_ENV)
    said = str(err).strip().split(". You can use download=True")[0].rstrip(".")
    where = f"${DATA_ROOT_ENV}={env}" if env else f"${DATA_ROOT_ENV} unset, so {DEFAULT_DATA_ROOT}"
    return FileNotFoundError(
        f"{name}: no {spec.cls_name} data in {folder} (torchvision: {said}). The data root is "
        f"{root} ({where}). Provide it in one of three ways: "
        f"(1) point {DATA_ROOT_ENV} at a folder that already holds it in torchvision's layout, "
        f"i.e. <folder>/{spec.folder}/ as torchvision.datasets.{spec.cls_name} writes it "
        f"(export {DATA_ROOT_ENV}=/path/to/data); "
        f"(2) copy those files into {folder}; "
        f"(3) download it once, on a machine with internet, into the data root: "
        f"python -c \"from fa_companion.data import load_dataset; "
        f"load_dataset('{name}', download=True)\" (the chapters never download)."
    )


def _load_torchvision(name: str, root: Path, download: bool) -> _RawData:
    """Read both splits with torchvision's own class; convert its in-memory arrays to NCHW."""
    import torchvision.datasets

    spec = _TORCHVISION[name]
    cls = getattr(torchvision.datasets, spec.cls_name)
    folder = (root / spec.folder).resolve()
    splits = []
    for kwargs in (spec.train_kwargs, spec.test_kwargs):
        try:
            ds = cls(str(root), download=download, **kwargs)
        except (RuntimeError, URLError) as err:
            raise _torchvision_missing(name, spec, root, err) from err
        splits.append(_images_to_nchw(ds.data, spec.channels_last))
        splits.append(torch.as_tensor(np.asarray(getattr(ds, spec.label_attr)), dtype=torch.int64))
    return _RawData(
        *splits,
        num_classes=spec.num_classes,
        source=f"torchvision.datasets.{spec.cls_name} ({folder})",
    )


def _images_to_nchw(data: Any, channels_last: bool) -> torch.Tensor:
    """A torchvision ``.data`` array (NHW, NHWC or NCHW uint8) as a contiguous NCHW tensor."""
    x = torch.as_tensor(np.asarray(data))
    if x.ndim == 3:
        x = x.unsqueeze(1)
    elif channels_last:
        x = x.permute(0, 3, 1, 2)
    return x.contiguous()


_LOADERS: dict[str, Callable[[Path, bool], _RawData]] = {
    "fashion_mnist": _load_fashion_mnist,
    "digits": _load_digits,
    **{name: functools.partial(_load_torchvision, name) for name in _TORCHVISION},
    "mnist": _load_mnist,
    "mnist_t10k": _load_mnist_t10k,
}


# --------------------------------------------------------------------------------------------
# Datasets by name: register your own (issue 15)
# --------------------------------------------------------------------------------------------

_REGISTERED: dict[str, Callable[[], Any]] = {}


def __getattr__(name: str):
    if name == "DATASETS":  # a live view of the registry: the built-in names, then the registered
        from .. import load_plugins

        load_plugins()
        return _BUILTIN_DATASETS + tuple(_REGISTERED)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_dataset(name: str, loader: Callable[[], Any], *, label: str | None = None,
                     replace: bool = False) -> None:
    """Make ``name`` a dataset of :func:`load_dataset`, of configs, stores and chapters
    (``-p dataset name``).

    ``loader()`` (no arguments; called once per process, on first use) returns the full data: a
    :class:`TensorDataset`, a mapping with keys ``x_train, y_train, x_test, y_test`` and optionally
    ``num_classes``, ``source``, ``max_value``, or a tuple ``(x_train, y_train, x_test, y_test)``;
    tensors or NumPy arrays, checked as :func:`dataset_from_arrays` checks them. ``label`` names the
    dataset in figures and tables (:data:`DATASET_LABELS`; default ``name``). A chapter's kernel sees
    a registration made by a plugin module (see :func:`fa_companion.load_plugins`).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a dataset name must be an identifier, got {name!r}")
    if name in _BUILTIN_DATASETS or (name in _REGISTERED and not replace):
        raise ValueError(f"dataset {name!r} is already defined; pass replace=True to redefine a "
                         "registered one (built-in ones cannot be)")
    if not callable(loader):
        raise TypeError(f"loader must be callable, got {type(loader).__name__}")
    _REGISTERED[name] = loader
    DATASET_LABELS[name] = label or name
    for key in [k for k in _CACHE if k[0] == name]:
        del _CACHE[key]


def _check_dataset(name: str) -> None:
    if name in _BUILTIN_DATASETS or name in _REGISTERED:
        return
    from .. import load_plugins

    load_plugins()
    if name not in _REGISTERED:
        raise ValueError(f"unknown dataset {name!r}; valid names are {_BUILTIN_DATASETS + tuple(_REGISTERED)} "
                         "(add one with fa_companion.register_dataset, in a plugin module for chapters)")


def _registered(name: str) -> _RawData:
    out = _REGISTERED[name]()
    if isinstance(out, TensorDataset):
        parts = dict(x_train=out.x_train, y_train=out.y_train, x_test=out.x_test, y_test=out.y_test,
                     num_classes=out.num_classes, source=out.source)
    elif isinstance(out, dict):
        parts = dict(out)
    elif isinstance(out, (tuple, list)) and len(out) == 4:
        parts = dict(zip(("x_train", "y_train", "x_test", "y_test"), out))
    else:
        raise TypeError(f"dataset {name!r}: the loader returned {type(out).__name__}; return a "
                        "TensorDataset, a dict or (x_train, y_train, x_test, y_test)")
    parts.setdefault("source", f"registered dataset {name!r}")
    return _validated(name, **parts)


def _as_tensor(a: Any, what: str) -> torch.Tensor:
    try:
        return torch.as_tensor(np.asarray(a.cpu() if isinstance(a, torch.Tensor) else a))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what}: not an array ({type(a).__name__})") from err


def _validated(name: str, x_train, y_train, x_test, y_test, num_classes: int | None = None,
               source: str = "arrays", max_value: float | None = None) -> _RawData:
    """Check and convert arrays to the raw form :func:`load_dataset` subsets and scales."""
    xs = {"train": _as_tensor(x_train, f"{name}: x_train"), "test": _as_tensor(x_test, f"{name}: x_test")}
    ys = {"train": _as_tensor(y_train, f"{name}: y_train"), "test": _as_tensor(y_test, f"{name}: y_test")}
    for split in ("train", "test"):
        x, y = xs[split], ys[split]
        if x.dtype == torch.bool or x.is_complex() or not (x.is_floating_point() or x.dtype in (
                torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)):
            raise TypeError(f"{name}: x_{split} has dtype {x.dtype}; give uint8 pixels (0-255) or "
                            "floats in [0, 1]")
        if x.ndim not in (2, 3, 4) or len(x) == 0:
            raise ValueError(f"{name}: x_{split} of shape {tuple(x.shape)}; give (N, d), (N, H, W) or "
                             "(N, C, H, W) with N > 0")
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"{name}: {len(x)} {split} inputs but labels of shape {tuple(y.shape)}; "
                             "give one integer label per input")
        if y.is_floating_point():
            if not torch.equal(y, y.round()):
                raise TypeError(f"{name}: y_{split} holds non-integer labels; give class indices")
        elif y.dtype == torch.bool or y.is_complex():
            raise TypeError(f"{name}: y_{split} has dtype {y.dtype}; give integer class indices")
        ys[split] = y.long()
        xs[split] = x.reshape(len(x), 1, 1, -1) if x.ndim == 2 else x.unsqueeze(1) if x.ndim == 3 else x
    if xs["train"].shape[1:] != xs["test"].shape[1:]:
        raise ValueError(f"{name}: train inputs {tuple(xs['train'].shape[1:])} and test inputs "
                         f"{tuple(xs['test'].shape[1:])} differ in shape")
    if xs["train"].dtype != xs["test"].dtype:
        raise TypeError(f"{name}: x_train is {xs['train'].dtype} but x_test {xs['test'].dtype}")
    lo = min(int(ys[s].min()) for s in ys)
    hi = max(int(ys[s].max()) for s in ys)
    if num_classes is None:
        num_classes = hi + 1
    if lo < 0 or hi >= num_classes:
        raise ValueError(f"{name}: labels span [{lo}, {hi}], outside [0, {num_classes}) "
                         f"(num_classes={num_classes})")
    if num_classes < 2:
        raise ValueError(f"{name}: num_classes={num_classes}; a classification needs at least 2")
    xmin = min(float(xs[s].min()) for s in xs)
    xmax = max(float(xs[s].max()) for s in xs)
    if not (math.isfinite(xmin) and math.isfinite(xmax)):
        raise ValueError(f"{name}: inputs hold NaN or infinite values")
    if xs["train"].is_floating_point():
        scale = 1.0 if max_value is None else float(max_value)
        if xmin < 0 or xmax > scale * (1 + 1e-6):
            hint = (" They look like 0-255 pixels given as floats: pass uint8 arrays, divide by 255, "
                    "or pass max_value=255." if 1 < xmax <= 255 and xmin >= 0 else "")
            raise ValueError(f"{name}: float inputs span [{xmin:g}, {xmax:g}], outside [0, {scale:g}]; "
                             "inputs are pixel intensities scaled to [0, 1] (training on unscaled "
                             f"inputs fails silently, near chance).{hint}")
        xs = {s: x.float() for s, x in xs.items()}
    else:
        scale = 255.0 if max_value is None else float(max_value)
        if xmin < 0 or xmax > scale:
            raise ValueError(f"{name}: integer inputs span [{xmin:g}, {xmax:g}], outside [0, {scale:g}]")
        xs = {s: x.to(torch.uint8) if scale <= 255 else x.float() for s, x in xs.items()}
    return _ArrayData(xs["train"].contiguous(), ys["train"], xs["test"].contiguous(), ys["test"],
                      int(num_classes), source, scale)


@dataclasses.dataclass(frozen=True)
class _ArrayData:
    """A registered dataset as checked by :func:`_validated` (uint8 or float images ``(N, C, H, W)``,
    int64 labels); ``max_value`` maps to 1.0."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    source: str
    max_value: float = 255.0


def dataset_from_arrays(x_train, y_train, x_test, y_test, *, num_classes: int | None = None,
                        name: str = "arrays", source: str = "arrays", max_value: float | None = None,
                        device: str | torch.device = "cpu") -> TensorDataset:
    """A :class:`TensorDataset` from your own arrays (tensors or NumPy), checked.

    Inputs: uint8 (or integer) pixels in ``[0, 255]``, or floats already in ``[0, 1]`` (``max_value``
    sets another full scale: ``max_value=255`` divides floats by 255); shapes ``(N, d)``,
    ``(N, H, W)`` or ``(N, C, H, W)``, the same for both splits. Labels: integers in
    ``[0, num_classes)`` (default: the largest label + 1), one per input. Anything else raises,
    naming the problem; 0-255 pixels given as floats are an error, never a silent chance-level run.
    """
    raw = _validated(name, x_train, y_train, x_test, y_test, num_classes, source, max_value)
    dev = resolve_device(device)
    return TensorDataset(
        name=name,
        x_train=_to_unit_float(raw.x_train, dev, raw.max_value, None),
        y_train=raw.y_train.to(dev, copy=True),
        x_test=_to_unit_float(raw.x_test, dev, raw.max_value, None),
        y_test=raw.y_test.to(dev, copy=True),
        num_classes=raw.num_classes,
        source=raw.source,
    )
