"""The GPU path in one command: ``python -m fa_companion.tools.gpu_check --out gpu_check.json``
(``make gpu-check``).

Writes one JSON object with four parts, and exits 1 when the agreement check fails:

- ``environment``: device and its name, torch and CUDA versions, threads, the TF32 switches.
- ``bench``: the benchmark (:func:`fa_companion.tools.bench.run`) on the device; at ``--size
  tiny`` only a few of its functions at toy sizes, one round each (plumbing, not numbers).
- ``train``: chapter 07's networks (Paper B's MLP, BP, FA and IFA 0°, one ensemble of
  ``n_networks`` members per rule, Adam of §B.3, batch 128) trained for a fixed number of steps on
  CIFAR-shaped synthetic data (uniform pixels in [0, 1], 3 × 32 × 32, random labels; seeded), so
  no dataset is needed. At ``--size paper`` the networks are 3072-512-512-10 with 10 members per
  rule (chapter 07's default); at ``tiny``, 3 × 8 × 8 inputs, widths 16, 2 members. Reported: ms
  per optimizer step of each ensemble (median over the timed steps, after warm-up), images per
  second, and what that implies for chapter 07 at the paper profile (3 rules × 30 epochs of
  ⌈50 000 / 128⌉ steps; training steps only, evaluation not included).
- ``agreement``: the same small run (a 2-member FA + IFA ensemble, 3072-64-64-10 at paper size,
  the tiny network at tiny size; 20 steps) once on the CPU and once on the device, from the same
  initial weights and batches, TF32 off (``torch.backends.cuda.matmul.allow_tf32 = False``,
  ``cudnn.allow_tf32 = False``, matmul precision "highest") so both sides compute in float32. It
  reports whether the weights are bit-for-bit equal, the largest relative difference of the
  per-step losses and of the final weights (Frobenius, per tensor), and passes when both are below
  ``--rtol`` (default 1e-4: float32 sums in another order differ by a few ulps per operation, and
  Adam's normalisation can amplify a difference in a near-zero gradient up to the learning rate,
  1e-4, per step). Without a GPU the device side is the CPU again: the check then tests that a
  run is reproducible bit for bit (``"comparison": "cpu vs cpu"``), and says so.

At ``--size tiny`` on a CPU the whole check takes seconds (``tests/test_gpu_check.py`` runs it).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from .. import __version__, resolve_device
from ..nets.models import FeedbackMLP, Member
from ..training.train import TrainConfig, _member_losses, make_optimizer

__all__ = ["SIZES", "check", "train_throughput", "agreement", "environment", "main"]

SIZES = {
    # input shape, hidden widths, members per rule, timed steps, agreement hidden widths
    "paper": {"input": (3, 32, 32), "hidden": (512, 512), "members": 10, "steps": 30,
              "agree_hidden": (64, 64)},
    "tiny": {"input": (3, 8, 8), "hidden": (16, 16), "members": 2, "steps": 3,
             "agree_hidden": (16, 16)},
}
CLASSES = 10
BATCH = 128
RULES = {"BP": ("bp", None), "FA": ("fa", None), "IFA 0°": ("ifa", 0.0)}  # chapter 07's conditions
CIFAR10_TRAIN, PAPER_EPOCHS = 50_000, 30


def environment(dev: torch.device) -> dict:
    env = {"device": dev.type, "device_str": str(dev), "torch": torch.__version__,
           "fa_companion": __version__, "threads": torch.get_num_threads(),
           "machine": platform.machine(), "python": platform.python_version()}
    if dev.type == "cuda":
        env.update(device_name=torch.cuda.get_device_name(dev), cuda=torch.version.cuda,
                   cudnn=torch.backends.cudnn.version())
    env["tf32_matmul"] = bool(torch.backends.cuda.matmul.allow_tf32)
    env["tf32_cudnn"] = bool(torch.backends.cudnn.allow_tf32)
    env["float32_matmul_precision"] = torch.get_float32_matmul_precision()
    return env


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _synthetic(n: int, input_shape, seed: int, dev: torch.device):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, *input_shape, generator=gen)
    y = torch.randint(0, CLASSES, (n,), generator=gen)
    return x.to(dev), y.to(dev)


def _members(rule: str, theta, k: int) -> list[Member]:
    return [Member(rule, theta, seed) for seed in range(k)]


def train_throughput(dev: torch.device, size: str = "paper", steps: int | None = None,
                     warmup: int = 3) -> dict:
    """Chapter 07's three ensembles trained for ``steps`` steps each on synthetic CIFAR-shaped data
    (see the module docstring); per-rule ms per step and images per second."""
    spec = SIZES[size]
    steps = steps or spec["steps"]
    k = spec["members"]
    d = math.prod(spec["input"])
    sizes = (d, *spec["hidden"], CLASSES)
    n_pool = BATCH * 8
    x, y = _synthetic(n_pool, spec["input"], 0, dev)
    x = x.reshape(n_pool, d)
    gen = torch.Generator().manual_seed(1)
    out: dict = {"sizes": list(sizes), "members_per_rule": k, "batch": BATCH, "steps": steps,
                 "data": "synthetic CIFAR-shaped (uniform pixels, random labels)", "rules": {}}
    total_ms = 0.0
    for label, (rule, theta) in RULES.items():
        model = FeedbackMLP(sizes, _members(rule, theta, k)).to(dev)
        opt = make_optimizer(model.parameters(), TrainConfig())
        times, losses = [], []
        for i in range(warmup + steps):
            idx = torch.randint(0, n_pool, (k, BATCH), generator=gen).to(dev)
            _sync(dev)
            t0 = time.perf_counter()
            loss, _ = _member_losses(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
            _sync(dev)
            if i >= warmup:
                times.append(time.perf_counter() - t0)
                losses.append(float(loss.detach().mean()))
        ms = 1e3 * statistics.median(times)
        total_ms += ms
        out["rules"][label] = {"ms_per_step": ms, "images_per_second": k * BATCH / (ms / 1e3),
                               "first_loss": losses[0], "last_loss": losses[-1],
                               "finite": all(math.isfinite(v) for v in losses)}
    steps_per_epoch = math.ceil(CIFAR10_TRAIN / BATCH)
    out["chapter07_paper_training_seconds"] = (
        total_ms / 1e3 * steps_per_epoch * PAPER_EPOCHS if size == "paper" else None)
    out["chapter07_note"] = (f"3 rules x {PAPER_EPOCHS} epochs x {steps_per_epoch} steps of one "
                             f"{k}-member ensemble at these ms per step; training steps only"
                             if size == "paper" else "tiny size: no chapter 07 estimate")
    return out


class _Tf32Off:
    """TF32 off (pure float32 matmuls and convolutions) inside the block; restored after."""

    def __enter__(self):
        self.saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
                      torch.get_float32_matmul_precision())
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")

    def __exit__(self, *exc):
        (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, precision) = self.saved
        torch.set_float32_matmul_precision(precision)


def _small_run(dev: torch.device, sizes, state: dict, batches, steps: int):
    model = FeedbackMLP(sizes, [Member("fa", None, 0), Member("ifa", 0.0, 1)])
    model.load_state_dict(state)
    model = model.to(dev)
    opt = make_optimizer(model.parameters(), TrainConfig())
    losses = []
    for i in range(steps):
        xb, yb = (t.to(dev) for t in batches[i])
        loss, _ = _member_losses(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        losses.append(loss.detach().double().cpu())
    return torch.stack(losses), {k: v.detach().cpu() for k, v in model.state_dict().items()}


def agreement(dev: torch.device, size: str = "paper", steps: int = 20, rtol: float = 1e-4) -> dict:
    """The CPU↔device comparison of the module docstring."""
    spec = SIZES[size]
    d = math.prod(spec["input"])
    sizes = (d, *spec["agree_hidden"], CLASSES)
    init = FeedbackMLP(sizes, [Member("fa", None, 0), Member("ifa", 0.0, 1)]).state_dict()
    gen = torch.Generator().manual_seed(2)
    batches = [(torch.rand(2, BATCH, d, generator=gen),
                torch.randint(0, CLASSES, (2, BATCH), generator=gen)) for _ in range(steps)]
    cpu = torch.device("cpu")
    with _Tf32Off():
        loss_a, w_a = _small_run(cpu, sizes, init, batches, steps)
        loss_b, w_b = _small_run(dev, sizes, init, batches, steps)
    bitwise = bool(torch.equal(loss_a, loss_b)) and all(torch.equal(w_a[k], w_b[k]) for k in w_a)
    loss_rel = float(((loss_a - loss_b).abs() / loss_a.abs().clamp_min(1e-30)).max())
    w_rel = max(float((w_a[k].double() - w_b[k].double()).norm()
                      / w_a[k].double().norm().clamp_min(1e-30)) for k in w_a)
    return {"comparison": "cpu vs cpu" if dev.type == "cpu" else f"cpu vs {dev.type}",
            "note": None if dev.type != "cpu" else
            "no GPU here: the device side ran on the CPU again (a reproducibility check)",
            "sizes": list(sizes), "members": ["fa", "ifa 0°"], "steps": steps,
            "tf32": False, "bitwise_equal": bitwise, "max_rel_loss_diff": loss_rel,
            "max_rel_weight_diff": w_rel, "rtol": rtol,
            "ok": bool(loss_rel <= rtol and w_rel <= rtol)}


def _bench(dev: torch.device, size: str) -> dict:
    from . import bench

    if size == "paper":
        return bench.run(dev)
    out = {}
    out.update(bench.fa_over_bp_step(dev, rounds=1, inner=1))
    out.update(bench.ensemble_speedup_mlp(dev, k=2, rounds=1, inner=1))
    out.update(bench.gemm_fraction_mlp(dev, rounds=1, inner=1, n=64))
    out["note"] = "tiny: a few benchmark functions, one round each (plumbing, not numbers)"
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def check(device="auto", size: str = "paper", *, bench: bool = True, steps: int | None = None,
          agree_steps: int = 20, rtol: float = 1e-4) -> dict:
    """The whole check as one dict (see the module docstring)."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    dev = resolve_device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_check: --device cuda, but torch sees no CUDA device (torch "
                         f"{torch.__version__}); on a machine without a GPU run it with "
                         "--device cpu (the agreement part then compares the CPU with itself)")
    t0 = time.perf_counter()
    env = environment(dev)
    result = {"device": dev.type, "size": size, "environment": env}
    result["agreement"] = agreement(dev, size, steps=agree_steps, rtol=rtol)
    result["train"] = train_throughput(dev, size, steps=steps)
    result["bench"] = _bench(dev, size) if bench else None
    result["ok"] = bool(result["agreement"]["ok"]
                        and all(r["finite"] for r in result["train"]["rules"].values()))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["command"] = "python -m fa_companion.tools.gpu_check " + " ".join(sys.argv[1:])
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fa_companion.tools.gpu_check",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="gpu_check.json", help="where to write the JSON")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda[:N]'")
    parser.add_argument("--size", default="paper", choices=sorted(SIZES))
    parser.add_argument("--steps", type=int, default=None, help="timed training steps per rule")
    parser.add_argument("--no-bench", action="store_true", help="skip the benchmark part")
    parser.add_argument("--rtol", type=float, default=1e-4, help="agreement tolerance")
    args = parser.parse_args(argv)
    result = check(args.device, args.size, bench=not args.no_bench, steps=args.steps, rtol=args.rtol)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    a = result["agreement"]
    name = result["environment"].get("device_name")
    print(f"gpu_check: device {result['device']}{f' ({name})' if name else ''},"
          f" size {args.size}: agreement {a['comparison']} bitwise={a['bitwise_equal']} "
          f"max rel loss diff {a['max_rel_loss_diff']:.2e}, weights {a['max_rel_weight_diff']:.2e}"
          f" (rtol {a['rtol']:g}) -> {'ok' if result['ok'] else 'FAILED'}; wrote {args.out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
