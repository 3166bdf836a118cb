"""Benchmarks: ``python -m fa_companion.bench [--json] [--device auto] [--quick] [--chapters] [--peers]``.

Prints one JSON object. Ratios are measured side by side in the same run (absolute times on a
shared 2-core machine are noisy): the two workloads of a ratio are timed in alternation and the
median of the per-round times is used.

- ``fa_over_bp_step``: time of one FA training step (our ``FeedbackLinearFunction``) over one BP
  step of the same network built from ``torch.nn.Linear`` with plain autograd; 784-512-512-10,
  batch 128, Adam (Paper B's optimizer). Goal ≤ 1.05. ``fa_fixed_overhead_ms`` and
  ``fa_over_bp_step_less_fixed_overhead`` split the excess into a fixed per-step cost and the rest.
- ``ensemble_speedup_mlp``: 10 sequential single-network steps over one step of a K = 10 ensemble
  (same network, batch 128 per member), the median of per-round ratios over 15 rounds, with their
  quartiles (``ensemble_speedup_mlp_q1``, ``_q3``). Goal ≥ 1.3. ``--ensemble-repeats N`` repeats
  the whole measurement N times (``ensemble_speedup_mlp_repeats``, median and IQR). Both sides do
  the same arithmetic, so on a CPU the speedup is what K - 1 saved fixed per-step costs are worth:
  ``ensemble_speedup_mlp_from_fixed_costs`` predicts it from ``mlp_fixed_step_ms``.
- With ``--peers`` (:mod:`fa_companion.tools.bench_peers`; optional packages, ``make bench-peers``):
  ``lanczos_hvp_over_pyhessian``, ``eig_seconds_over_pyhessian``, ``hvp_over_pyhessian``,
  ``curvlinops_*`` and ``fa_step_over_biotorch``; without it, ``peers_note``.
- ``gemm_fraction_mlp``: the matmul FLOP/s achieved by one FA training step of 784-512-512-10 at
  batch 128 (:func:`mlp_step_matmul_flops` over the step's time, Adam and everything else
  included) divided by the FLOP/s of one large square float32 matmul timed in the same run (the
  machine's practical matmul peak; n = 1024 on a CPU, 2048 on a GPU). Goal ≥ 0.6. Its ceiling at
  these shapes, ``gemm_fraction_mlp_matmuls_only``, times only the step's matmuls.
- ``ci_book_seconds`` (seconds to execute every chapter of the book at the ``ci`` profile, in
  all) and ``book_chapter_seconds`` (chapter -> seconds to execute it at the ``book`` profile from
  the stored results, compute forbidden by ``FA_COMPANION_COMPUTE=0``): slow, so only with
  ``--chapters`` (:func:`chapter_timings`, through :func:`fa_companion.tools.book.execute`, notebooks
  written to a temporary directory); otherwise null, and ``chapters_note`` says how to get them.
- ``openloop_batched_speedup`` (:mod:`fa_companion.tools.bench_openloop`), ``ensemble_speedup_paper_a``
  (:mod:`fa_companion.tools.bench_deep`), ``hvp_over_grad`` and ``hvps_for_top2``
  (:mod:`fa_companion.tools.bench_hessian`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from .. import __version__, resolve_device
from ..nets.models import FeedbackMLP, Member
from ..training.train import TrainConfig, make_optimizer
from .timing import TINY_BATCH, TINY_SIZES, paired_samples, paired_times, quartiles

__all__ = [
    "paired_times",
    "fa_over_bp_step",
    "ensemble_speedup_mlp",
    "ensemble_speedup_spread",
    "mlp_step_matmul_flops",
    "gemm_fraction_mlp",
    "chapter_timings",
    "run",
]

SIZES = (784, 512, 512, 10)
BATCH = 128


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
    """FA over BP step time (``fa_over_bp_step``) and, timed in the same rounds, the fixed per-step
    cost of each path on ``TINY_SIZES`` (``fa_fixed_overhead_ms``: FA's extra fixed cost, the
    custom autograd Function's Python forward/backward and the separate bias addition) and the
    ratio with that fixed extra removed (``fa_over_bp_step_less_fixed_overhead``: what the
    arithmetic of the two paths costs)."""
    gen = torch.Generator().manual_seed(0)
    steps = {}
    for tag, sizes, batch in (("", SIZES, BATCH), ("_tiny", TINY_SIZES, TINY_BATCH)):
        x = torch.rand(batch, sizes[0], generator=gen).to(device)
        y = torch.randint(0, sizes[-1], (batch,), generator=gen).to(device)
        steps["fa" + tag] = _step_fn(FeedbackMLP(sizes, Member("fa", seed=0)).to(device), x, y)
        steps["bp" + tag] = _step_fn(_plain_bp_mlp(sizes).to(device), x, y)
    t = paired_times(steps, rounds=rounds, inner=inner, device=device)
    overhead = t["fa_tiny"] - t["bp_tiny"]
    return {"fa_over_bp_step": t["fa"] / t["bp"], "fa_step_ms": 1e3 * t["fa"],
            "bp_step_ms": 1e3 * t["bp"], "fa_fixed_overhead_ms": 1e3 * overhead,
            "fa_over_bp_step_less_fixed_overhead": (t["fa"] - overhead) / t["bp"]}


def ensemble_speedup_mlp(device: torch.device, k: int = 10, rounds: int = 15, inner: int = 5) -> dict:
    """``ensemble_speedup_mlp``: the median over ``rounds`` rounds of the per-round ratio (10
    sequential single-network steps over one step of the K = 10 ensemble, the two timed back to
    back in each round, so that a burst of load from other processes hits both sides of a ratio),
    with the quartiles of those per-round ratios (``ensemble_speedup_mlp_q1``, ``_q3``).

    Both sides do the same arithmetic; what the ensemble saves is the fixed cost of K - 1 steps
    (Python, dispatch, autograd bookkeeping, Adam's per-tensor work). ``mlp_fixed_step_ms`` is that
    cost, timed in the same rounds as the step of the benchmark's three layers on ``TINY_SIZES``,
    and ``ensemble_speedup_mlp_from_fixed_costs`` the speedup it alone predicts,
    ``sequential / (sequential - (K - 1) · fixed)``."""
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

    xt = torch.rand(TINY_BATCH, TINY_SIZES[0], generator=gen).to(device)
    yt = torch.randint(0, TINY_SIZES[-1], (TINY_BATCH,), generator=gen).to(device)
    fixed = _step_fn(FeedbackMLP(TINY_SIZES, Member("fa", seed=0)).to(device), xt, yt)
    s = paired_samples({"ensemble": ens_step, "sequential": sequential, "fixed": fixed},
                       rounds=rounds, inner=inner, device=device)
    q1, med, q3 = quartiles([a / b for a, b in zip(s["sequential"], s["ensemble"])])
    seq, fix = statistics.median(s["sequential"]), statistics.median(s["fixed"])
    return {"ensemble_speedup_mlp": med, "ensemble_speedup_mlp_q1": q1, "ensemble_speedup_mlp_q3": q3,
            "ensemble_step_ms": 1e3 * statistics.median(s["ensemble"]),
            "sequential_steps_ms": 1e3 * seq, "mlp_fixed_step_ms": 1e3 * fix,
            "ensemble_speedup_mlp_from_fixed_costs": seq / max(seq - (k - 1) * fix, 1e-12)}


def ensemble_speedup_spread(device: torch.device, repeats: int = 10, **kwargs) -> dict:
    """``ensemble_speedup_mlp`` measured ``repeats`` times over (fresh networks each time): the
    values, their median and interquartile range (``ensemble_speedup_mlp_repeats``,
    ``…_repeats_median``, ``…_repeats_iqr``), to see the spread between runs of the benchmark."""
    runs = [ensemble_speedup_mlp(device, **kwargs)["ensemble_speedup_mlp"] for _ in range(repeats)]
    q1, med, q3 = quartiles(runs)
    return {"ensemble_speedup_mlp_repeats": [round(r, 4) for r in runs],
            "ensemble_speedup_mlp_repeats_median": med,
            "ensemble_speedup_mlp_repeats_iqr": q3 - q1}


def mlp_step_matmul_flops(sizes: Sequence[int], batch: int) -> int:
    """Matmul FLOPs of one training step of an MLP with layer widths ``sizes`` on ``batch`` inputs.

    Each layer ``in -> out`` costs ``2·batch·in·out`` (one multiply and one add per term) three
    times: the forward product, the weight gradient ``grad_outᵀ h`` and the input gradient
    ``grad_out W`` (``grad_out B`` under FA: the same shape, the same cost), except that the first
    layer's input gradient is not computed (the data need none). Bias additions, activations, the
    loss and the optimizer are not matmuls and are not counted.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) <= 0 or batch <= 0:
        raise ValueError(f"need ≥ 2 positive widths and a positive batch, got {sizes}, {batch}")
    terms = sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))
    return 2 * batch * (3 * terms - sizes[0] * sizes[1])


