"""Running out of GPU memory while training gives an error that says which settings to lower.

No GPU is needed: a training step (or an evaluation) is made to raise PyTorch's own
``torch.cuda.OutOfMemoryError``, which exists on CPU builds too.
"""

from __future__ import annotations

import pytest
import torch
from conftest import TINY_SIZES, make_tiny_dataset

from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.training import train as train_mod
from fa_companion.training.train import (
    TrainConfig,
    TrainingOutOfMemoryError,
    explain_out_of_memory,
    train,
)

CUDA_OOM = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.11 GiB total capacity)"


def _model(k: int = 3) -> FeedbackMLP:
    return FeedbackMLP(TINY_SIZES, [Member("fa", seed=s) for s in range(k)])


def _oom_on_step(monkeypatch, after: int = 1) -> list[int]:
    """Make the optimizer's step raise CUDA's out-of-memory error from its ``after``-th call on."""
    real = train_mod.make_optimizer
    steps = []

    def make_optimizer(params, cfg):
        opt = real(params, cfg)
        step = opt.step

        def failing_step(*args, **kwargs):
            steps.append(1)
            if len(steps) >= after:
                raise torch.cuda.OutOfMemoryError(CUDA_OOM)
            return step(*args, **kwargs)

        opt.step = failing_step
        return opt

    monkeypatch.setattr(train_mod, "make_optimizer", make_optimizer)
    return steps


def _check_message(err: pytest.ExceptionInfo, *, k: int, batch_size: int, eval_batch_size: int):
    exc = err.value
    assert isinstance(exc, RuntimeError) and isinstance(exc, MemoryError)
    assert isinstance(exc, torch.cuda.OutOfMemoryError)  # existing OOM handlers still catch it
    assert isinstance(exc.__cause__, torch.cuda.OutOfMemoryError)
    assert not isinstance(exc.__cause__, TrainingOutOfMemoryError)
    assert str(exc.__cause__) == CUDA_OOM
    text = str(exc)
    for needle in (f"K = {k} member", f"batch_size={batch_size}",
                   f"eval_batch_size={eval_batch_size}", "TrainConfig.batch_size",
                   "TrainConfig.eval_batch_size", "number of ensemble members K",
                   'device="cpu"', "device 'cpu'", "CUDA out of memory. Tried to allocate 2.00 GiB"):
        assert needle in text, needle


def test_oom_in_a_training_step_names_the_settings(monkeypatch) -> None:
    steps = _oom_on_step(monkeypatch, after=2)
    cfg = TrainConfig(epochs=2, batch_size=16, eval_batch_size=32, probe_size=16)
    with pytest.raises(TrainingOutOfMemoryError) as err:
        train(_model(3), make_tiny_dataset(), cfg, progress=False)
    assert len(steps) == 2  # the first step ran, the second ran out of memory
    _check_message(err, k=3, batch_size=16, eval_batch_size=32)


def test_oom_in_evaluation_names_the_settings(monkeypatch) -> None:
    def evaluate(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError(CUDA_OOM)

    monkeypatch.setattr(train_mod, "evaluate", evaluate)
    with pytest.raises(TrainingOutOfMemoryError) as err:
        train(_model(2), make_tiny_dataset(), TrainConfig(epochs=1), progress=False)
    _check_message(err, k=2, batch_size=128, eval_batch_size=5000)


def test_oom_through_run_ensemble(monkeypatch) -> None:
    """The message reaches a user of the experiment functions (and so of sweeps)."""
    from fa_companion.training.experiments import ensemble_config, run_ensemble

    _oom_on_step(monkeypatch)
    members = [Member("fa", seed=s) for s in range(4)]
    config = ensemble_config(members, dataset="digits", n_train=40, n_test=20, hidden=(8,),
                             train=TrainConfig(epochs=1, batch_size=20, eval_batch_size=64))
    with pytest.raises(MemoryError) as err:
        run_ensemble(config, device="cpu", progress=False)
    _check_message(err, k=4, batch_size=20, eval_batch_size=64)


def test_other_errors_pass_through_and_no_double_wrapping() -> None:
    cfg = TrainConfig()
    with pytest.raises(ValueError, match="not memory"):
        with explain_out_of_memory("cpu", 1, cfg):
            raise ValueError("not memory")
    with pytest.raises(TrainingOutOfMemoryError) as err:
        with explain_out_of_memory("cuda:0", 2, cfg):
            with explain_out_of_memory("cuda:0", 2, cfg):
                raise torch.cuda.OutOfMemoryError(CUDA_OOM)
    assert type(err.value.__cause__) is torch.cuda.OutOfMemoryError  # wrapped once
    assert "device 'cuda:0'" in str(err.value)
