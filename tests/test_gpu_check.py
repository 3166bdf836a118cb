"""fa_companion.tools.gpu_check at tiny size on the CPU (what CI can run): the JSON it writes, the
agreement check (here CPU against CPU, which must agree bit for bit), and chapter 07's three
ensembles trained on synthetic CIFAR-shaped data. The device part proper needs a GPU (`make
gpu-check` there)."""

from __future__ import annotations

import json

import pytest
import torch

from fa_companion.tools import gpu_check


def test_gpu_check_tiny_on_cpu(tmp_path, capsys) -> None:
    out = tmp_path / "gpu_check.json"
    assert gpu_check.main(["--size", "tiny", "--device", "cpu", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["device"] == "cpu" and result["size"] == "tiny" and result["ok"] is True
    a = result["agreement"]
    assert a["comparison"] == "cpu vs cpu" and "no GPU" in a["note"]
    assert a["bitwise_equal"] is True and a["max_rel_weight_diff"] == 0.0 and a["tf32"] is False
    train = result["train"]
    assert train["sizes"] == [3 * 8 * 8, 16, 16, 10] and set(train["rules"]) == {"BP", "FA", "IFA 0°"}
    for r in train["rules"].values():
        assert r["finite"] and r["ms_per_step"] > 0
    assert train["chapter07_paper_training_seconds"] is None
    assert {"fa_over_bp_step", "ensemble_speedup_mlp", "gemm_fraction_mlp"} <= set(result["bench"])
    assert "ok" in capsys.readouterr().out
    # the TF32 switches are restored after the agreement run
    assert result["environment"]["float32_matmul_precision"] == torch.get_float32_matmul_precision()


def test_gpu_check_paper_sizes_are_chapter_07s() -> None:
    spec = gpu_check.SIZES["paper"]
    assert spec["input"] == (3, 32, 32) and spec["hidden"] == (512, 512) and spec["members"] == 10
    assert set(gpu_check.RULES) == {"BP", "FA", "IFA 0°"}
    with pytest.raises(ValueError, match="size"):
        gpu_check.check("cpu", "huge")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (run `make gpu-check` there)")
def test_gpu_agreement_on_cuda() -> None:
    a = gpu_check.agreement(torch.device("cuda"), "tiny")
    assert a["comparison"] == "cpu vs cuda" and a["ok"], a


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_gpu_check_without_cuda_says_what_to_do() -> None:
    with pytest.raises(SystemExit, match="--device cpu"):
        gpu_check.check("cuda", "tiny")
