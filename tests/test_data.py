"""Tests for fa_companion.data.

Real CIFAR/SVHN/STL-10/MNIST files are never needed: tiny fake files are written in the real
on-disk formats and read through torchvision's own dataset classes (only their md5 checks are
replaced by an existence check).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from fa_companion.data import datasets as data
from fa_companion.data.datasets import (
    DATASETS,
    TensorDataset,
    load_dataset,
    read_idx,
    resolve_device,
)
from fa_companion.tools import fakedata

RNG = np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _fresh_cache():
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def no_md5(monkeypatch):
    """torchvision checks md5 sums of real downloads; accept any existing file instead."""
    for module in fakedata.md5_checked_modules():
        monkeypatch.setattr(module, "check_integrity", fakedata.file_exists)


@pytest.fixture
def no_debian(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-such-debian-dir")


def as_uint8(x: torch.Tensor) -> np.ndarray:
    """Undo the /255 scaling exactly."""
    return (x * 255).round().to(torch.uint8).numpy()


def random_images(n: int, *shape: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, *shape), dtype=np.uint8)


def balanced_labels(n: int, num_classes: int = 10) -> np.ndarray:
    return RNG.permutation(np.arange(n) % num_classes).astype(np.uint8)


# --- fake files in the real formats ---------------------------------------------------------


def write_idx(path: Path, array: np.ndarray) -> None:
    fakedata.write_idx(path, np.asarray(array).astype(np.uint8))


def write_mnist_like(folder: Path, n_train: int, n_test: int, gz: bool) -> dict[str, np.ndarray]:
    arrays = {
        "train-images-idx3-ubyte": random_images(n_train, 28, 28),
        "train-labels-idx1-ubyte": balanced_labels(n_train),
        "t10k-images-idx3-ubyte": random_images(n_test, 28, 28),
        "t10k-labels-idx1-ubyte": balanced_labels(n_test),
    }
    for stem, array in arrays.items():
        write_idx(folder / (stem + (".gz" if gz else "")), array)
    return arrays


def write_pickle(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f)


# --- names, roots, devices ------------------------------------------------------------------


def test_unknown_name_lists_valid_names(tmp_path):
    with pytest.raises(ValueError) as err:
        load_dataset("imagenet", root=tmp_path)
    assert "'imagenet'" in str(err.value)
    for name in DATASETS:
        assert name in str(err.value)


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("FA_COMPANION_DATA", str(tmp_path / "env"))
    assert data.data_root() == tmp_path / "env"
    assert data.data_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("FA_COMPANION_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.data_root() == tmp_path / "home" / ".cache" / "fa_companion" / "data"


def test_resolve_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


# --- digits ---------------------------------------------------------------------------------


def test_digits_split_shapes_and_range():
    ds = load_dataset("digits", device="auto")
    assert isinstance(ds, TensorDataset)
    assert ds.x_train.shape == (1437, 1, 8, 8) and ds.x_test.shape == (360, 1, 8, 8)
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert ds.x_train.device == resolve_device("auto")
    assert ds.num_classes == 10 and ds.input_shape == (1, 8, 8) and ds.input_dim == 64
    assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
    # values are k/16 exactly
    assert torch.equal(ds.x_train * 16, (ds.x_train * 16).round())
    assert "scikit-learn" in ds.source
    # the fixed split is stratified: every class has 36 test images (+-1)
    counts = torch.bincount(ds.y_test, minlength=10)
    assert int(counts.min()) >= 35 and int(counts.max()) <= 37


def test_digits_split_is_fixed():
    a = load_dataset("digits")
    data.clear_cache()
    b = load_dataset("digits", seed=7)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)


def test_flat_is_a_view():
    ds = load_dataset("digits")
    flat = ds.flat()
    assert flat.x_train.shape == (1437, 64) and flat.x_test.shape == (360, 64)
    assert flat.x_train.data_ptr() == ds.x_train.data_ptr()
    assert flat.input_dim == 64 and flat.input_shape == (64,)
    assert torch.equal(flat.x_train[5], ds.x_train[5].reshape(-1))
    assert flat.to("cpu").x_train.shape == (1437, 64)


def test_loads_do_not_share_memory_with_the_cache():
    a = load_dataset("digits")
    a.x_train.add_(1.0)
    a.y_train.zero_()
    b = load_dataset("digits")
    assert float(b.x_train.max()) == 1.0 and int(b.y_train.max()) == 9


# --- subsets --------------------------------------------------------------------------------


def test_subset_deterministic_stratified():
    a = load_dataset("digits", n_train=200, n_test=50, seed=3)
    b = load_dataset("digits", n_train=200, n_test=50, seed=3)
    c = load_dataset("digits", n_train=200, n_test=50, seed=4)
    assert a.x_train.shape == (200, 1, 8, 8) and a.y_test.shape == (50,)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.x_train, c.x_train)
    assert torch.bincount(a.y_train, minlength=10).tolist() == [20] * 10
    counts = torch.bincount(a.y_test, minlength=10)
    assert int(counts.min()) == 5 and int(counts.max()) == 5


def test_subset_rows_are_rows_of_the_full_split():
    full = load_dataset("digits")
    sub = load_dataset("digits", n_train=97, seed=0)
    flat_full = full.x_train.flatten(1)
    for x, y in zip(sub.x_train.flatten(1), sub.y_train):
        matches = (flat_full == x).all(dim=1)
        assert bool(matches.any()) and y in full.y_train[matches]


def test_stratified_indices_without_replacement_and_proportional():
    y = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)[torch.randperm(100)]
    idx = data._stratified_indices(y, 11, torch.Generator().manual_seed(0))
    assert len(idx) == 11 and len(torch.unique(idx)) == 11
    assert torch.equal(idx, idx.sort().values)
    # exact quotas 5.5, 3.3, 2.2 -> largest remainder gives 6, 3, 2
    assert torch.bincount(y[idx], minlength=3).tolist() == [6, 3, 2]


def test_subset_of_full_size_is_the_full_split():
    full = load_dataset("digits")
    same = load_dataset("digits", n_train=1437, n_test=360, seed=9)
    assert torch.equal(full.x_train, same.x_train) and torch.equal(full.y_test, same.y_test)


@pytest.mark.parametrize(
    ("kwargs", "bad"), [({"n_train": 0}, "0"), ({"n_train": -5}, "-5"), ({"n_test": 361}, "361")]
)
def test_bad_subset_sizes(kwargs, bad):
    with pytest.raises(ValueError) as err:
        load_dataset("digits", **kwargs)
    message = str(err.value)
    assert bad in message and ("1..1437" in message or "1..360" in message)


def test_bad_resize():
    with pytest.raises(ValueError, match="resize=0"):
        load_dataset("digits", resize=0)


# --- fashion_mnist --------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_torchvision_layout(tmp_path, no_debian, gz):
    arrays = write_mnist_like(tmp_path / "FashionMNIST" / "raw", 30, 20, gz)
    ds = load_dataset("fashion_mnist", root=tmp_path)
    assert ds.x_train.shape == (30, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert np.array_equal(as_uint8(ds.x_train[:, 0]), arrays["train-images-idx3-ubyte"])
    assert np.array_equal(ds.y_test.numpy(), arrays["t10k-labels-idx1-ubyte"])
    assert ds.num_classes == 10 and "FashionMNIST" in ds.source


def test_fashion_mnist_env_root(tmp_path, no_debian, monkeypatch):
    write_mnist_like(tmp_path / "FashionMNIST" / "raw", 10, 10, gz=True)
    monkeypatch.setenv("FA_COMPANION_DATA", str(tmp_path))
    assert load_dataset("fashion_mnist").x_train.shape == (10, 1, 28, 28)


def test_fashion_mnist_missing_says_how_to_get_it(tmp_path, no_debian):
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("fashion_mnist", root=tmp_path)
    message = str(err.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "download=True" in message
    assert "FA_COMPANION_DATA" in message
    assert str(tmp_path) in message


def test_corrupt_idx_magic(tmp_path, no_debian):
    raw = tmp_path / "FashionMNIST" / "raw"
    write_mnist_like(raw, 10, 10, gz=False)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x08\x03" + bytes(100))
    with pytest.raises(ValueError, match="not an IDX file"):
        load_dataset("fashion_mnist", root=tmp_path)


def test_read_idx_validates_size_and_rank(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.arange(7, dtype=np.uint8))
    assert read_idx(path, 1).tolist() == list(range(7))
    with pytest.raises(ValueError, match="3 dimensions"):
        read_idx(path, 3)
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(ValueError, match=r"shape \(7,\)"):
        read_idx(path, 1)


@pytest.mark.skipif(
    not (data.DEBIAN_FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
    reason="Debian package dataset-fashion-mnist not installed",
)
def test_real_fashion_mnist_from_debian(tmp_path):
    ds = load_dataset("fashion_mnist", root=tmp_path)
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert ds.num_classes == 10 and "Debian" in ds.source
    assert torch.bincount(ds.y_train).tolist() == [6000] * 10
    assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
    small = load_dataset("fashion_mnist", root=tmp_path, n_train=1000, n_test=500, resize=15)
    assert small.x_train.shape == (1000, 1, 15, 15)
    assert torch.bincount(small.y_train).tolist() == [100] * 10


# --- torchvision datasets -------------------------------------------------------------------


def test_mnist(tmp_path):
    arrays = write_mnist_like(tmp_path / "MNIST" / "raw", 40, 20, gz=False)
    ds = load_dataset("mnist", root=tmp_path)
    images = arrays["train-images-idx3-ubyte"]
    assert ds.x_train.shape == (40, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert ds.x_train[3, 0, 5, 17] == images[3, 5, 17] / 255.0
    assert np.array_equal(as_uint8(ds.x_test[:, 0]), arrays["t10k-images-idx3-ubyte"])
    assert np.array_equal(ds.y_train.numpy(), arrays["train-labels-idx1-ubyte"])
    assert "MNIST" in ds.source


def test_mnist_resize_to_15(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_mnist_like(raw, 20, 10, gz=False)
    ones = np.full((10, 28, 28), 255, dtype=np.uint8)
    write_idx(raw / "t10k-images-idx3-ubyte", ones)
    ds = load_dataset("mnist", root=tmp_path, resize=15)
    assert ds.x_train.shape == (20, 1, 15, 15) and ds.input_dim == 225
    assert float(ds.x_train.min()) >= 0.0 and float(ds.x_train.max()) <= 1.0
    # a constant image stays constant under antialiased bilinear resampling
    assert torch.allclose(ds.x_test, torch.ones_like(ds.x_test))


def cifar_rows(images: np.ndarray) -> np.ndarray:
    """CIFAR's row layout: 1024 red, then 1024 green, then 1024 blue values, row-major."""
    return images.reshape(len(images), 3 * 32 * 32)


