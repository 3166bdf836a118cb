"""CIFAR-10-C corruptions (Paper B §B.9) and the CIFAR-10-C file layout."""

from __future__ import annotations

import colorsys
import io
import shutil
import subprocess

import numpy as np
import pytest
import torch
from PIL import Image

from fa_companion.measure.robustness import cifar10c
from fa_companion.measure.robustness import corruptions as C


def _has_frost() -> bool:
    try:
        C.frost_texture_dir()
    except ModuleNotFoundError:
        return False
    return True


NAMES = [n if n != "frost" or _has_frost() else pytest.param(n, marks=pytest.mark.skip(
    reason="no package with the frost textures (pip install corrupt-tta)")) for n in C.CORRUPTIONS]

# corruptions whose parameters grow strictly (or weakly: motion blur's severity 3 → 4 only adds
# taps of weight e^(−13²/8)) more severe from severity 1 to 5 (FACTS.md table)
MONOTONE = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "motion_blur",
            "zoom_blur", "fog", "brightness", "contrast", "pixelate", "jpeg_compression")


def textured(n: int, c: int = 3, size: int = 32, seed: int = 0) -> np.ndarray:
    """Smooth random images with a flat square, on the 1/255 grid, in [0.1, 0.9]."""
    rng = np.random.default_rng(seed)
    x = C._gaussian(rng.random((n, c, size, size)), 1.0)
    x = (x - x.min(axis=(1, 2, 3), keepdims=True)) / np.ptp(x, axis=(1, 2, 3), keepdims=True)
    for i in range(n):
        r, s = rng.integers(4, size - 12, 2)
        x[i, :, r : r + 8, s : s + 8] = rng.random((c, 1, 1))
    return np.round((0.1 + 0.8 * x) * 255) / 255


def test_names_and_parameters():
    assert len(C.CORRUPTIONS) == 15 and len(set(C.CORRUPTIONS)) == 15
    assert set(C.SEVERITY_PARAMS) == set(C.CORRUPTIONS)
    assert all(len(v) == 5 for v in C.SEVERITY_PARAMS.values())
    assert [len(g) for g in C.CATEGORIES.values()] == [3, 4, 4, 4]
    # CIFAR's pixelate sizes int(32c) and zoom-blur counts (np.arange's round-off kept)
    assert [int(32 * c) for c in C.SEVERITY_PARAMS["pixelate"]] == [30, 28, 27, 24, 20]
    assert [len(np.arange(1, e, 0.01)) for e in C.SEVERITY_PARAMS["zoom_blur"]] == [7, 12, 16, 21, 26]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_shape_range_and_seed(name):
    gray = textured(3, c=1, size=28).astype(np.float32)
    rgb = textured(2, c=3, size=32)
    for x in (gray, rgb):
        a = C.corrupt(x, name, 3, seed=5)
        assert a.dtype == x.dtype and a.shape == x.shape
        assert a.min() >= 0 and a.max() <= 1
        np.testing.assert_array_equal(a, C.corrupt(x, name, 3, seed=5))
    t = torch.from_numpy(gray)
    out = C.corrupt(t, name, 2, seed=1)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and out.shape == t.shape
    np.testing.assert_array_equal(out.numpy(), C.corrupt(gray, name, 2, seed=1))
    # published files are uint8 (truncated): quantized RGB outputs lie on the 1/255 grid
    q = C.corrupt(rgb, name, 4, seed=2) * 255
    np.testing.assert_allclose(q, np.round(q), atol=1e-6)


@pytest.mark.parametrize("name", [n for n in C.CORRUPTIONS if n not in
                                  ("defocus_blur", "zoom_blur", "brightness", "contrast",
                                   "pixelate", "jpeg_compression")])
def test_random_corruptions_depend_on_seed(name):
    if name == "frost" and not _has_frost():
        pytest.skip("no frost textures")
    x = textured(4)
    assert not np.array_equal(C.corrupt(x, name, 3, seed=0), C.corrupt(x, name, 3, seed=1))


@pytest.mark.parametrize("name", MONOTONE)
def test_change_grows_with_severity(name):
    x = textured(16)
    change = [np.abs(C.corrupt(x, name, s, seed=1, quantize=False) - x).mean() for s in range(1, 6)]
    tol = 1e-6 if name == "motion_blur" else 0.0
    assert all(b > a - tol for a, b in zip(change, change[1:])), change
    assert change[-1] > 1.3 * change[0]


