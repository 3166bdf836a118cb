"""Benchmarks: ``python -m fa_companion.bench [--json] [--device auto]``.

Prints one JSON object. Ratios are measured side by side in the same run (absolute times on a
shared 2-core machine are noisy): the two workloads of a ratio are timed in alternation and the
median of the per-round times is used.

- ``fa_over_bp_step``: time of one FA training step (our ``FeedbackLinearFunction``) over one BP
  step of the same network built from ``torch.nn.Linear`` with plain autograd; 784-512-512-10,
  batch 128, Adam (Paper B's optimizer). Goal ≤ 1.05.
- ``ensemble_speedup_mlp``: 10 sequential single-network steps over one step of a K = 10 ensemble
  (same network, batch 128 per member). Goal ≥ 1.3.
- ``openloop_batched_speedup`` (:mod:`fa_companion.bench_openloop`), ``ensemble_speedup_paper_a``
  (:mod:`fa_companion.bench_deep`), ``hvp_over_grad`` and ``hvps_for_top2``
  (:mod:`fa_companion.bench_hessian`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from . import __version__, resolve_device
from .models import FeedbackMLP, Member
from .train import TrainConfig, make_optimizer

__all__ = ["paired_times", "fa_over_bp_step", "ensemble_speedup_mlp", "run"]

SIZES = (784, 512, 512, 10)
BATCH = 128


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


def _step_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One training step: forward, cross-entropy (summed over members), backward, Adam."""
    opt = make_optimizer(model.parameters(), TrainConfig())

    def step() -> None:
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           y.reshape(-1), reduction="mean")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def _plain_bp_mlp(sizes) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(i, o), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def fa_over_bp_step(device: torch.device, rounds: int = 15, inner: int = 20) -> dict:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(BATCH, SIZES[0], generator=gen).to(device)
    y = torch.randint(0, SIZES[-1], (BATCH,), generator=gen).to(device)
    fa = FeedbackMLP(SIZES, Member("fa", seed=0)).to(device)
    bp = _plain_bp_mlp(SIZES).to(device)
    t = paired_times({"fa": _step_fn(fa, x, y), "bp": _step_fn(bp, x, y)},
                     rounds=rounds, inner=inner, device=device)
    return {"fa_over_bp_step": t["fa"] / t["bp"], "fa_step_ms": 1e3 * t["fa"],
            "bp_step_ms": 1e3 * t["bp"]}


def ensemble_speedup_mlp(device: torch.device, k: int = 10, rounds: int = 7, inner: int = 5) -> dict:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(k, BATCH, SIZES[0], generator=gen).to(device)
    y = torch.randint(0, SIZES[-1], (k, BATCH), generator=gen).to(device)
    ensemble = FeedbackMLP(SIZES, [Member("fa", seed=s) for s in range(k)]).to(device)
    solos = [FeedbackMLP(SIZES, Member("fa", seed=s)).to(device) for s in range(k)]
    ens_step = _step_fn(ensemble, x, y)
    solo_steps = [_step_fn(m, x[i], y[i]) for i, m in enumerate(solos)]

    def sequential() -> None:
        for step in solo_steps:
            step()

    t = paired_times({"ensemble": ens_step, "sequential": sequential},
                     rounds=rounds, inner=inner, device=device)
    return {"ensemble_speedup_mlp": t["sequential"] / t["ensemble"],
            "ensemble_step_ms": 1e3 * t["ensemble"], "sequential_steps_ms": 1e3 * t["sequential"]}


def _chapter_benches(device: torch.device, rounds: int) -> dict:
    """The benchmarks that live beside the chapters' own modules (Paper A's open-loop and deep
    networks, the Hessian)."""
    from .bench_deep import ensemble_speedup_paper_a
    from .bench_hessian import hessian_bench
    from .bench_openloop import openloop_batched_speedup

    out = {}
    for fn in (openloop_batched_speedup, ensemble_speedup_paper_a, hessian_bench):
        out.update(fn(device, rounds=rounds))
    return out


def run(device="auto", quick: bool = False) -> dict:
    """All benchmarks as one flat dict (``quick`` uses fewer rounds, for smoke tests)."""
    dev = resolve_device(device)
    scale = 0.2 if quick else 1.0
    out = {"device": str(dev), "torch": torch.__version__, "fa_companion": __version__,
           "threads": torch.get_num_threads(), "machine": platform.machine()}
    if dev.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(dev)
    out.update(fa_over_bp_step(dev, rounds=max(3, int(15 * scale))))
    out.update(ensemble_speedup_mlp(dev, rounds=max(3, int(7 * scale))))
    out.update(_chapter_benches(dev, rounds=max(3, int(7 * scale))))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fa_companion.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a table)")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda[:N]'")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke test)")
    args = parser.parse_args(argv)
    result = run(args.device, quick=args.quick)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:24s} {v}")


if __name__ == "__main__":
    main()
