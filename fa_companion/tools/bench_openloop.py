"""Benchmark of the batched open-loop simulation (Paper A Fig 3 sizes).

``openloop_batched_speedup``: time of 30 sequential single-repetition runs over one batched run
of the same 30 repetitions (:func:`fa_companion.theory.openloop.simulate`, n_i = n_h = n_b = 100,
n_o = 10, ReLU, E redrawn every iteration, ΔW₀,FA∠ΔW₀,BP recorded every iteration). Both give the
same numbers (``tests/test_openloop.py::test_batched_member_equals_single_run``). Goal ≥ 5.

Each repetition draws its own E and X from its own generator (that is what makes a batched
repetition equal the same repetition run alone), so both runs draw the same random numbers; what
batching can share is the rest. The streams draw only the iterations they use (a constant X used
to draw 64 iterations of noise and keep one), which halved the batched run's time; its largest
cost is now the batched matmuls themselves.
"""

from __future__ import annotations

import torch

from .. import resolve_device
from ..theory.openloop import OpenLoopConfig, Process, simulate

__all__ = ["openloop_batched_speedup"]


def openloop_batched_speedup(device="auto", reps: int = 30, iterations: int = 40,
                             rounds: int = 3) -> dict:
    """``{"openloop_batched_speedup": sequential / batched, "openloop_batched_ms": ...,
    "openloop_sequential_ms": ...}`` (median over ``rounds`` alternating rounds, float32)."""
    from .timing import paired_times

    dev = resolve_device(device)
    cfg = OpenLoopConfig(iterations=iterations, error=Process("redraw", every=1))

    def batched() -> None:
        simulate(cfg, reps, device=dev, dtype=torch.float32)

    def sequential() -> None:
        for r in range(reps):
            simulate(cfg, [r], device=dev, dtype=torch.float32)

    t = paired_times({"batched": batched, "sequential": sequential}, rounds=rounds, inner=1,
                     device=dev, warmup=1)
    return {"openloop_batched_speedup": t["sequential"] / t["batched"],
            "openloop_batched_ms": 1e3 * t["batched"],
            "openloop_sequential_ms": 1e3 * t["sequential"]}


if __name__ == "__main__":
    print(openloop_batched_speedup())
