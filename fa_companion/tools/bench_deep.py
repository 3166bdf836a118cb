"""Benchmark of Paper A's deep setting: ``ensemble_speedup_paper_a()``.

Paper A's 225-50-50-50-50-50 network (tanh∘ReLU everywhere, summed squared error, plain SGD, FA),
one training step on a mini-batch of 1000 (forward, hand-written FA backward, update, neuron-wise
WN projection). ``ensemble_speedup_paper_a`` is the time of K = 10 sequential single-network steps
over one step of a K = 10 ensemble (all members batched in :class:`fa_companion.nets.deep.DeepNet`);
goal ≥ 5. Ratios are timed side by side in alternation (:func:`fa_companion.tools.timing.paired_times`).

What batching can remove is each step's fixed cost (Python, op dispatch, small-kernel start-up),
paid once per member when the networks run one after another. ``paper_a_fixed_step_ms`` times one
network's step on ``FIXED_BATCH`` samples (the same ops, almost no arithmetic), and
``paper_a_speedup_from_fixed_costs`` = sequential / (sequential − (K − 1) · fixed) is the speedup
that removing all but one member's fixed cost would give; a larger measured speedup comes from the
batched kernels using the cores better.
"""

from __future__ import annotations

import torch

from .. import resolve_device
from ..nets.deep import PAPER_A_SIZES, DeepConfig, DeepMember, DeepNet
from .timing import paired_times

__all__ = ["ensemble_speedup_paper_a"]

BATCH = 1000
FIXED_BATCH = 10


def _step(net: DeepNet, x: torch.Tensor, y: torch.Tensor):
    def step() -> None:
        zs, ls = net.forward(x)
        net.apply_(net.updates(ls, net.deltas(zs, ls, net.targets(y))))

    return step


def ensemble_speedup_paper_a(device="auto", k: int = 10, rounds: int = 7, inner: int = 5) -> dict:
    """Sequential-over-batched step time for K = ``k`` FA + WN (γ = 1) networks of Paper A."""
    dev = resolve_device(device)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(BATCH, PAPER_A_SIZES[0], generator=gen).to(dev)
    y = torch.randint(0, 10, (BATCH,), generator=gen).to(dev)
    cfg = DeepConfig()
    members = [DeepMember("fa", "neuron", 1.0, seed=s) for s in range(k)]
    ensemble = DeepNet(members, cfg, device=dev)
    solos = [DeepNet([m], cfg, device=dev) for m in members]
    ens_step = _step(ensemble, x, y)
    solo_steps = [_step(n, x, y) for n in solos]

    def sequential() -> None:
        for step in solo_steps:
            step()

    fixed = _step(DeepNet([members[0]], cfg, device=dev), x[:FIXED_BATCH], y[:FIXED_BATCH])
    t = paired_times({"ensemble": ens_step, "sequential": sequential, "fixed": fixed},
                     rounds=rounds, inner=inner, device=dev)
    return {"ensemble_speedup_paper_a": t["sequential"] / t["ensemble"],
            "paper_a_ensemble_step_ms": 1e3 * t["ensemble"],
            "paper_a_sequential_steps_ms": 1e3 * t["sequential"],
            "paper_a_fixed_step_ms": 1e3 * t["fixed"],
            "paper_a_speedup_from_fixed_costs": t["sequential"] / (t["sequential"] - (k - 1) * t["fixed"])}


if __name__ == "__main__":
    import json

    print(json.dumps(ensemble_speedup_paper_a()))
