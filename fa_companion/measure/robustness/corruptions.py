"""The 15 CIFAR-10-C corruptions at CIFAR-10-C's own severity parameters (Paper B §B.9, Fig 6a).

Hendrycks & Dietterich (2019) built CIFAR-10-C with a 32×32 version of their ImageNet-C script; its
parameters (those of the CIFAR-10-C generation script of Hendrycks and Dietterich) are 2-15× milder than
ImageNet-C's, which every maintained PyPI package uses. This module re-implements each corruption
from its definition with numpy/scipy/Pillow only (no OpenCV, scikit-image or ImageMagick at run
time) and vectorizes it over images:

- noise: ``gaussian_noise`` (x + N(0, σ²)), ``shot_noise`` (Poisson(λx)/λ), ``impulse_noise``
  (salt-and-pepper on a fraction of the values, each channel independently, as scikit-image's
  ``random_noise(mode="s&p")``);
- blur: ``defocus_blur`` (an anti-aliased disk), ``glass_blur`` (Gaussian blur, the original's
  local pixel shuffling, which copies rather than swaps, Gaussian blur again), ``motion_blur`` (a
  port of ImageMagick's
  ``MotionBlurImage`` kernel: a one-sided Gaussian of ``2⌈radius⌉+1`` taps along a random angle,
  edge pixels repeated; it matches ImageMagick 6.9 to the grey level),
  ``zoom_blur`` (the mean of the image and its centre zooms ``np.arange(1, e, 0.01)``, bilinear);
- weather: ``snow`` (a thresholded, zoomed, motion-blurred noise layer over a brightened image),
  ``frost`` (a random crop of one of the five frost textures, scaled ×0.2, read from an installed
  package: :func:`frost_texture_dir`), ``fog`` (a diamond-square plasma fractal on a 32×32 map),
  ``brightness`` (HSV value + c);
- digital: ``contrast`` (around the per-channel mean), ``elastic_transform`` (a random affine
  warp, then a smoothed random displacement field), ``pixelate`` (box down- and up-sampling),
  ``jpeg_compression`` (Pillow's JPEG at the given quality).

The deterministic building blocks were checked against the libraries the original script calls
(scikit-image ``filters.gaussian`` and ``rgb2hsv``/``hsv2rgb``, OpenCV ``GaussianBlur`` +
``filter2D``, ``warpAffine`` and ``resize``, SciPy ``zoom`` and ``map_coordinates``, Pillow's box
resize, ImageMagick 6.9's ``-motion-blur``) and the original's random procedures (plasma fractal,
glass blur's loop) were replayed with the same random numbers: equal to float precision, and to one
grey level for ImageMagick's motion blur (it truncates to uint8). The tests keep the checks that
need no OpenCV or scikit-image.

Every public corruption ``f(x, severity=1, *, seed=0, canvas=32, quantize=True)`` takes float
images in [0, 1] of shape ``(N, C, H, W)`` with C = 1 or 3 (a numpy array or a torch tensor, on any
device) and returns the same type, dtype, device and shape, in [0, 1]:

- **grayscale** (C = 1) images are corrupted through an RGB copy (the channel repeated three
  times) and converted back with the ITU-R 601 luma weights (0.299, 0.587, 0.114): the weights of
  Pillow's ``convert("L")`` and of the gray image CIFAR-10-C's own snow corruption uses. Corruptions
  that act on each channel independently (the three noises) are therefore weaker on grayscale
  images: Gaussian noise of σ becomes σ·√(Σw²) ≈ 0.67σ.
- **canvas**: CIFAR-10-C's parameters are in pixels of a 32×32 image. Smaller images (Fashion-MNIST
  is 28×28) are zero-padded to ``canvas``×``canvas`` (zero is Fashion-MNIST's background), corrupted
  there, and the centre cropped back, so every corruption acts at CIFAR's pixel scale and geometry
  (zoom centre, pixelation grid, fog map, frost crop). ``canvas=None`` corrupts at the given size.
- **quantize**: the published CIFAR-10-C files store ``np.uint8(255·x)``, i.e. truncation to the
  1/255 grid; ``quantize=True`` does the same (floor with a 10⁻⁴ grey-level tolerance for float
  round-off) before the gray conversion.
- **seed**: an int (or a ``numpy.random.Generator``); equal seeds give equal outputs. The random
  draws are made for the whole batch at once, so the same image corrupted in another batch gets
  another draw (:func:`corrupt_in_batches` fixes the batching).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

__all__ = [
    "CORRUPTIONS",
    "CATEGORIES",
    "SEVERITY_PARAMS",
    "CANVAS",
    "LUMA",
    "corrupt",
    "corrupt_in_batches",
    "frost_texture_dir",
    "motion_blur_kernel",
    "plasma_fractal",
    *(
        "gaussian_noise shot_noise impulse_noise defocus_blur glass_blur motion_blur zoom_blur "
        "snow frost fog brightness contrast elastic_transform pixelate jpeg_compression"
    ).split(),
]

CATEGORIES: dict[str, tuple[str, ...]] = {
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise"),
    "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur"),
    "weather": ("snow", "frost", "fog", "brightness"),
    "digital": ("contrast", "elastic_transform", "pixelate", "jpeg_compression"),
}
"""Paper B §B.9's four groups, in CIFAR-10-C's order."""

CORRUPTIONS: tuple[str, ...] = tuple(c for group in CATEGORIES.values() for c in group)
"""The 15 corruptions, named as CIFAR-10-C's ``.npy`` files."""