def test_cifar10(tmp_path, no_md5):
    folder = tmp_path / "cifar-10-batches-py"
    batches = [random_images(4, 3, 32, 32) for _ in range(5)]
    labels = [balanced_labels(4).tolist() for _ in range(5)]
    batches[1][2, 1, 7, 20] = 201  # batch 2, image 2, green, row 7, column 20
    for i, (images, ys) in enumerate(zip(batches, labels), start=1):
        write_pickle(folder / f"data_batch_{i}", {"data": cifar_rows(images), "labels": ys})
    test_images = random_images(6, 3, 32, 32)
    write_pickle(folder / "test_batch", {"data": cifar_rows(test_images), "labels": [9] * 6})
    write_pickle(folder / "batches.meta", {"label_names": [f"c{i}" for i in range(10)]})

    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_test.shape == (6, 3, 32, 32)
    assert ds.x_train.is_contiguous()
    assert ds.x_train[4 + 2, 1, 7, 20] == 201 / 255.0
    assert np.array_equal(as_uint8(ds.x_train), np.concatenate(batches))
    assert np.array_equal(as_uint8(ds.x_test), test_images)
    assert ds.y_train.tolist() == sum(labels, []) and ds.y_test.tolist() == [9] * 6
    assert ds.num_classes == 10 and ds.input_dim == 3072


