"""fa_companion.tools.bench_costs: the paper-profile cost table of book/reproducing.md, one row by
hand, the FLOP counts against the MLP formula, and the page in step with the code."""

from __future__ import annotations

import math

import pytest

from fa_companion.store.results import repo_root
from fa_companion.tools import bench, bench_costs


def test_chapter_07_row_by_hand() -> None:
    row = next(r for r in bench_costs.ROWS if r.chapter == "07")
    assert (row.networks, row.epochs, row.images, row.sizes) == (30, 30, 50_000, (3072, 512, 512, 10))
    # per image: forward 3072·512 + 512·512 + 512·10 = 1,840,128 multiply-adds, the same for the
    # weight gradients and for the input gradients except the first layer's (3072·512)
    per_image = 2 * (3 * 1_840_128 - 3072 * 512)
    assert per_image == 7_895_040
    flops = 30 * 30 * 50_000 * per_image  # 3.55e14
    steps = 3 * 30 * math.ceil(50_000 / 128)  # three ensembles, 391 steps per epoch
    gpu = {"flops_per_s": 20e12, "seconds_per_step": 1e-3}
    got = bench_costs.row_costs(row, cpu_flops_per_s=3.4e10, gpu=gpu)
    assert got["flops"] == pytest.approx(flops) and got["steps"] == steps == 35_190
    assert got["cpu_seconds"] == pytest.approx(flops / 3.4e10)  # about 2.9 hours
    assert got["gpu_seconds"] == pytest.approx(flops / 20e12 + 35.19)  # about 53 s


@pytest.mark.parametrize("sizes", [(3072, 512, 512, 10), (225, 50, 50, 50, 50, 50), (7, 3)])
def test_flop_counter_matches_the_mlp_formula(sizes) -> None:
    assert bench_costs.step_flops_per_image(sizes) == bench.mlp_step_matmul_flops(sizes, 1)


def test_kinds_scale_a_training_step() -> None:
    base = bench_costs.CostRow("x", "x", 2, 3, 5, (4, 3, 2))
    gpu = {"flops_per_s": 1.0, "seconds_per_step": 0.0}
    train = bench_costs.row_costs(base, 1.0, gpu)["flops"]
    for kind, factor in (("forward", 1 / 3), ("attack", 2 / 3), ("hvp", 2.0)):
        row = bench_costs.CostRow("x", "x", 2, 3, 5, (4, 3, 2), kind=kind)
        got = bench_costs.row_costs(row, 1.0, gpu)
        assert got["flops"] == pytest.approx(factor * train) and got["steps"] == 0


def test_reproducing_page_holds_the_generated_table() -> None:
    page = (repo_root() / "book" / "reproducing.md").read_text(encoding="utf-8")
    block = page.split(bench_costs.START)[1].split(bench_costs.END)[0].strip()
    assert block == bench_costs.markdown_table(), (
        "book/reproducing.md's cost table is stale: python -m fa_companion.tools.bench_costs --write")