def test_gaussian_and_shot_noise_moments():
    x = np.full((200, 3, 32, 32), 0.5)
    n = x.size
    for s, sigma in enumerate(C.SEVERITY_PARAMS["gaussian_noise"], 1):
        d = C.corrupt(x, "gaussian_noise", s, seed=s, quantize=False) - x
        assert abs(d.mean()) < 4 * sigma / np.sqrt(n)
        assert abs(d.std() - sigma) < 4 * sigma / np.sqrt(2 * n)
    lam = C.SEVERITY_PARAMS["shot_noise"][4]
    y = C.corrupt(x, "shot_noise", 5, seed=0, quantize=False)
    np.testing.assert_allclose(y * lam, np.round(y * lam), atol=1e-9)  # Poisson counts / λ
    assert abs(y.mean() - 0.5) < 4 * np.sqrt(0.5 / lam / n)
    assert abs(y.var() / (0.5 / lam) - 1) < 4 * np.sqrt(2 / n)


def test_impulse_noise_rate():
    x = np.full((100, 3, 32, 32), 0.5)
    amount = C.SEVERITY_PARAMS["impulse_noise"][4]
    y = C.corrupt(x, "impulse_noise", 5, seed=0, quantize=False)
    hit = y != 0.5
    assert set(np.unique(y[hit])) <= {0.0, 1.0}
    assert abs(hit.mean() - amount) < 4 * np.sqrt(amount * (1 - amount) / x.size)
    assert abs((y == 1).sum() / hit.sum() - 0.5) < 4 * np.sqrt(0.25 / hit.sum())


def test_brightness_is_an_hsv_value_shift():
    rng = np.random.default_rng(0)
    x = np.round(rng.random((1, 3, 6, 6)) * 255) / 255
    x[0, :, 0, 0] = 0  # a black pixel: S = 0, becomes gray c
    c = C.SEVERITY_PARAMS["brightness"][2]
    y = C.corrupt(x, "brightness", 3, quantize=False)
    for i in range(6):
        for j in range(6):
            h, s, v = colorsys.rgb_to_hsv(*x[0, :, i, j])
            np.testing.assert_allclose(y[0, :, i, j], colorsys.hsv_to_rgb(h, s, min(v + c, 1)),
                                       atol=1e-12)