def test_cifar100(tmp_path, no_md5):
    folder = tmp_path / "cifar-100-python"
    train, test = random_images(30, 3, 32, 32), random_images(10, 3, 32, 32)
    fine = (np.arange(30) * 3 % 100).tolist()
    for name, images, ys in (("train", train, fine), ("test", test, list(range(90, 100)))):
        write_pickle(
            folder / name,
            {"data": cifar_rows(images), "fine_labels": ys, "coarse_labels": [y // 5 for y in ys]},
        )
    write_pickle(folder / "meta", {"fine_label_names": [f"f{i}" for i in range(100)]})

    ds = load_dataset("cifar100", root=tmp_path)
    assert ds.num_classes == 100
    assert np.array_equal(as_uint8(ds.x_train), train)
    assert ds.y_train.tolist() == fine and ds.y_test.tolist() == list(range(90, 100))


def test_svhn_label_10_means_digit_0(tmp_path, no_md5):
    splits = {}
    for split, n in (("train", 12), ("test", 5)):
        images = random_images(n, 3, 32, 32)  # NCHW
        digits = np.arange(n) % 10
        stored = np.where(digits == 0, 10, digits).astype(np.uint8)[:, None]
        x_mat = np.ascontiguousarray(images.transpose(2, 3, 1, 0))  # (32, 32, 3, N)
        scipy.io.savemat(tmp_path / f"{split}_32x32.mat", {"X": x_mat, "y": stored})
        splits[split] = images, digits

    ds = load_dataset("svhn", root=tmp_path)
    assert ds.x_train.shape == (12, 3, 32, 32) and ds.x_test.shape == (5, 3, 32, 32)
    images, digits = splits["train"]
    assert ds.x_train[7, 2, 3, 30] == images[7, 2, 3, 30] / 255.0
    assert np.array_equal(as_uint8(ds.x_train), images)
    assert ds.y_train.tolist() == digits.tolist()
    assert ds.y_train[0] == 0 and ds.y_train[10] == 0
    assert ds.y_test.tolist() == splits["test"][1].tolist()


def test_stl10(tmp_path, no_md5):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    splits = {}
    for split, n in (("train", 10), ("test", 4)):
        images = random_images(n, 3, 96, 96)  # NCHW
        images[1, 0, 2, 90] = 77  # red, row 2, column 90
        labels = (np.arange(n) % 10 + 1).astype(np.uint8)  # STL labels are 1..10
        # STL stores each channel column-major
        (folder / f"{split}_X.bin").write_bytes(images.transpose(0, 1, 3, 2).tobytes())
        (folder / f"{split}_y.bin").write_bytes(labels.tobytes())
        splits[split] = images, labels
    (folder / "unlabeled_X.bin").write_bytes(b"")
    (folder / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)))

    ds = load_dataset("stl10", root=tmp_path)
    assert ds.x_train.shape == (10, 3, 96, 96) and ds.x_test.shape == (4, 3, 96, 96)
    assert ds.x_train[1, 0, 2, 90] == 77 / 255.0
    assert np.array_equal(as_uint8(ds.x_train), splits["train"][0])
    assert ds.y_train.tolist() == (splits["train"][1] - 1).tolist()
    assert ds.y_test.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("mnist", "MNIST"),
        ("cifar10", "cifar-10-batches-py"),
        ("cifar100", "cifar-100-python"),
        ("stl10", "stl10_binary"),
        ("svhn", ""),
    ],
)
def test_missing_torchvision_files(tmp_path, name, folder):
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(name, root=tmp_path)
    message = str(err.value)
    assert name in message and "download=True" in message
    assert str(tmp_path / folder) in message


