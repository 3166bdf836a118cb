"""Timing in alternation, shared by :mod:`~fa_companion.tools.bench` and its per-chapter benchmarks
(``bench_deep``, ``bench_hessian``, ``bench_openloop``), which import this module rather than
``bench`` (that imports them): no import circle."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["paired_times"]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def paired_times(fns: dict[str, Callable[[], None]], *, rounds: int, inner: int,
                 device: torch.device, warmup: int = 3) -> dict[str, float]:
    """Median seconds per call of each function, timed in alternation over ``rounds`` rounds."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            _sync(device)
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            _sync(device)
            samples[name].append((time.perf_counter() - t0) / inner)
    return {k: statistics.median(v) for k, v in samples.items()}