def test_contrast_keeps_channel_means():
    x = textured(3)
    y = C.corrupt(x, "contrast", 5, quantize=False)
    np.testing.assert_allclose(y.mean(axis=(2, 3)), x.mean(axis=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(y - y.mean(axis=(2, 3), keepdims=True),
                               0.15 * (x - x.mean(axis=(2, 3), keepdims=True)), atol=1e-12)


@pytest.mark.parametrize("name", ["defocus_blur", "zoom_blur", "motion_blur", "glass_blur"])
def test_blurs_keep_constant_images(name):
    x = np.full((2, 3, 32, 32), 100 / 255)
    np.testing.assert_allclose(C.corrupt(x, name, 5, quantize=False), x, atol=1e-12)


def test_motion_blur_kernel_is_imagemagicks():
    w, dy, dx = C.motion_blur_kernel(6, 1.0, np.array([0.0, 90.0, 45.0]))
    assert len(w) == 13 and abs(w.sum() - 1) < 1e-12
    np.testing.assert_allclose(w[1] / w[0], np.exp(-0.5))
    np.testing.assert_array_equal(dx[0], np.arange(13)) and np.testing.assert_array_equal(dy[0], 0)
    np.testing.assert_array_equal(dy[1], np.arange(13)) and np.testing.assert_array_equal(dx[1], 0)
    np.testing.assert_array_equal(dx[2], dy[2])
    # a point spreads against the offsets: out(y, x) = Σ w_i img(y, x + i) at angle 0
    img = np.zeros((1, 1, 32, 32))
    img[0, 0, 10, 20] = 1
    out = C._motion_blur_images(img, 6, 1.0, np.array([0.0]))
    np.testing.assert_allclose(out[0, 0, 10, 20 - np.arange(13)], w, atol=1e-15)
    assert abs(out.sum() - 1) < 1e-12


@pytest.mark.skipif(shutil.which("convert-im6.q16") is None and shutil.which("magick") is None,
                    reason="ImageMagick not installed (optional cross-check)")
def test_motion_blur_matches_imagemagick(tmp_path):
    exe = shutil.which("convert-im6.q16") or shutil.which("magick")
    x = textured(1)
    u8 = np.uint8(np.round(x[0] * 255)).transpose(1, 2, 0)
    Image.fromarray(u8).save(tmp_path / "in.png")
    for radius, sigma, angle in ((6, 1, 30.0), (9, 2.5, -40.0), (14, 12, -100.0)):
        subprocess.run([exe, str(tmp_path / "in.png"), "-motion-blur", f"{radius}x{sigma}{angle:+}",
                        str(tmp_path / "out.png")], check=True)
        ref = np.asarray(Image.open(tmp_path / "out.png").convert("RGB")).transpose(2, 0, 1)
        ours = C._motion_blur_images(u8.transpose(2, 0, 1)[None].astype(float), radius, sigma,
                                     np.array([angle]))[0]
        diff = np.abs(np.floor(ours + 1e-4) - ref)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.98


def test_glass_shuffle_gather_equals_the_sequential_loop():
    x = textured(5)
    a = C._glass_shuffle(x, 1, np.random.default_rng(3), vectorized=True)
    b = C._glass_shuffle(x, 1, np.random.default_rng(3), vectorized=False)
    np.testing.assert_array_equal(a, b)
    # the original's tuple "swap" of numpy views copies: values only come from up/left neighbours
    assert not np.array_equal(np.sort(a.reshape(5, 3, -1), -1), np.sort(x.reshape(5, 3, -1), -1))
    np.testing.assert_array_equal(a[:, :, :2], x[:, :, :2])  # rows 0-1 are never targets
    with pytest.raises(ValueError, match="delta"):
        C._glass_shuffle(x, 2, np.random.default_rng(0), vectorized=True)


def test_pixelate_and_jpeg_equal_pillow():
    x = textured(3)
    for s, c in enumerate(C.SEVERITY_PARAMS["pixelate"], 1):
        ours = C.corrupt(x, "pixelate", s, quantize=False)
        for i in range(3):
            im = Image.fromarray(np.uint8(np.round(x[i] * 255)).transpose(1, 2, 0))
            im = im.resize((int(32 * c),) * 2, Image.BOX).resize((32, 32), Image.BOX)
            np.testing.assert_array_equal(np.round(ours[i] * 255), np.asarray(im).transpose(2, 0, 1))
    q = C.SEVERITY_PARAMS["jpeg_compression"][4]
    ours = C.corrupt(x, "jpeg_compression", 5)
    for i in range(3):
        buf = io.BytesIO()
        Image.fromarray(np.uint8(np.round(x[i] * 255)).transpose(1, 2, 0)).save(buf, "JPEG", quality=q)
        ref = np.asarray(Image.open(buf)).transpose(2, 0, 1)
        np.testing.assert_array_equal(np.round(ours[i] * 255), ref)


def test_zoom_matrix_centre_and_rows():
    m = C._clipped_zoom_matrix(32, 1.0)
    np.testing.assert_allclose(m, np.eye(32), atol=1e-12)
    for z in (1.06, 1.25, 2.25):
        m = C._clipped_zoom_matrix(32, z)
        np.testing.assert_allclose(m.sum(1), 1, atol=1e-12)  # interpolation weights
        assert (m >= -1e-12).all()


def test_plasma_fractal_range_and_seed():
    p = C.plasma_fractal(4, 32, 2.0, np.random.default_rng(0))
    assert p.shape == (4, 32, 32)
    np.testing.assert_allclose(p.min(axis=(1, 2)), 0) and np.testing.assert_allclose(p.max(axis=(1, 2)), 1)
    np.testing.assert_array_equal(p, C.plasma_fractal(4, 32, 2.0, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="power of two"):
        C.plasma_fractal(1, 30)


def test_gray_goes_through_rgb_and_luma():
    g = textured(2, c=1, size=28)
    rgb = np.repeat(g, 3, axis=1)
    for name in ("defocus_blur", "gaussian_noise", "snow"):
        ours = C.corrupt(g, name, 4, seed=7)
        via_rgb = C.corrupt(rgb, name, 4, seed=7)
        np.testing.assert_allclose(ours[:, 0], np.tensordot(C.LUMA, via_rgb, axes=([0], [1])),
                                   atol=1e-12)


def test_canvas_pads_to_32_and_crops_back():
    x = textured(2, size=28)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for name in ("zoom_blur", "elastic_transform", "pixelate"):
        a = C.corrupt(x, name, 5, seed=3)
        b = C.corrupt(padded, name, 5, seed=3, canvas=None)[:, :, 2:30, 2:30]
        np.testing.assert_array_equal(a, b)
        c = C.corrupt(x, name, 5, seed=3, canvas=None)
        assert not np.array_equal(a, c)


def test_corrupt_in_batches_depends_only_on_seed_and_batch_size():
    x = textured(10).astype(np.float32)
    a = C.corrupt_in_batches(x, "shot_noise", 2, seed=4, batch_size=4)
    b = np.concatenate([C.corrupt_in_batches(x[:8], "shot_noise", 2, seed=4, batch_size=4),
                        C.corrupt_in_batches(x[8:], "shot_noise", 2, seed=4, batch_size=4)])
    np.testing.assert_array_equal(a[:8], b[:8])
    t = C.corrupt_in_batches(torch.from_numpy(x), "shot_noise", 2, seed=4, batch_size=4)
    np.testing.assert_array_equal(t.numpy(), a)


@pytest.mark.skipif(not _has_frost(), reason="no frost textures")
def test_frost_is_a_texture_blend():
    x = np.zeros((6, 3, 32, 32))
    a, b = C.SEVERITY_PARAMS["frost"][4]
    y = C.corrupt(x, "frost", 5, seed=0, quantize=False)
    assert y.max() <= b + 1e-12 and y.mean() > 0.1 * b  # b · texture on black
    assert C.frost_texture_dir().is_dir() and len(C._frost_textures()) == 5


def test_bad_arguments():
    x = textured(1)
    with pytest.raises(ValueError, match="unknown corruption"):
        C.corrupt(x, "spatter", 1)
    with pytest.raises(ValueError, match="severity"):
        C.corrupt(x, "fog", 6)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        C.corrupt(x[0], "fog", 1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        C.corrupt(x * 255, "fog", 1)
    with pytest.raises(ValueError, match="floating point"):
        C.corrupt((x * 255).astype(np.uint8), "fog", 1)


# ----- the CIFAR-10-C file layout ------------------------------------------------------------


def _fake_cifar10c(root, n=4, corruption="fog"):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5 * n, 32, 32, 3), dtype=np.uint8)
    labels = np.tile(rng.integers(0, 10, size=n, dtype=np.uint8), 5)
    np.save(root / f"{corruption}.npy", images)
    np.save(root / "labels.npy", labels)
    return images, labels


def test_load_cifar10c_layout(tmp_path):
    images, labels = _fake_cifar10c(tmp_path)
    x, y = cifar10c.load_cifar10c(tmp_path, "fog", 2)
    assert x.shape == (4, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    np.testing.assert_array_equal((x * 255).round().byte().permute(0, 2, 3, 1).numpy(), images[4:8])
    np.testing.assert_array_equal(y.numpy(), labels[4:8])
    x_all, y_all = cifar10c.load_cifar10c(tmp_path, "fog")
    assert x_all.shape == (20, 3, 32, 32) and len(y_all) == 20
    with pytest.raises(FileNotFoundError, match="snow.npy"):
        cifar10c.load_cifar10c(tmp_path, "snow", 1)
    with pytest.raises(ValueError, match="severity"):
        cifar10c.load_cifar10c(tmp_path, "fog", 0)
    np.save(tmp_path / "labels.npy", labels[:7])
    with pytest.raises(ValueError, match="20 labels"):
        cifar10c.load_cifar10c(tmp_path, "fog", 1)
    np.save(tmp_path / "fog.npy", images[:7])
    with pytest.raises(ValueError, match="severities"):
        cifar10c.load_cifar10c(tmp_path, "fog", 1)


def test_save_then_load_cifar10c(tmp_path):
    x = textured(3).astype(np.float32)
    labels = np.array([3, 1, 4])
    parts = [np.uint8(np.round(C.corrupt(x, "contrast", s) * 255)).transpose(0, 2, 3, 1)
             for s in range(1, 6)]
    cifar10c.save_cifar10c(tmp_path, "contrast", parts, labels)
    x3, y3 = cifar10c.load_cifar10c(tmp_path, "contrast", 3)
    np.testing.assert_allclose(x3.numpy(), C.corrupt(x, "contrast", 3), atol=1e-6)
    np.testing.assert_array_equal(y3.numpy(), labels)
    with pytest.raises(ValueError, match="other labels"):
        cifar10c.save_cifar10c(tmp_path, "fog", parts, labels[::-1])


def test_published_cifar10c_sets_replace_generated_ones(tmp_path, monkeypatch):
    import fa_companion.data.datasets as data
    from fa_companion.measure.robustness.experiments import _cifar10c_sets, corruption_config

    images, labels = _fake_cifar10c(tmp_path, n=4, corruption="snow")
    clean = torch.from_numpy(images[:4]).permute(0, 3, 1, 2).float() / 255  # stand-in test set
    fake = data.TensorDataset("cifar10", clean[:1], torch.zeros(1, dtype=torch.long), clean,
                              torch.from_numpy(labels[:4].astype(np.int64)), 10, "fake")
    monkeypatch.setattr(data, "load_dataset", lambda *a, **k: fake)
    cfg = corruption_config("snow", {"BP": {}}, dataset="cifar10", n_eval=3, n_test=None,
                            severities=(2, 5), cifar10c_dir=str(tmp_path))
    x, y, sets = _cifar10c_sets(cfg)
    assert x.shape == (3, 3, 32, 32) and len(sets) == 2
    np.testing.assert_allclose(sets[1] * 255, images[16:19].transpose(0, 3, 1, 2), atol=1e-4)
    with pytest.raises(ValueError, match="cifar10"):
        corruption_config("snow", {"BP": {}}, dataset="fashion_mnist", n_eval=3, n_test=None,
                          cifar10c_dir=str(tmp_path))