SEVERITY_PARAMS: dict[str, tuple] = {
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),  # σ
    "shot_noise": (500, 250, 100, 75, 50),  # λ
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),  # s&p amount
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),  # radius, alias σ
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),  # σ, δ, its
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),  # radius, σ
    "zoom_blur": (1.06, 1.11, 1.16, 1.21, 1.26),  # zooms np.arange(1, e, 0.01)
    "snow": (  # loc, scale, zoom, threshold, blur radius, blur σ, blend
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95),
        (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
        (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
        (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8),
    ),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),  # a·x + b·texture
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),  # strength, wibble decay
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),  # HSV V += c
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),  # c
    "elastic_transform": (  # α, σ, affine (pixels) = 32 × (0, 0, .08), (.05, .2, .07), ...
        (0.0, 0.0, 2.56),
        (1.6, 6.4, 2.24),
        (2.56, 1.92, 1.92),
        (3.2, 1.28, 1.6),
        (3.2, 0.96, 0.96),
    ),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),  # box-resize to int(32c) = 30, 28, 27, 24, 20 px
    "jpeg_compression": (80, 65, 58, 50, 40),  # quality
}
"""CIFAR-10-C's parameters, severity 1 → 5 (the CIFAR-10-C generation script; pixel values in [0, 1])."""

CANVAS = 32
"""The image size CIFAR-10-C's parameters are defined for."""

LUMA = np.array([0.299, 0.587, 0.114])
"""ITU-R 601 luma weights (RGB → gray)."""

_FROST_SOURCES = (("corrupt_tta", ("assets", "frost")), ("imagecorruptions", ("frost",)))
_FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")
_QUANT_TOL = 1e-4

_CORE: dict[str, Callable[[np.ndarray, object, np.random.Generator], np.ndarray]] = {}


# ---------------------------------------------------------------------------------------------
# The common wrapper: validation, numpy/torch, gray ↔ RGB, canvas, quantization
# ---------------------------------------------------------------------------------------------


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)) or isinstance(seed, (list, tuple)):
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be an int, a sequence of ints or a numpy Generator, got {seed!r}")


def _check_severity(severity) -> int:
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or not 1 <= severity <= 5:
        raise ValueError(f"severity must be an int in 1..5, got {severity!r}")
    return int(severity)


