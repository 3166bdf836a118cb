"""What the paper profile costs: ``python -m fa_companion.tools.bench_costs [--write]``.

One row per piece of work of a chapter at the ``paper`` profile (``book/params/paper.yaml`` over
the chapter's defaults): networks × epochs × images per epoch, the floating-point operations this
implies, and the expected time on a CPU and on a GPU. The table in ``book/reproducing.md`` (between
the ``cost-table`` markers) is this module's output; ``--write`` regenerates it and
``tests/test_bench_costs.py`` checks that the page and the code agree and one row by hand.

How the numbers are made (every assumption here, nowhere else):

- FLOPs per image of a training step are the matmul (and convolution) FLOPs of one forward and
  backward pass, counted by ``torch.utils.flop_counter.FlopCounterMode`` on one image of the
  network (for an MLP this is :func:`fa_companion.tools.bench.mlp_step_matmul_flops` at batch 1:
  forward, weight gradients, input gradients except the first layer's). Activations, the loss,
  the optimizer and data movement are not counted. Evaluation (one forward pass per image and
  epoch on the test set) is left out of training rows.
- Evaluation-only work (corruptions, attacks) counts a forward pass as a third of a training
  step's FLOPs and an attack step (forward + input gradient) as two thirds; a Hessian-vector product
  as two training steps (the double backward of :class:`fa_companion.measure.hessian.Hessian`;
  ``hvp_over_grad`` measured 1.4-2.1 on a CPU).
- Epochs with early stopping (chapter 13) are the maximum allowed: an upper bound.
- CPU time: FLOPs over the matmul throughput of a training step of Paper B's MLP *measured* by
  ``python -m fa_companion.tools.gpu_check --size paper --device cpu`` (chapter 07's ensembles on
  synthetic CIFAR-shaped data; :data:`MEASURED_CPU`), one thread of the shared 2-core machine
  this book is built on.
- GPU time: **not measured** (no GPU was available when this table was made). It is derived as
  FLOPs / :data:`GPU_ASSUMED` ``["flops_per_s"]`` + optimizer steps × :data:`GPU_ASSUMED`
  ``["seconds_per_step"]``, both plain assumptions for an NVIDIA H200 in float32 with TF32 off:
  20 TFLOP/s sustained on these GEMM shapes (a fraction of the chip's float32 peak, as batch-128
  MLP layers do not fill it) and 1 ms of fixed cost per optimizer step of a batched ensemble
  (kernel launches of forward, backward and Adam). ``make gpu-check`` on a GPU measures the
  per-step time of chapter 07's ensembles, which replaces both.
"""

from __future__ import annotations

import argparse
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CostRow", "ROWS", "MEASURED_CPU", "GPU_ASSUMED", "gpu_rates", "step_flops_per_image", "row_costs",
           "cost_table", "markdown_table", "write_table"]

MEASURED_CPU = {
    # From book/results/gpu_check_cpu.json (`gpu_check --size paper --device cpu --no-bench
    # --steps 10`, OMP_NUM_THREADS=1, beside other jobs on the shared 2-core machine: noisy):
    # the FA and IFA ensembles' steps reached 34 GFLOP/s (7.9 MFLOP per image at 4,330 images/s);
    # BP's ensemble step ran at half that rate (600 ms against 295 ms): AccumulateGrad copies the
    # transposed weight gradient of torch.matmul(x, Wᵀ) into W's layout.
    "flops_per_s": 3.4e10,
    "source": "book/results/gpu_check_cpu.json (FA ensemble step, 1 thread, shared machine)",
}
"""The CPU rate the table's CPU column uses: an FA ensemble training step of Paper B's MLP at
paper size, measured on one thread."""
GPU_ASSUMED = {"name": "NVIDIA H200 (assumed, not measured)", "flops_per_s": 20e12,
               "seconds_per_step": 1e-3, "measured": False}
"""The GPU the table's GPU column assumes when no CUDA ``gpu_check.json`` is there: a sustained
float32 rate and a fixed cost per optimizer step, both assumptions, not measurements."""
GPU_CHECK_JSON = "book/results/gpu_check.json"
"""Where ``make gpu-check`` writes; when it holds a run with ``"device": "cuda"`` at paper size,
:func:`gpu_rates` takes the GPU rate from its FA ensemble's measured step instead of
:data:`GPU_ASSUMED` (the fixed per-step cost is then inside the measured step: 0)."""


def gpu_rates(path: Path | None = None) -> dict:
    """The GPU rates the table uses: measured (from ``GPU_CHECK_JSON``) when a CUDA run at paper
    size is there, else :data:`GPU_ASSUMED`."""
    import json

    from ..store.results import repo_root

    path = path or repo_root() / GPU_CHECK_JSON
    if path.exists():
        run = json.loads(path.read_text(encoding="utf-8"))
        if run.get("device") == "cuda" and run.get("size") == "paper":
            fa = run["train"]["rules"]["FA"]
            rate = fa["images_per_second"] * step_flops_per_image(tuple(run["train"]["sizes"]))
            name = run["environment"].get("device_name", "cuda")
            return {"name": f"{name} (measured, gpu_check)", "flops_per_s": rate,
                    "seconds_per_step": 0.0, "measured": True}
    return dict(GPU_ASSUMED)

