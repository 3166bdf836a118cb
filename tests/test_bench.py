"""fa_companion.bench: the matmul FLOP count of a training step, the GEMM-fraction benchmark at a
tiny size, and the plumbing of the opt-in chapter timings (no chapter is executed here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.tools import bench
from fa_companion.tools.book import ChapterRun


def test_matmul_flops_by_hand() -> None:
    # 3-4-2 at batch 5: forward 2·5·(3·4 + 4·2) = 200, weight gradients 200, input gradient of
    # the second layer only 2·5·(4·2) = 80 (the first layer's is not needed).
    assert bench.mlp_step_matmul_flops((3, 4, 2), 5) == 480
    # A single layer: forward and weight gradient only.
    assert bench.mlp_step_matmul_flops((7, 3), 2) == 2 * (2 * 2 * 7 * 3)
    # The benchmarked network: 784-512-512-10 at batch 128.
    terms = 784 * 512 + 512 * 512 + 512 * 10
    assert bench.mlp_step_matmul_flops(bench.SIZES, bench.BATCH) == 2 * 128 * (3 * terms - 784 * 512)
    assert bench.mlp_step_matmul_flops(bench.SIZES, bench.BATCH) == 410_779_648
    with pytest.raises(ValueError):
        bench.mlp_step_matmul_flops((3,), 5)
    with pytest.raises(ValueError):
        bench.mlp_step_matmul_flops((3, 4), 0)


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_matmul_flops_match_torch_flop_counter(rule: str) -> None:
    """The count equals what torch's FlopCounterMode sees in a real forward + backward."""
    sizes, batch = (6, 5, 4, 3), 7
    model = FeedbackMLP(sizes, Member(rule, seed=0))
    x = torch.rand(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))
    with FlopCounterMode(display=False) as counter:
        logits = model(x)
        torch.nn.functional.cross_entropy(logits.reshape(-1, sizes[-1]), y).backward()
    assert counter.get_total_flops() == bench.mlp_step_matmul_flops(sizes, batch)


def test_gemm_fraction_runs_tiny() -> None:
    out = bench.gemm_fraction_mlp(torch.device("cpu"), rounds=1, inner=1, n=64)
    assert set(out) == {"gemm_fraction_mlp", "fa_step_matmul_gflops", "peak_matmul_gflops",
                        "peak_matmul_n", "gemm_fraction_mlp_matmuls_only"}
    # the step does these matmuls and more, so the matmuls alone reach a higher fraction
    assert out["gemm_fraction_mlp_matmuls_only"] > 0
    assert out["peak_matmul_n"] == 64
    assert out["gemm_fraction_mlp"] > 0 and out["peak_matmul_gflops"] > 0
    assert out["gemm_fraction_mlp"] == pytest.approx(
        out["fa_step_matmul_gflops"] / out["peak_matmul_gflops"])


def test_chapter_timings_off_by_default() -> None:
    out = bench.chapter_timings()
    assert out["ci_book_seconds"] is None and out["book_chapter_seconds"] is None
    assert "--chapters" in out["chapters_note"]
    json.dumps(out)


def test_chapter_timings_plumbing() -> None:
    calls = []

    def fake_execute(names, profile, output_dir, allow_compute=None, log=print):
        calls.append((list(names), profile, Path(output_dir), allow_compute))
        seconds = {"ci": [1.25, 2.5], "book": [10.0, 20.04]}[profile]
        errors = [None, "ValueError: boom" if profile == "book" else None]
        return [ChapterRun(c, Path(output_dir) / f"{c}.ipynb", s, e)
                for c, s, e in zip(names, seconds, errors)]

    chapters = ["01_open_loop_alignment", "07_initial_alignment"]
    out = bench.chapter_timings(True, ["01", "07"], execute=fake_execute, log=lambda _: None)
    assert [c[:2] for c in calls] == [(chapters, "ci"), (chapters, "book")]
    assert calls[1][3] is False  # compute forbidden at the book profile
    assert calls[0][2].parent == calls[1][2].parent and not calls[0][2].parent.exists()  # temp
    assert out["ci_book_seconds"] == 3.8  # 3.75, rounded to 0.1 s
    assert out["ci_chapter_seconds"] == dict(zip(chapters, [1.2, 2.5]))
    assert out["book_chapter_seconds"] == dict(zip(chapters, [10.0, 20.0]))
    assert out["chapters_failed"] == {"07_initial_alignment (book)": "ValueError: boom"}
    json.dumps(out)


def test_chapter_timings_default_to_the_toc(monkeypatch) -> None:
    from fa_companion.tools import book

    monkeypatch.setattr(book, "toc_chapters", lambda: ["09_soft_alignment"])
    seen = []

    def fake_execute(names, profile, output_dir, allow_compute=None, log=print):
        seen.append(list(names))
        return []

    monkeypatch.setattr(book, "execute", fake_execute)
    out = bench.chapter_timings(True, log=lambda _: None)
    assert seen == [["09_soft_alignment"]] * 2
    assert out["ci_book_seconds"] == 0 and out["book_chapter_seconds"] == {}


def test_main_passes_the_chapters_flag(monkeypatch, capsys) -> None:
    seen = {}

    def fake_run(device, quick=False, chapters=False, chapter_names=None, peers=False,
                 ensemble_repeats=0):
        seen.update(device=device, quick=quick, chapters=chapters, names=chapter_names)
        seen["peers"], seen["repeats"] = peers, ensemble_repeats
        return {"x": 1}

    monkeypatch.setattr(bench, "run", fake_run)
    bench.main(["--json", "--quick"])
    assert seen == {"device": "auto", "quick": True, "chapters": False, "names": None,
                    "peers": False, "repeats": 0}
    assert json.loads(capsys.readouterr().out) == {"x": 1}
    bench.main(["--json", "--chapters"])
    assert seen["chapters"] is True and seen["names"] is None
    bench.main(["--json", "--chapters", "07", "09", "--device", "cpu"])
    assert seen == {"device": "cpu", "quick": False, "chapters": True, "names": ["07", "09"],
                    "peers": False, "repeats": 0}
    bench.main(["--json", "--peers", "--ensemble-repeats", "10"])
    assert seen["peers"] is True and seen["repeats"] == 10