def test_cache_reuses_loaded_arrays(tmp_path, no_debian):
    raw = tmp_path / "FashionMNIST" / "raw"
    write_mnist_like(raw, 10, 10, gz=True)
    first = load_dataset("fashion_mnist", root=tmp_path)
    for path in raw.iterdir():
        path.unlink()
    again = load_dataset("fashion_mnist", root=tmp_path, n_train=5)
    assert again.x_train.shape == (5, 1, 28, 28)
    assert torch.equal(again.x_test, first.x_test)


# --- MNIST from local IDX files and the mnist_t10k split (Paper A's digits) ----------------


@pytest.fixture
def no_shared_mnist(monkeypatch, tmp_path):
    """Hide the project's shared MNIST test set, so only the test's fake files are found."""
    monkeypatch.setattr(data, "_shared_mnist_dir", lambda: tmp_path / "no-shared-mnist")


@pytest.mark.parametrize("layout", ["MNIST/raw", "mnist"])
def test_mnist_from_local_gz_idx_files(tmp_path, no_shared_mnist, layout):
    arrays = write_mnist_like(tmp_path / layout, 30, 20, gz=True)
    ds = load_dataset("mnist", root=tmp_path)
    assert ds.x_train.shape == (30, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert np.array_equal(as_uint8(ds.x_train[:, 0]), arrays["train-images-idx3-ubyte"])
    assert np.array_equal(ds.y_test.numpy(), arrays["t10k-labels-idx1-ubyte"])
    assert "MNIST IDX files" in ds.source


def test_mnist_missing_names_every_way_to_provide_it(tmp_path, no_shared_mnist):
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("mnist", root=tmp_path)
    message = str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in message and "FA_COMPANION_DATA" in message
    assert "download=True" in message


def test_mnist_t10k_is_a_fixed_stratified_8000_2000_split(tmp_path, no_shared_mnist):
    images = random_images(10000, 28, 28)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 1000)
    np.random.default_rng(1).shuffle(labels)
    write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", labels)
    ds = load_dataset("mnist_t10k", root=tmp_path)
    assert ds.x_train.shape == (8000, 1, 28, 28) and ds.x_test.shape == (2000, 1, 28, 28)
    assert torch.bincount(ds.y_train).tolist() == [800] * 10  # stratified by class
    assert torch.bincount(ds.y_test).tolist() == [200] * 10
    # train and test are disjoint and together the whole test set
    both = np.concatenate([as_uint8(ds.x_train[:, 0]), as_uint8(ds.x_test[:, 0])])
    assert sorted(map(bytes, both)) == sorted(map(bytes, images))
    data.clear_cache()
    again = load_dataset("mnist_t10k", root=tmp_path)
    assert torch.equal(again.x_train, ds.x_train)  # the split is fixed (seed 0)
    # no split of the first 5,000 (NIST SD-3) from the last 5,000 (SD-1): both halves in each part
    first_half = {bytes(a) for a in images[:5000]}
    n_first = sum(bytes(a) in first_half for a in as_uint8(ds.x_test[:, 0]))
    assert 800 < n_first < 1200