MLP_B = (3072, 512, 512, 10)  # Paper B's network on 32×32×3 images
PAPER_A_50 = (225, 50, 50, 50, 50, 50)  # Paper A Fig 6-7 (15×15 inputs, 5-hot codes)
PAPER_A_100 = (225, 100, 100, 100, 100, 100)


@dataclass(frozen=True)
class CostRow:
    """One piece of work: ``networks`` networks, each trained ``epochs`` epochs on ``images`` images
    (``kind="train"``), or ``images`` images per network evaluated ``epochs`` times (``"forward"``,
    ``"attack"`` steps, ``"hvp"`` products on a batch of ``images``). ``ensembles`` batched
    ensembles take the optimizer steps (each of ``batch`` images per member)."""

    chapter: str
    work: str
    networks: int
    epochs: int
    images: int
    sizes: tuple[int, ...] | None = MLP_B
    arch: str | None = None
    batch: int = 128
    ensembles: int = 1
    kind: str = "train"


ROWS: list[CostRow] = [
    CostRow("05", "Fig 6-7, width 50: 6 conditions × 10", 60, 100, 60_000, PAPER_A_50, batch=1000,
            ensembles=6),
    CostRow("05", "Fig 6-7, width 100: 2 conditions × 10", 20, 100, 60_000, PAPER_A_100, batch=1000,
            ensembles=2),
    CostRow("06", "Fig 8: 5 conditions × 10, 100 + 100 epochs", 50, 200, 60_000, PAPER_A_50,
            batch=1000, ensembles=5),
    CostRow("06", "Figs S2-S3: 8 γ × 2 lr × 10, 100 + 100 epochs", 160, 200, 60_000, PAPER_A_50,
            batch=1000, ensembles=16),
    CostRow("07", "BP, FA, IFA 0° × 10", 30, 30, 50_000, ensembles=3),
    CostRow("08", "Fig 3 grid: 2 rules × 17 × 17 scales", 578, 100, 50_000, ensembles=34),
    *[CostRow("08", f"Fig S5 depth {d}: 3 rules × 10", 30, 100, 50_000,
              (3072, *([512] * (d - 1)), 10), ensembles=3) for d in range(2, 11)],
    CostRow("08", "Fig S6 data sizes: 3 rules × 10 × 7 sizes (94 400 images in all)", 30, 100,
            94_400, ensembles=21),
    CostRow("09", "BP + IFA 0°…90° (11 conditions) × 10, shared with 10-12", 110, 30, 50_000,
            ensembles=11),
    CostRow("10", "Fig 2 trajectories: 3 rules × 10 retrained", 30, 30, 50_000, ensembles=3),
    CostRow("10", "Hessians: 110 networks × (16 probes + 40 eigsh) + SLQ 11 × 4 × 80, batch 5000",
            1, 11 * 10 * 56 + 11 * 4 * 80, 5000, kind="hvp"),
    CostRow("10", "Hessians through training: 30 networks × 9 epochs × (10 probes + 40 eigsh)", 1,
            30 * 9 * 50, 5000, kind="hvp"),
    CostRow("11", "CIFAR-10-C: 5 conditions × 10 networks × 15 corruptions × 5 severities", 50,
            75, 10_000, kind="forward"),
    CostRow("12", "FGSM, BIM, PGD (1 + 10 + 10 steps) × 11 ε × 2 gradient paths, 5 × 10 networks",
            50, 21 * 11 * 2, 2000, kind="attack"),
    CostRow("12", "Strong attacks: PGD 5 × 10 + APGD-CE 100 + APGD-DLR 100 steps × 2 paths × 5 ε, "
            "500 images", 50, (5 * 10 + 100 + 100) * 2 * 5, 500, kind="attack"),
    CostRow("12", "Square: ≤ 1000 queries × 5 ε, 500 images (an upper bound: fooled images stop)",
            50, 1000 * 5, 500, kind="forward"),
    CostRow("13", "Table S2 MLPs, SVHN: 5 conditions × 10, ≤ 300 epochs", 50, 300, 73_257,
            ensembles=5),
    CostRow("13", "Table S2 MLPs, CIFAR-10 and CIFAR-100: 2 × 5 conditions × 10, ≤ 300 epochs", 100,
            300, 50_000, ensembles=10),
    CostRow("13", "Table S2 MLPs, STL-10 (96×96): 5 conditions × 10, ≤ 300 epochs", 50, 300, 5000,
            (27648, 512, 512, 10), ensembles=5),
    CostRow("13", "Table S1 LeNet: 3 rules × 10, ≤ 200 epochs", 30, 200, 50_000, None, "lenet",
            ensembles=30),
    CostRow("13", "Table S1 AlexNet: 3 rules × 10, ≤ 200 epochs", 30, 200, 50_000, None, "alexnet",
            ensembles=30),
    CostRow("14", "WN × IFA: 6 conditions × 10", 60, 30, 50_000, ensembles=6),
    CostRow("14", "IFA in Paper A's deep net (MNIST): 3 conditions × 10", 30, 100, 60_000,
            PAPER_A_50, batch=1000, ensembles=3),
]
"""The paper profile's work per chapter (chapters 01-04 run on small synthetic problems in
seconds and are left out; chapter 10's landscape planes and PCA add little)."""