def test_step_matmuls_do_the_counted_flops() -> None:
    """The ceiling's matmuls are exactly those of :func:`mlp_step_matmul_flops`."""
    sizes, batch = (6, 5, 4, 3), 7
    fn = bench._step_matmuls(sizes, batch, torch.device("cpu"))
    with FlopCounterMode(display=False) as counter:
        fn()
    assert counter.get_total_flops() == bench.mlp_step_matmul_flops(sizes, batch)


def test_fa_over_bp_step_runs_and_splits_the_overhead() -> None:
    out = bench.fa_over_bp_step(torch.device("cpu"), rounds=1, inner=1)
    assert out["fa_over_bp_step"] == pytest.approx(out["fa_step_ms"] / out["bp_step_ms"])
    assert out["fa_over_bp_step_less_fixed_overhead"] == pytest.approx(
        (out["fa_step_ms"] - out["fa_fixed_overhead_ms"]) / out["bp_step_ms"])


def test_paper_a_ensemble_bench_runs_and_bounds_the_fixed_costs() -> None:
    from fa_companion.tools.bench_deep import ensemble_speedup_paper_a

    out = ensemble_speedup_paper_a("cpu", k=2, rounds=1, inner=1)
    assert out["ensemble_speedup_paper_a"] == pytest.approx(
        out["paper_a_sequential_steps_ms"] / out["paper_a_ensemble_step_ms"])
    seq, fixed = out["paper_a_sequential_steps_ms"], out["paper_a_fixed_step_ms"]
    assert 0 < fixed and out["paper_a_speedup_from_fixed_costs"] == pytest.approx(seq / (seq - fixed))


# ---- the ensemble speedup's spread and the peers (fa_companion.tools.bench_peers) ----------------


def test_quartiles_and_ensemble_speedup_spread_keys() -> None:
    from fa_companion.tools.timing import quartiles

    assert quartiles([3.0]) == (3.0, 3.0, 3.0)
    assert quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    out = bench.ensemble_speedup_mlp(torch.device("cpu"), k=2, rounds=3, inner=1)
    assert out["ensemble_speedup_mlp_q1"] <= out["ensemble_speedup_mlp"] <= out["ensemble_speedup_mlp_q3"]
    spread = bench.ensemble_speedup_spread(torch.device("cpu"), 2, k=2, rounds=1, inner=1)
    assert len(spread["ensemble_speedup_mlp_repeats"]) == 2 and spread["ensemble_speedup_mlp_repeats_iqr"] >= 0


def test_missing_peers_name_how_to_install(monkeypatch) -> None:
    import importlib.util

    from fa_companion.tools import bench_peers

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    missing = bench_peers.missing_peers()
    assert set(missing) == {"pyhessian", "curvlinops", "biotorch"}
    assert all("pip install" in how for how in missing.values())
    assert "--no-deps" in missing["biotorch"]


def test_biotorch_function_reexpressed_is_fa(monkeypatch) -> None:
    """Without biotorch, its LinearGrad re-expressed: input gradient through B, weight gradient
    gᵀx, bias gradient the column sum; and the step ratio is still measured (tiny rounds)."""
    import sys

    from fa_companion.tools import bench_peers

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, 4, generator=gen, requires_grad=True)
    w = torch.randn(3, 4, generator=gen, requires_grad=True)
    b = torch.randn(3, generator=gen, requires_grad=True)
    B = torch.randn(3, 4, generator=gen)
    g = torch.randn(5, 3, generator=gen)
    out = bench_peers._BioTorchLinearGrad.apply(x, w, B, b, None)
    torch.testing.assert_close(out, x @ w.T + b)
    out.backward(g)
    torch.testing.assert_close(x.grad, g @ B)
    torch.testing.assert_close(w.grad, g.T @ x.detach())
    torch.testing.assert_close(b.grad, g.sum(0))
    monkeypatch.setitem(sys.modules, "biotorch", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "biotorch.layers.fa", None)
    res = bench_peers.fa_step_over_biotorch("cpu", rounds=1, inner=1)
    assert res["biotorch_source"].startswith("re-expressed") and res["fa_step_over_biotorch"] > 0


def test_hessian_peers_agree_on_the_products() -> None:
    """PyHessian's and curvlinops' Hessian-vector products equal ours on the same network and
    batch (small batch, few rounds: plumbing and agreement, not timing)."""
    pytest.importorskip("pyhessian")
    pytest.importorskip("curvlinops")
    from fa_companion.tools import bench_peers

    before = getattr(torch, "eig", None)
    out = bench_peers.hessian_peers("cpu", batch=64, train_steps=3, rounds=1, inner=1,
                                    lanczos_steps=4, eig_rounds=1)
    assert out["pyhessian_hvp_max_rel_diff"] < 1e-5 and out["curvlinops_hvp_max_rel_diff"] < 1e-5
    for key in ("lanczos_hvp_over_pyhessian", "eig_seconds_over_pyhessian", "hvp_over_pyhessian",
                "curvlinops_hvp_over_ours", "curvlinops_eig_seconds_over_ours"):
        assert out[key] > 0, key
    assert out["ours_top2_rel_err"] <= out["pyhessian_top2_rel_err"]  # equal or better accuracy
    assert getattr(torch, "eig", None) is before  # the shim for PyHessian's density() is undone