def gemm_fraction_mlp(device: torch.device, rounds: int = 15, inner: int = 10,
                      n: int | None = None) -> dict:
    """Matmul FLOP/s of one FA training step (784-512-512-10, batch 128, Adam) over the FLOP/s of
    an ``n × n`` float32 matmul (default 2048 on a GPU, 1024 on a CPU), timed side by side."""
    n = n or (2048 if device.type == "cuda" else 1024)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(BATCH, SIZES[0], generator=gen).to(device)
    y = torch.randint(0, SIZES[-1], (BATCH,), generator=gen).to(device)
    step = _step_fn(FeedbackMLP(SIZES, Member("fa", seed=0)).to(device), x, y)
    a = torch.randn(n, n, generator=gen).to(device)
    b = torch.randn(n, n, generator=gen).to(device)
    c = torch.empty(n, n, device=device)

    def gemm() -> None:
        torch.matmul(a, b, out=c)

    t = paired_times({"step": step, "gemm": gemm, "matmuls": _step_matmuls(SIZES, BATCH, device)},
                     rounds=rounds, inner=inner, device=device)
    flops = mlp_step_matmul_flops(SIZES, BATCH)
    peak = 2 * n**3 / t["gemm"]
    return {"gemm_fraction_mlp": flops / t["step"] / peak, "fa_step_matmul_gflops": flops / t["step"] / 1e9,
            "peak_matmul_gflops": peak / 1e9, "peak_matmul_n": n,
            "gemm_fraction_mlp_matmuls_only": flops / t["matmuls"] / peak}