KIND_FACTOR = {"train": 1.0, "forward": 1 / 3, "attack": 2 / 3, "hvp": 2.0}


@functools.cache
def _cached_flops(sizes: tuple[int, ...] | None, arch: str | None) -> int:
    return _count_flops(sizes, arch)


def step_flops_per_image(sizes: Sequence[int] | None = None, arch: str | None = None) -> int:
    """Matmul/convolution FLOPs of one training step per image (forward and backward, FA rule)."""
    return _cached_flops(None if sizes is None else tuple(int(n) for n in sizes), arch)


def _count_flops(sizes: Sequence[int] | None = None, arch: str | None = None) -> int:
    """Matmul/convolution FLOPs of one training step per image (forward and backward, FA rule)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from ..nets.models import CNNEnsemble, FeedbackMLP, Member

    if arch is not None:
        model = CNNEnsemble(arch, (3, 32, 32), 10, [Member("fa", seed=0)])
        x = torch.rand(1, 3, 32, 32)
    else:
        model = FeedbackMLP(tuple(sizes), Member("fa", seed=0))
        x = torch.rand(1, sizes[0])
    with FlopCounterMode(display=False) as counter:
        out = model(x)
        out.sum().backward()
    return int(counter.get_total_flops())


def row_costs(row: CostRow, cpu_flops_per_s: float | None = None, gpu: dict | None = None) -> dict:
    """FLOPs, optimizer steps and expected seconds (CPU, GPU) of one row."""
    cpu = cpu_flops_per_s or MEASURED_CPU["flops_per_s"]
    gpu = gpu or gpu_rates()
    per_image = step_flops_per_image(row.sizes, row.arch) * KIND_FACTOR[row.kind]
    flops = row.networks * row.epochs * row.images * per_image
    steps = row.ensembles * row.epochs * math.ceil(row.images / row.batch) if row.kind == "train" else 0
    return {"flops": flops, "steps": steps, "cpu_seconds": flops / cpu,
            "gpu_seconds": flops / gpu["flops_per_s"] + steps * gpu["seconds_per_step"]}


def cost_table(rows: Sequence[CostRow] = ROWS, **kwargs) -> list[dict]:
    return [{"row": r, **row_costs(r, **kwargs)} for r in rows]


def _fmt_flops(f: float) -> str:
    for unit, scale in (("PFLOP", 1e15), ("TFLOP", 1e12), ("GFLOP", 1e9)):
        if f >= scale:
            return f"{f / scale:.3g} {unit}"
    return f"{f:.3g} FLOP"


def _fmt_time(s: float) -> str:
    if s >= 86400:
        return f"{s / 86400:.3g} d"
    if s >= 3600:
        return f"{s / 3600:.3g} h"
    if s >= 60:
        return f"{s / 60:.3g} min"
    return f"{s:.3g} s"


def markdown_table(rows: Sequence[CostRow] = ROWS, **kwargs) -> str:
    gpu = kwargs.setdefault("gpu", gpu_rates())
    table = cost_table(rows, **kwargs)
    gpu_head = "GPU, measured rate" if gpu.get("measured") else "GPU, derived (not measured)"
    lines = ["| chapter | work | networks | epochs (or passes) | images | FLOPs | CPU, measured rate "
             f"| {gpu_head} |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for t in table:
        r = t["row"]
        lines.append(f"| {r.chapter} | {r.work} | {r.networks:,} | {r.epochs:,} | {r.images:,} | "
                     f"{_fmt_flops(t['flops'])} | {_fmt_time(t['cpu_seconds'])} | "
                     f"{_fmt_time(t['gpu_seconds'])} |")
    total = {k: sum(t[k] for t in table) for k in ("flops", "cpu_seconds", "gpu_seconds")}
    lines.append(f"| all | | | | | {_fmt_flops(total['flops'])} | {_fmt_time(total['cpu_seconds'])}"
                 f" | {_fmt_time(total['gpu_seconds'])} |")
    return "\n".join(lines)


START, END = "<!-- cost-table:start -->", "<!-- cost-table:end -->"


def write_table(page: Path, text: str | None = None) -> bool:
    """Put the table between the markers of ``page``; True when the page changed."""
    text = markdown_table() if text is None else text
    old = page.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(old):
        raise ValueError(f"{page} has no {START} … {END} block")
    new = pattern.sub(lambda _: f"{START}\n{text}\n{END}", old)
    if new != old:
        page.write_text(new, encoding="utf-8")
    return new != old


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fa_companion.tools.bench_costs",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true",
                        help="write the table into book/reproducing.md (between its markers)")
    args = parser.parse_args(argv)
    if args.write:
        from ..store.results import repo_root

        changed = write_table(repo_root() / "book" / "reproducing.md")
        print("book/reproducing.md " + ("updated" if changed else "already up to date"))
    else:
        print(markdown_table())


if __name__ == "__main__":
    main()
