"""Timing in alternation, shared by :mod:`~fa_companion.tools.bench` and its per-chapter benchmarks
(``bench_deep``, ``bench_hessian``, ``bench_openloop``), which import this module rather than
``bench`` (that imports them): no import circle."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["paired_times", "paired_samples", "quartiles", "TINY_SIZES", "TINY_BATCH"]

TINY_SIZES, TINY_BATCH = (8, 8, 8, 2), 4
"""A network with the benchmark's three layers and almost no arithmetic: its step time is the fixed
per-step cost (Python, dispatch, autograd bookkeeping, Adam's per-tensor work). Used by
:mod:`fa_companion.tools.bench` and :mod:`fa_companion.tools.bench_peers`."""


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def paired_times(fns: dict[str, Callable[[], None]], *, rounds: int, inner: int,
                 device: torch.device, warmup: int = 3) -> dict[str, float]:
    """Median seconds per call of each function, timed in alternation over ``rounds`` rounds."""
    samples = paired_samples(fns, rounds=rounds, inner=inner, device=device, warmup=warmup)
    return {k: statistics.median(v) for k, v in samples.items()}


def quartiles(values) -> tuple[float, float, float]:
    """(first quartile, median, third quartile) of ``values`` (``statistics.quantiles``,
    inclusive method; a single value gives it three times)."""
    values = list(values)
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def paired_samples(fns: dict[str, Callable[[], None]], *, rounds: int, inner: int,
                   device: torch.device, warmup: int = 3) -> dict[str, list[float]]:
    """Seconds per call of each function in each of ``rounds`` rounds, timed in alternation
    (round r of every function ran back to back, so ratios can be taken per round)."""
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
    return samples