def _step_matmuls(sizes: Sequence[int], batch: int, device: torch.device) -> Callable[[], None]:
    """Only the matmuls of one training step (those :func:`mlp_step_matmul_flops` counts, with
    their shapes, into preallocated outputs): the ceiling of ``gemm_fraction_mlp`` at these shapes,
    reported as ``gemm_fraction_mlp_matmuls_only``."""
    gen = torch.Generator().manual_seed(1)
    hs = [torch.rand(batch, n, generator=gen).to(device) for n in sizes]  # layer inputs / outputs
    gs = [torch.rand(batch, n, generator=gen).to(device) for n in sizes]  # gradients at outputs
    ws = [torch.rand(o, i, generator=gen).to(device) for i, o in zip(sizes[:-1], sizes[1:])]
    outs = [(torch.empty(batch, w.shape[0], device=device), torch.empty_like(w),
             torch.empty(batch, w.shape[1], device=device)) for w in ws]

    def matmuls() -> None:
        for l, (w, (fwd, dw, dx)) in enumerate(zip(ws, outs)):
            torch.mm(hs[l], w.t(), out=fwd)  # forward
            torch.mm(gs[l + 1].t(), hs[l], out=dw)  # weight gradient
            if l:  # input gradient (B has W's shape), not needed for the data
                torch.mm(gs[l + 1], w, out=dx)

    return matmuls


CHAPTERS_NOTE = (
    "ci_book_seconds and book_chapter_seconds are null unless the benchmark runs with --chapters: "
    "`python -m fa_companion.bench --json --chapters [CHAPTER ...]` executes the chapters (default:"
    " those in _toc.yml) at the ci profile and at the book profile from the stored results "
    "(FA_COMPANION_COMPUTE=0), notebooks into a temporary directory; minutes to tens of minutes"
)