def test_mnist_t10k_needs_only_the_test_files_and_says_which(tmp_path, no_shared_mnist):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_dataset("mnist_t10k", root=tmp_path)
    write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte", random_images(10, 28, 28))
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", balanced_labels(10))
    with pytest.raises(ValueError, match="expects the 10000 images"):
        load_dataset("mnist_t10k", root=tmp_path)


# --- resizing: antialiased (the book) and cv2's INTER_LINEAR (Paper A's authors' code) --------


def test_cv2_resize_halving_averages_2x2_blocks():
    # 4 -> 2: output centre (i + 0.5) * 2 - 0.5 = 2i + 0.5 lies midway between pixels 2i and 2i+1,
    # so bilinear interpolation without antialiasing is the mean of each 2x2 block
    x = torch.tensor([[10, 20, 30, 40], [50, 60, 70, 80], [1, 3, 5, 7], [9, 11, 13, 15]],
                     dtype=torch.uint8).view(1, 1, 4, 4)
    out = data.resize_images(x, 2, "cv2")
    assert out.dtype == torch.uint8
    assert out.view(2, 2).tolist() == [[35, 55], [6, 10]]  # (10+20+50+60)/4 = 35, ..., (5+7+13+15)/4 = 10


def test_cv2_resize_28_to_15_matches_the_hand_computed_bilinear_weights():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(28, 28)).astype(np.uint8)
    out = data.resize_images(torch.from_numpy(img).view(1, 1, 28, 28), 15, "cv2").view(15, 15).numpy()

    def coords(i):  # half-pixel centres, clamped at the border: cv2's INTER_LINEAR
        src = min(max((i + 0.5) * 28 / 15 - 0.5, 0.0), 27.0)
        lo = int(np.floor(src))
        return lo, min(lo + 1, 27), src - lo

    for i, j in [(0, 0), (3, 11), (7, 7), (14, 14), (9, 2)]:
        r0, r1, fr = coords(i)
        c0, c1, fc = coords(j)
        f = img.astype(float)
        value = ((1 - fr) * ((1 - fc) * f[r0, c0] + fc * f[r0, c1])
                 + fr * ((1 - fc) * f[r1, c0] + fc * f[r1, c1]))
        assert abs(int(out[i, j]) - value) <= 0.5 + 1e-9  # rounded to the nearest grey level