def _to_numpy(x):
    """(array as float64 numpy, a function that converts a float64 result back like ``x``)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the package
        torch = None
    if torch is not None and isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            raise ValueError(f"images must be floating point in [0, 1], got torch dtype {x.dtype}")
        dtype, device = x.dtype, x.device
        arr = x.detach().cpu().double().numpy()
        return arr, lambda y: torch.from_numpy(np.ascontiguousarray(y)).to(device=device, dtype=dtype)
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"images must be floating point in [0, 1], got numpy dtype {arr.dtype}")
    dtype = arr.dtype
    return arr.astype(np.float64), lambda y: np.ascontiguousarray(y).astype(dtype, copy=False)


def _check_images(arr: np.ndarray) -> None:
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise ValueError(
            f"images must have shape (N, C, H, W) with C = 1 or 3, got {tuple(arr.shape)}"
        )
    if arr.size and (not np.isfinite(arr).all() or arr.min() < -1e-6 or arr.max() > 1 + 1e-6):
        raise ValueError(
            f"images must be finite and in [0, 1], got values in [{np.nanmin(arr):.4g}, "
            f"{np.nanmax(arr):.4g}]"
        )


def _quantize(x: np.ndarray) -> np.ndarray:
    """``np.uint8(255·x) / 255`` as in the published files (truncation), robust to round-off."""
    return np.floor(np.clip(x, 0.0, 1.0) * 255.0 + _QUANT_TOL) / 255.0


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """Images on the 1/255 grid (as the originals' PIL inputs are) to uint8, rounding."""
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def _apply(name: str, x, severity: int, seed, canvas: int | None, quantize: bool):
    severity = _check_severity(severity)
    arr, restore = _to_numpy(x)
    _check_images(arr)
    arr = np.clip(arr, 0.0, 1.0)
    n, c, h, w = arr.shape
    if n == 0:
        return restore(arr)
    rng = _rng(seed)
    rgb = np.repeat(arr, 3, axis=1) if c == 1 else arr
    top = left = 0
    if canvas is not None:
        if not isinstance(canvas, (int, np.integer)) or canvas < 1:
            raise ValueError(f"canvas must be a positive int or None, got {canvas!r}")
        ph, pw = max(canvas - h, 0), max(canvas - w, 0)
        top, left = ph // 2, pw // 2
        if ph or pw:
            rgb = np.pad(rgb, ((0, 0), (0, 0), (top, ph - top), (left, pw - left)))
    out = _CORE[name](np.ascontiguousarray(rgb), SEVERITY_PARAMS[name][severity - 1], rng)
    out = np.clip(out[:, :, top : top + h, left : left + w], 0.0, 1.0)
    if quantize:
        out = _quantize(out)
    if c == 1:
        out = np.tensordot(LUMA, out, axes=([0], [1]))[:, None]
    return restore(np.clip(out, 0.0, 1.0))


def _corruption(core: Callable) -> Callable:
    """Register ``core(rgb (N, 3, H, W) float64, params, rng) -> rgb`` and return its public form."""
    name = core.__name__.lstrip("_")
    _CORE[name] = core

    def public(x, severity: int = 1, *, seed=0, canvas: int | None = CANVAS, quantize: bool = True):
        return _apply(name, x, severity, seed, canvas, quantize)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = (core.__doc__ or "") + (
        "\n\n    Takes float images in [0, 1] of shape (N, C, H, W), C = 1 or 3 (numpy or torch), "
        "and returns the same type, dtype and shape; see the module docstring for ``seed``, "
        "``canvas`` and ``quantize``."
    )
    return public


def corrupt(x, name: str, severity: int = 1, *, seed=0, canvas: int | None = CANVAS,
            quantize: bool = True):
    """Corruption ``name`` (one of :data:`CORRUPTIONS`) at ``severity`` 1-5 (Paper B Fig 6a, S11a)."""
    if name not in _CORE:
        raise ValueError(f"unknown corruption {name!r}; valid corruptions are {CORRUPTIONS}")
    return _apply(name, x, severity, seed, canvas, quantize)


def corrupt_in_batches(x, name: str, severity: int, *, seed: int = 0, batch_size: int = 2000,
                       canvas: int | None = CANVAS, quantize: bool = True):
    """:func:`corrupt` over a large set in fixed batches, batch ``i`` drawing from the seed
    ``[seed, index of name, severity, i]``: the result depends on ``seed`` and ``batch_size`` only."""
    if name not in _CORE:
        raise ValueError(f"unknown corruption {name!r}; valid corruptions are {CORRUPTIONS}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    parts = [
        corrupt(x[i : i + batch_size], name, severity,
                seed=[int(seed), CORRUPTIONS.index(name), int(severity), i // batch_size],
                canvas=canvas, quantize=quantize)
        for i in range(0, len(x), batch_size)
    ]
    if not parts:
        return corrupt(x, name, severity, seed=seed, canvas=canvas, quantize=quantize)
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    import torch

    return torch.cat(parts)


# ---------------------------------------------------------------------------------------------
# Helpers: filters, resampling, motion blur, plasma fractal, textures
# ---------------------------------------------------------------------------------------------


def _gaussian(x: np.ndarray, sigma: float, *, mode: str = "nearest", truncate: float = 4.0):
    """scikit-image's ``filters.gaussian`` over the last two axes (default mode ``nearest``)."""
    if sigma <= 0:
        return x.copy()
    sig = (0,) * (x.ndim - 2) + (sigma, sigma)
    return ndimage.gaussian_filter(x, sig, mode=mode, truncate=truncate)


def _cv2_gaussian_kernel(ksize: int, sigma: float) -> np.ndarray:
    """OpenCV's ``getGaussianKernel(ksize, sigma)`` for sigma > 0."""
    i = np.arange(ksize) - (ksize - 1) / 2
    k = np.exp(-(i**2) / (2 * sigma**2))
    return k / k.sum()


def _disk(radius: float, alias_blur: float) -> np.ndarray:
    """The anti-aliased disk of defocus blur: the indicator of x² + y² ≤ r² on a 17×17 grid
    (larger for r > 8), normalized, then a 3×3 (5×5) Gaussian blur of σ = alias_blur with
    OpenCV's default border (reflect-101)."""
    if radius <= 8:
        grid, ksize = np.arange(-8, 9), 3
    else:
        grid, ksize = np.arange(-radius, radius + 1), 5
    xx, yy = np.meshgrid(grid, grid)
    disk = (xx**2 + yy**2 <= radius**2).astype(np.float64)
    disk /= disk.sum()
    g = _cv2_gaussian_kernel(ksize, alias_blur)
    disk = ndimage.correlate1d(disk, g, axis=0, mode="mirror")
    return ndimage.correlate1d(disk, g, axis=1, mode="mirror")


def _crop_support(kernel: np.ndarray) -> np.ndarray:
    """The kernel cut to its nonzero rows/columns, kept centred (exact: only zeros are dropped)."""
    c = kernel.shape[0] // 2
    nz = np.nonzero(kernel)
    half = int(max(np.abs(nz[0] - c).max(), np.abs(nz[1] - c).max()))
    return kernel[c - half : c + half + 1, c - half : c + half + 1]


def _reflect_index(i: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Map integer indices into 0..n-1: ``reflect`` (…1 0 | 0 1 … half-sample, scipy's
    ``reflect``), ``mirror`` (…2 1 | 0 1 2…, OpenCV's reflect-101) or ``nearest``."""
    if mode == "nearest":
        return np.clip(i, 0, n - 1)
    if n == 1:
        return np.zeros_like(i)
    if mode == "reflect":
        period = 2 * n
        i = np.mod(i, period)
        return np.where(i >= n, period - 1 - i, i)
    if mode == "mirror":
        period = 2 * n - 2
        i = np.mod(i, period)
        return np.where(i >= n, period - i, i)
    raise ValueError(f"unknown boundary mode {mode!r}")


def _bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, mode: str) -> np.ndarray:
    """Sample images ``x`` (N, C, H, W) at per-image coordinates ``rows``, ``cols`` (N, H', W'),
    bilinearly, neighbours outside the image mapped by :func:`_reflect_index`."""
    n, c, h, w = x.shape
    r0 = np.floor(rows)
    c0 = np.floor(cols)
    fr = (rows - r0)[:, None]
    fc = (cols - c0)[:, None]
    r0 = r0.astype(np.int64)
    c0 = c0.astype(np.int64)
    flat = x.reshape(n, c, h * w)
    out = 0.0
    for dr, wr in ((0, 1 - fr), (1, fr)):
        rr = _reflect_index(r0 + dr, h, mode)
        for dc, wc in ((0, 1 - fc), (1, fc)):
            cc = _reflect_index(c0 + dc, w, mode)
            idx = (rr * w + cc).reshape(n, 1, -1)
            vals = np.take_along_axis(flat, idx, axis=2).reshape(n, c, *rows.shape[1:])
            out = out + wr * wc * vals
    return out


def _scipy_zoom_matrix(n_in: int, zoom: float) -> np.ndarray:
    """The (round(n_in·zoom), n_in) matrix of ``scipy.ndimage.zoom(·, zoom, order=1)`` along one
    axis (order-1 zoom is separable and linear, so zooming the identity gives its matrix)."""
    return ndimage.zoom(np.eye(n_in), (zoom, 1), order=1)


@functools.cache
def _clipped_zoom_matrix(h: int, zoom: float) -> np.ndarray:
    """(h, h) matrix M of the originals' ``clipped_zoom`` along one axis: crop the central
    ⌈h/zoom⌉ pixels, zoom them bilinearly by ``zoom``, trim the centre h. The 2-D operation is
    ``M img Mᵀ``."""
    ch = int(np.ceil(h / zoom))
    top = (h - ch) // 2
    z = _scipy_zoom_matrix(ch, zoom)
    m = np.zeros((z.shape[0], h))
    m[:, top : top + ch] = z
    trim = (m.shape[0] - h) // 2
    return m[trim : trim + h]


def _clipped_zoom(x: np.ndarray, zoom: float) -> np.ndarray:
    """Centre zoom of images ``(..., H, W)`` (square), as the originals' ``clipped_zoom``."""
    m = _clipped_zoom_matrix(x.shape[-2], float(zoom))
    mw = m if x.shape[-1] == x.shape[-2] else _clipped_zoom_matrix(x.shape[-1], float(zoom))
    return np.einsum("ij,...jk,lk->...il", m, x, mw, optimize=True)


def _magick_kernel_width(radius: float, sigma: float) -> int:
    """ImageMagick's ``GetOptimalKernelWidth1D`` for radius > 0: 2⌈radius⌉ + 1."""
    if radius <= 1e-12:
        raise ValueError("motion blur needs radius > 0 (ImageMagick's automatic width is not ported)")
    return int(2 * math.ceil(radius) + 1)


def motion_blur_kernel(radius: float, sigma: float, angle: np.ndarray):
    """ImageMagick's ``MotionBlurImage`` kernel: weights ``exp(-i²/2σ²)``, i = 0 … 2⌈r⌉, normalized,
    and per-image integer offsets ``(dy_i, dx_i) = (⌈i sin a − ½⌉, ⌈i cos a − ½⌉)``; the output pixel
    (y, x) is Σ_i w_i · img(y + dy_i, x + dx_i), with edge pixels repeated outside the image.

    Returns ``(weights (T,), dy (N, T), dx (N, T))`` for angles ``angle`` (degrees, shape (N,)).
    """
    width = _magick_kernel_width(radius, sigma)
    i = np.arange(width)
    weights = np.exp(-(i**2) / (2.0 * sigma**2))
    weights /= weights.sum()
    a = np.deg2rad(np.asarray(angle, dtype=np.float64))[:, None]
    # ImageMagick: point = (w sin a, w cos a); offset = ceil(i * point / hypot(point) - 0.5)
    dx = np.ceil(i * np.cos(a) - 0.5).astype(np.int64)
    dy = np.ceil(i * np.sin(a) - 0.5).astype(np.int64)
    return weights, dy, dx


def _motion_blur_images(x: np.ndarray, radius: float, sigma: float, angle: np.ndarray) -> np.ndarray:
    """Apply :func:`motion_blur_kernel` to images (N, C, H, W), one angle per image."""
    n, c, h, w = x.shape
    weights, dy, dx = motion_blur_kernel(radius, sigma, angle)
    rows, cols = np.arange(h), np.arange(w)
    flat = x.reshape(n, c, h * w)
    out = np.zeros_like(flat)
    for t, wt in enumerate(weights):
        r = np.clip(rows[None] + dy[:, t : t + 1], 0, h - 1)  # (n, h)
        cc = np.clip(cols[None] + dx[:, t : t + 1], 0, w - 1)  # (n, w)
        idx = (r[:, :, None] * w + cc[:, None, :]).reshape(n, 1, h * w)
        out += wt * np.take_along_axis(flat, idx, axis=2)
    return out.reshape(n, c, h, w)


def plasma_fractal(n: int, mapsize: int = 32, wibble_decay: float = 3.0,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """``n`` diamond-square height maps (n, mapsize, mapsize) in [0, 1], the fog of CIFAR-10-C.

    As in the original: corners start at 0 and wibble at 100; each new point is the mean of its
    four neighbours (wrapping around) plus ``wibble · U(−wibble, wibble)``; wibble is divided by
    ``wibble_decay`` at every scale; the map is finally rescaled to [0, 1].
    """
    if mapsize & (mapsize - 1) or mapsize < 2:
        raise ValueError(f"mapsize must be a power of two ≥ 2, got {mapsize}")
    rng = _rng(rng)
    m = np.zeros((n, mapsize, mapsize))
    step, wibble = mapsize, 100.0

    def wibbled_mean(a):
        return a / 4 + wibble * rng.uniform(-wibble, wibble, a.shape)

    while step >= 2:
        half = step // 2
        # squares: centre of each square = mean of its corners
        corners = m[:, 0:mapsize:step, 0:mapsize:step]
        acc = corners + np.roll(corners, -1, axis=1)
        acc = acc + np.roll(acc, -1, axis=2)
        m[:, half:mapsize:step, half:mapsize:step] = wibbled_mean(acc)
        # diamonds
        dr = m[:, half:mapsize:step, half:mapsize:step]
        ul = m[:, 0:mapsize:step, 0:mapsize:step]
        lt = dr + np.roll(dr, 1, axis=1) + ul + np.roll(ul, -1, axis=2)
        m[:, 0:mapsize:step, half:mapsize:step] = wibbled_mean(lt)
        tt = dr + np.roll(dr, 1, axis=2) + ul + np.roll(ul, -1, axis=1)
        m[:, half:mapsize:step, 0:mapsize:step] = wibbled_mean(tt)
        step //= 2
        wibble /= wibble_decay
    m -= m.min(axis=(1, 2), keepdims=True)
    return m / m.max(axis=(1, 2), keepdims=True)


def frost_texture_dir() -> Path:
    """The folder of CIFAR-10-C's frost textures in an installed package (``corrupt-tta`` or
    ``imagecorruptions-imaug``); the textures are never copied into this repository."""
    for package, parts in _FROST_SOURCES:
        try:
            spec = importlib.util.find_spec(package)  # locates without importing
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location).joinpath(*parts)
            if all((folder / f).is_file() for f in _FROST_FILES):
                return folder
    raise ModuleNotFoundError(
        "the frost corruption needs the frost textures of an installed package: "
        "pip install corrupt-tta (or imagecorruptions-imaug)"
    )


@functools.cache
def _frost_textures() -> tuple[np.ndarray, ...]:
    """Frost textures 1-5 as uint8 (h, w, 3), scaled ×0.2 as OpenCV's ``resize(fx=fy=0.2)``
    (bilinear, half-pixel centres, no anti-aliasing): at this exact factor the source of output
    pixel j is input pixel 5j + 2, so the resize is a subsampling. Read once per process."""
    folder = frost_texture_dir()
    out = []
    for fname in _FROST_FILES:
        with Image.open(folder / fname) as im:
            tex = np.asarray(im.convert("RGB"))
        h, w = tex.shape[:2]
        oh, ow = int(round(h * 0.2)), int(round(w * 0.2))
        rows = np.minimum(5 * np.arange(oh) + 2, h - 1)
        cols = np.minimum(5 * np.arange(ow) + 2, w - 1)
        out.append(np.ascontiguousarray(tex[rows][:, cols]))
    return tuple(out)


def _pil_matrix(n_in: int, n_out: int, resample) -> np.ndarray:
    """(n_out, n_in) matrix of Pillow's 1-D resampling (resizing the identity in mode "F")."""
    eye = Image.fromarray(np.eye(n_in, dtype=np.float32), mode="F")
    return np.asarray(eye.resize((n_out, n_in), resample), dtype=np.float64).T


# ---------------------------------------------------------------------------------------------
# The 15 corruptions (cores act on RGB float64 (N, 3, H, W) with CIFAR-10-C's parameters)
# ---------------------------------------------------------------------------------------------


@_corruption
def _gaussian_noise(x, sigma, rng):
    """Gaussian noise: clip(x + N(0, σ²)), σ = .04, .06, .08, .09, .10."""
    return x + rng.normal(scale=sigma, size=x.shape)


@_corruption
def _shot_noise(x, lam, rng):
    """Shot (Poisson) noise: Poisson(λx)/λ, λ = 500, 250, 100, 75, 50."""
    return rng.poisson(x * lam) / lam


@_corruption
def _impulse_noise(x, amount, rng):
    """Impulse (salt-and-pepper) noise: each value independently replaced with probability
    ``amount`` (= .01, .02, .03, .05, .07) by 1 or 0 with equal odds (scikit-image's s&p)."""
    flipped = rng.random(x.shape) < amount
    salted = rng.random(x.shape) < 0.5
    return np.where(flipped, salted.astype(np.float64), x)


@_corruption
def _defocus_blur(x, params, rng):
    """Defocus blur: correlation with an anti-aliased disk (radius, alias σ) = (.3, .4), (.4, .5),
    (.5, .6), (1, .2), (1.5, .1), OpenCV's reflect-101 border."""
    radius, alias = params
    k = _crop_support(_disk(radius, alias))
    return ndimage.correlate(x, k[None, None], mode="mirror")


@_corruption
def _glass_blur(x, params, rng):
    """Glass blur: Gaussian blur (σ), truncation to uint8, local pixel shuffling repeated
    ``iterations`` times, Gaussian blur again; (σ, δ, iterations) = (.05, 1, 1), (.25, 1, 1),
    (.4, 1, 1), (.25, 1, 2), (.4, 1, 2).

    The shuffling visits every pixel (h, w) from (H−δ, W−δ) back to (δ+1, δ+1) and draws
    dx, dy uniform in {−δ, …, δ−1} (numpy's ``randint(−δ, δ)``). The original's "swap"
    ``x[h, w], x[h', w'] = x[h', w'], x[h, w]`` assigns numpy *views*, so it **copies**
    x[h + dy, w + dx] into x[h, w] and leaves the source unchanged; CIFAR-10-C was made that way and
    we keep it. For δ = 1 (all of CIFAR-10-C) every source lies up/left of its target and is visited
    later, so one pass is a single gather from the image before the pass (vectorized over images and
    pixels); other δ run the sequential loop, vectorized over images."""
    sigma, delta, iterations = params
    x = np.floor(_gaussian(x, sigma) * 255.0 + _QUANT_TOL) / 255.0
    for _ in range(iterations):
        x = _glass_shuffle(x, delta, rng, vectorized=delta <= 1)
    return _gaussian(x, sigma)


def _glass_shuffle(x: np.ndarray, delta: int, rng: np.random.Generator, *,
                   vectorized: bool) -> np.ndarray:
    """One pass of glass blur's pixel shuffling (see :func:`glass_blur`): the original's
    sequential loop over positions (vectorized over images), or, valid for δ ≤ 1 only, one gather."""
    n, c, h, w = x.shape
    hs = np.arange(h - delta, delta, -1)
    ws = np.arange(w - delta, delta, -1)
    d = rng.integers(-delta, delta, size=(len(hs), len(ws), n, 2))
    dx, dy = d[..., 0].transpose(2, 0, 1), d[..., 1].transpose(2, 0, 1)  # (n, |hs|, |ws|)
    if vectorized:
        if delta > 1:
            raise ValueError(f"the one-gather shuffle is exact only for delta ≤ 1, got {delta}")
        rows = np.broadcast_to(np.arange(h)[None, :, None], (n, h, w)).copy()
        cols = np.broadcast_to(np.arange(w)[None, None, :], (n, h, w)).copy()
        rows[:, hs[:, None], ws[None, :]] += dy
        cols[:, hs[:, None], ws[None, :]] += dx
        idx = (rows * w + cols).reshape(n, 1, h * w)
        return np.take_along_axis(x.reshape(n, c, h * w), idx, axis=2).reshape(n, c, h, w)
    x = x.copy()
    images = np.arange(n)
    for a, hh in enumerate(hs):
        for b, ww in enumerate(ws):
            x[:, :, hh, ww] = x[images, :, hh + dy[:, a, b], ww + dx[:, a, b]]
    return x


@_corruption
def _motion_blur(x, params, rng):
    """Motion blur: ImageMagick's motion blur (:func:`motion_blur_kernel`) with (radius, σ) =
    (6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5) along an angle ~ U(−45°, 45°) per image."""
    radius, sigma = params
    angle = rng.uniform(-45, 45, size=len(x))
    return _motion_blur_images(x, radius, sigma, angle)


@functools.cache
def _zoom_blur_operator(h: int, w: int, end: float) -> np.ndarray:
    """The (H·W, H·W) linear map of zoom blur: (I + Σ_z M_z ⊗ M_z) / (#zooms + 1)."""
    zooms = np.arange(1, end, 0.01)
    op = np.eye(h * w)
    for z in zooms:
        op += np.kron(_clipped_zoom_matrix(h, float(z)), _clipped_zoom_matrix(w, float(z)))
    return op / (len(zooms) + 1)


@_corruption
def _zoom_blur(x, end, rng):
    """Zoom blur: the mean of the image and its centre zooms by ``np.arange(1, e, 0.01)``,
    e = 1.06, 1.11, 1.16, 1.21, 1.26 (the arange's float round-off is kept: 7, 12, 16, 21 and 26
    zooms). Every zoom is linear, so the whole blur is one (H·W)² matrix applied to all images."""
    n, c, h, w = x.shape
    if h * w <= 64 * 64:
        op = _zoom_blur_operator(h, w, float(end))
        return (x.reshape(n * c, h * w) @ op.T).reshape(n, c, h, w)
    zooms = np.arange(1, end, 0.01)  # large images: one separable zoom at a time
    out = x.copy()
    for z in zooms:
        out += _clipped_zoom(x, z)
    return out / (len(zooms) + 1)


@_corruption
def _snow(x, params, rng):
    """Snow: a layer N(loc, scale²) per pixel, zoomed by ``zoom``, values below ``threshold`` set to
    0, truncated to uint8 and motion-blurred (radius, σ, angle ~ U(−135°, −45°)); the image is
    blended with max(x, 1.5·gray + 0.5) and the layer and its 180° rotation are added."""
    loc, scale, zoom, threshold, radius, sigma, blend = params
    n, c, h, w = x.shape
    layer = rng.normal(loc=loc, scale=scale, size=(n, 1, h, w))
    layer = _clipped_zoom(layer, zoom)
    layer[layer < threshold] = 0
    layer = np.floor(np.clip(layer, 0, 1) * 255.0) / 255.0
    angle = rng.uniform(-135, -45, size=n)
    layer = np.floor(_motion_blur_images(layer, radius, sigma, angle) * 255.0 + _QUANT_TOL) / 255.0
    gray = np.tensordot(LUMA, x, axes=([0], [1]))[:, None]
    x = blend * x + (1 - blend) * np.maximum(x, gray * 1.5 + 0.5)
    return x + layer + layer[:, :, ::-1, ::-1]


@_corruption
def _frost(x, params, rng):
    """Frost: a·x + b·texture, (a, b) = (1, .2), (1, .3), (.9, .4), (.85, .4), (.75, .45), the texture
    a random crop of one of frost textures 1-5 (chosen uniformly) scaled ×0.2."""
    a, b = params
    n, c, h, w = x.shape
    textures = _frost_textures()
    which = rng.integers(0, len(textures), size=n)
    frost = np.empty_like(x)
    for t, tex in enumerate(textures):
        sel = np.nonzero(which == t)[0]
        if not len(sel):
            continue
        if tex.shape[0] <= h or tex.shape[1] <= w:
            raise ValueError(f"image {h}x{w} is too large for frost texture {tex.shape[:2]}")
        r0 = rng.integers(0, tex.shape[0] - h, size=len(sel))
        c0 = rng.integers(0, tex.shape[1] - w, size=len(sel))
        windows = np.lib.stride_tricks.sliding_window_view(tex, (h, w), axis=(0, 1))
        frost[sel] = windows[r0, c0] / 255.0  # (k, 3, h, w)
    return a * x + b * frost


@_corruption
def _fog(x, params, rng):
    """Fog: x + strength · plasma fractal (32×32 map, wibble decay), rescaled by
    max/(max + strength); (strength, decay) = (.2, 3), (.5, 3), (.75, 2.5), (1, 2), (1.5, 1.75)."""
    strength, decay = params
    n, c, h, w = x.shape
    mapsize = max(32, 1 << (max(h, w) - 1).bit_length())
    plasma = plasma_fractal(n, mapsize, decay, rng)[:, None, :h, :w]
    max_val = x.max(axis=(1, 2, 3), keepdims=True)
    return (x + strength * plasma) * max_val / (max_val + strength)


@_corruption
def _brightness(x, c, rng):
    """Brightness: HSV value V = max(R, G, B) raised by c = .05, .1, .15, .2, .3 (clipped at 1) with
    hue and saturation kept, i.e. the pixel scaled by V'/V (a black pixel becomes gray c)."""
    v = x.max(axis=1, keepdims=True)
    v_new = np.minimum(v + c, 1.0)
    scale = np.divide(v_new, v, out=np.zeros_like(v), where=v > 0)
    return np.where(v > 0, x * scale, v_new)


@_corruption
def _contrast(x, c, rng):
    """Contrast: (x − m)·c + m with m the per-channel image mean, c = .75, .5, .4, .3, .15."""
    m = x.mean(axis=(2, 3), keepdims=True)
    return (x - m) * c + m


@_corruption
def _elastic_transform(x, params, rng):
    """Elastic transform: a random affine warp (three control points of the centre square moved by
    U(−affine, affine) pixels; bilinear, reflect-101 border, as OpenCV's ``warpAffine``), then a
    displacement field α · Gaussian(σ, truncate 3, reflect) of U(−1, 1) noise, one field for rows and
    one for columns (bilinear, reflect border). (α, σ, affine) = 32 × (0, 0, .08), (.05, .2, .07),
    (.08, .06, .06), (.1, .04, .05), (.1, .03, .03) pixels."""
    alpha, sigma, affine = params
    n, c, h, w = x.shape
    centre = np.array([h // 2, w // 2], dtype=np.float64)  # float32(shape) // 2, as (x, y) pairs
    size = min(h, w) // 3
    pts1 = np.array([centre + size, [centre[0] + size, centre[1] - size], centre - size])
    pts2 = pts1[None] + rng.uniform(-affine, affine, size=(n, 3, 2))
    # forward affine M (2×3) with pts2 = M [pts1; 1]; output (x, y) samples input M⁻¹(x, y)
    src = np.concatenate([pts1, np.ones((3, 1))], axis=1)  # (3, 3)
    m = np.linalg.solve(src[None], pts2).transpose(0, 2, 1)  # (n, 2, 3)
    full = np.concatenate([m, np.broadcast_to([[[0.0, 0.0, 1.0]]], (n, 1, 3))], axis=1)
    inv = np.linalg.inv(full)[:, :2]
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    sx = inv[:, 0, 0, None, None] * xx + inv[:, 0, 1, None, None] * yy + inv[:, 0, 2, None, None]
    sy = inv[:, 1, 0, None, None] * xx + inv[:, 1, 1, None, None] * yy + inv[:, 1, 2, None, None]
    x = _bilinear(x, sy, sx, "mirror")
    dx = _gaussian(rng.uniform(-1, 1, size=(n, h, w)), sigma, mode="reflect", truncate=3) * alpha
    dy = _gaussian(rng.uniform(-1, 1, size=(n, h, w)), sigma, mode="reflect", truncate=3) * alpha
    return _bilinear(x, yy[None] + dy, xx[None] + dx, "reflect")


@_corruption
def _pixelate(x, c, rng):
    """Pixelate: Pillow's box resize to int(32c) = 30, 28, 27, 24, 20 pixels and back, as separable
    matrices, rounding to uint8 after each of Pillow's passes (horizontal, then vertical) as it
    does for 8-bit images."""
    n, ch, h, w = x.shape
    th, tw = int(h * c), int(w * c)
    def round_half_up(v):  # Pillow's 8-bit passes round halves up (fixed point + ½)
        return np.clip(np.floor(v + 0.5 + 1e-7), 0, 255)

    y = np.rint(x * 255.0)
    for mh, mw in ((_pil_matrix(h, th, Image.BOX), _pil_matrix(w, tw, Image.BOX)),
                   (_pil_matrix(th, h, Image.BOX), _pil_matrix(tw, w, Image.BOX))):
        y = round_half_up(np.einsum("...jk,lk->...jl", y, mw))  # horizontal pass first
        y = round_half_up(np.einsum("ij,...jk->...ik", mh, y))  # then vertical
    return y / 255.0


@_corruption
def _jpeg_compression(x, quality, rng):
    """JPEG compression with Pillow at quality 80, 65, 58, 50, 40 (its default 4:2:0 chroma
    subsampling), one image at a time."""
    u8 = _to_uint8(x).transpose(0, 2, 3, 1)
    out = np.empty(u8.shape, dtype=np.float64)
    for i, img in enumerate(u8):
        buf = io.BytesIO()
        Image.fromarray(img, mode="RGB").save(buf, "JPEG", quality=int(quality))
        buf.seek(0)
        with Image.open(buf) as decoded:
            out[i] = np.asarray(decoded.convert("RGB"))
    return out.transpose(0, 3, 1, 2) / 255.0


# the public names of the corruptions (the registry holds the cores)
gaussian_noise = _gaussian_noise
shot_noise = _shot_noise
impulse_noise = _impulse_noise
defocus_blur = _defocus_blur
glass_blur = _glass_blur
motion_blur = _motion_blur
zoom_blur = _zoom_blur
snow = _snow
frost = _frost
fog = _fog
brightness = _brightness
contrast = _contrast
elastic_transform = _elastic_transform
pixelate = _pixelate
jpeg_compression = _jpeg_compression