def chapter_timings(enabled: bool = False, chapters: Sequence[str] | None = None, *,
                    execute: Callable | None = None,
                    log: Callable[[str], None] | None = None) -> dict:
    """``ci_book_seconds`` and ``book_chapter_seconds`` (both None unless ``enabled``).

    Executes ``chapters`` (default: the chapters of ``_toc.yml``) with ``execute`` (default
    :func:`fa_companion.tools.book.execute`) at the ``ci`` profile, then at the ``book`` profile with
    compute forbidden, each notebook written to a temporary directory. The ci time is the sum over
    the chapters (results already in the ci cache, ``.cache/results/ci/``, are reused: delete it
    for a cold-cache time). A chapter that fails is still timed and listed in
    ``chapters_failed`` (``"<chapter> (<profile>)" -> error``). Progress goes to ``log`` (default
    stderr), so that stdout stays one JSON object.
    """
    if not enabled:
        return {"ci_book_seconds": None, "book_chapter_seconds": None,
                "chapters_note": CHAPTERS_NOTE}
    from . import book

    execute = execute or book.execute
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    names = book.resolve_chapters(chapters) if chapters else book.toc_chapters()
    with tempfile.TemporaryDirectory(prefix="fa-bench-chapters-") as tmp:
        ci = execute(names, profile="ci", output_dir=Path(tmp) / "ci", log=log)
        bk = execute(names, profile="book", output_dir=Path(tmp) / "book", allow_compute=False,
                     log=log)
    failed = {f"{r.chapter} ({profile})": r.error
              for profile, runs in (("ci", ci), ("book", bk)) for r in runs if not r.ok}
    return {
        "ci_book_seconds": round(sum(r.seconds for r in ci), 1),
        "ci_chapter_seconds": {r.chapter: round(r.seconds, 1) for r in ci},
        "book_chapter_seconds": {r.chapter: round(r.seconds, 1) for r in bk},
        "chapters_failed": failed,
    }


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


def run(device="auto", quick: bool = False, chapters: bool = False,
        chapter_names: Sequence[str] | None = None, peers: bool = False,
        ensemble_repeats: int = 0) -> dict:
    """All benchmarks as one flat dict (``quick`` uses fewer rounds, for smoke tests; the chapter
    timings only with ``chapters``, see :func:`chapter_timings`; the peers only with ``peers``,
    see :mod:`fa_companion.tools.bench_peers`; ``ensemble_repeats`` > 0 adds
    :func:`ensemble_speedup_spread`)."""
    dev = resolve_device(device)
    scale = 0.2 if quick else 1.0
    out = {"device": str(dev), "torch": torch.__version__, "fa_companion": __version__,
           "threads": torch.get_num_threads(), "machine": platform.machine()}
    if dev.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(dev)
    out.update(fa_over_bp_step(dev, rounds=max(3, int(15 * scale))))
    out.update(ensemble_speedup_mlp(dev, rounds=max(3, int(15 * scale))))
    if ensemble_repeats:
        out.update(ensemble_speedup_spread(dev, ensemble_repeats, rounds=max(3, int(15 * scale))))
    out.update(gemm_fraction_mlp(dev, rounds=max(3, int(15 * scale))))
    out.update(_chapter_benches(dev, rounds=max(3, int(7 * scale))))
    if peers:
        from .bench_peers import peers_bench

        out.update(peers_bench(dev, quick=quick))
    else:
        out["peers_note"] = PEERS_NOTE
    out.update(chapter_timings(chapters, chapter_names))
    return {k: _round(v) for k, v in out.items()}


def _round(v):
    """Four decimals, or four significant digits for small values (errors such as 1e-7 stay
    visible)."""
    if isinstance(v, float):
        return float(f"{v:.4g}") if 0 < abs(v) < 0.01 else round(v, 4)
    if isinstance(v, list):
        return [_round(x) for x in v]
    return v


PEERS_NOTE = ("peer ratios (lanczos_hvp_over_pyhessian, eig_seconds_over_pyhessian, "
              "fa_step_over_biotorch, curvlinops_*) only with --peers; the peers install with "
              "`make bench-peers` (pip install -e \".[bench]\" and pip install --no-deps biotorch)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fa_companion.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a table)")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda[:N]'")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke test)")
    parser.add_argument("--chapters", nargs="*", metavar="CHAPTER", default=None,
                        help="also time executing the chapters (default: those in _toc.yml) at the"
                             " ci and book profiles (slow)")
    parser.add_argument("--peers", action="store_true",
                        help="also time PyHessian, curvlinops-for-pytorch and BioTorch side by side"
                             " (optional; missing ones are listed with how to install them)")
    parser.add_argument("--ensemble-repeats", type=int, default=0, metavar="N",
                        help="also repeat ensemble_speedup_mlp N times (median and IQR)")
    args = parser.parse_args(argv)
    result = run(args.device, quick=args.quick, chapters=args.chapters is not None,
                 chapter_names=args.chapters or None, peers=args.peers,
                 ensemble_repeats=args.ensemble_repeats)
    if args.peers and result.get("peers_missing"):
        for name, how in result["peers_missing"].items():
            print(f"peer {name} is not installed: {how}", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:28s} {v}")


if __name__ == "__main__":
    main()