def test_cv2_resize_skips_what_antialiasing_averages():
    # a one-pixel-wide line at column 1: 28 -> 15 without antialiasing samples at half-pixel
    # centres; output column 0 samples source 0.5 * 28/15 - 0.5 = 13/30, so the line keeps weight
    # 13/30 there and nowhere else. Column 7 falls between samples 6.03 and 7.9: it keeps only
    # 1/30 + 1/10 of its weight, where antialiasing keeps about half of every stroke
    x = torch.zeros(1, 1, 28, 28)
    x[..., 1] = 1.0
    cv2_like = data.resize_images(x, 15, "cv2")
    assert torch.allclose(cv2_like.sum(-1), torch.full((1, 1, 15), 13 / 30), atol=1e-6)
    x7 = torch.zeros(1, 1, 28, 28)
    x7[..., 7] = 1.0
    assert torch.allclose(data.resize_images(x7, 15, "cv2").sum(-1), torch.full((1, 1, 15), 2 / 15), atol=1e-6)
    assert float(data.resize_images(x7, 15, "antialias").sum(-1).min()) > 0.4
    with pytest.raises(ValueError, match="valid methods"):
        data.resize_images(x, 15, "lanczos")
    with pytest.raises(ValueError, match="resize_method"):
        load_dataset("digits", resize=15, resize_method="nearest")


def test_load_dataset_cv2_resize_rounds_before_scaling(tmp_path, no_shared_mnist):
    arrays = write_mnist_like(tmp_path / "MNIST" / "raw", 20, 10, gz=False)
    ds = load_dataset("mnist", root=tmp_path, resize=15, resize_method="cv2")
    expected = data.resize_images(torch.from_numpy(arrays["t10k-images-idx3-ubyte"]).unsqueeze(1), 15, "cv2")
    assert torch.equal(ds.x_test, expected.float() / 255)


# --- fake datasets in the real formats (fa_companion.tools.fakedata, the paper-smoke run) ----


def test_fake_datasets_load_through_the_real_loaders(tmp_path, no_md5, no_debian, no_shared_mnist):
    from fa_companion.measure.robustness.cifar10c import load_cifar10c

    written = fakedata.write_fake_datasets(tmp_path, n_train=20, n_test=10)
    assert set(written) == set(fakedata.FAKE_DATASETS)
    shapes = {"mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32),
              "cifar100": (3, 32, 32), "svhn": (3, 32, 32), "stl10": (3, 96, 96)}
    for name, shape in shapes.items():
        ds = load_dataset(name, root=tmp_path)
        assert ds.x_train.shape == (20, *shape) and ds.x_test.shape == (10, *shape), name
        classes = 100 if name == "cifar100" else 10
        assert ds.num_classes == classes
        assert torch.bincount(ds.y_train, minlength=classes).max() <= -(-20 // classes), name
    assert set(load_dataset("svhn", root=tmp_path).y_train.tolist()) == set(range(10))  # 0 stored as 10
    cifar = load_dataset("cifar10", root=tmp_path)
    x, y = load_cifar10c(tmp_path / "CIFAR-10-C", "fog", 5)
    assert x.shape == (10, 3, 32, 32) and torch.equal(y, cifar.y_test)


def test_fake_datasets_refuse_unknown_names_and_cifar10_in_uneven_batches(tmp_path):
    with pytest.raises(ValueError, match="valid names: mnist"):
        fakedata.write_fake_datasets(tmp_path, ["imagenet"])
    with pytest.raises(ValueError, match="multiple of 5"):
        fakedata.write_fake_datasets(tmp_path, ["cifar10"], n_train=12)
    with pytest.raises(FileNotFoundError, match="write the fake cifar10 first"):
        fakedata.write_fake_datasets(tmp_path, ["cifar10c"])


def test_cifar10c_relative_folder_is_read_under_the_data_root(tmp_path, monkeypatch):
    from fa_companion.measure.robustness.cifar10c import cifar10c_folder, load_cifar10c

    monkeypatch.setenv("FA_COMPANION_DATA", str(tmp_path))
    assert cifar10c_folder("CIFAR-10-C") == tmp_path.resolve() / "CIFAR-10-C"
    assert cifar10c_folder(tmp_path / "x") == tmp_path / "x"
    with pytest.raises(FileNotFoundError, match="does not exist.*zenodo"):
        load_cifar10c("CIFAR-10-C", "fog", 1)
