"""fa_companion.train: determinism, resumable checkpoints, divergence records, config validation,
history layout, and one exact SGD step checked against a hand-computed gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import TINY_SIZES, make_tiny_dataset

import fa_companion.training.train as train_mod
from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.training.train import TrainConfig, evaluate, make_optimizer, train

MIXED = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]
CFG = TrainConfig(epochs=2, batch_size=16, lr=1e-2, probe_size=16)
PER_EPOCH_KEYS = ["train_loss", "train_acc", "test_loss", "test_acc", "angle_mean", "angle_sd",
                  "angle_frob", "update_angle"]


def _fresh(members=MIXED, dtype=torch.float32):
    return FeedbackMLP(TINY_SIZES, members).to(dtype)


def _assert_same_history(h1, h2, rtol=0.0, atol=0.0, skip=("epoch_seconds",)):
    assert set(h1) == set(h2)
    for key in h1:
        if key in skip:
            continue
        np.testing.assert_allclose(h1[key], h2[key], rtol=rtol, atol=atol, err_msg=key)


def test_history_keys_and_shapes():
    data = make_tiny_dataset()
    cfg = TrainConfig(epochs=3, batch_size=16, lr=1e-2, probe_size=16)
    model = _fresh()
    h = train(model, data, cfg, progress=False)
    e, k, n_layers = cfg.epochs, len(MIXED), model.n_layers
    assert set(h) == set(PER_EPOCH_KEYS) | {"diverged_epoch", "epoch_seconds"}
    for key in ["train_loss", "train_acc", "test_loss", "test_acc"]:
        assert h[key].shape == (e + 1, k), key
    for key in ["angle_mean", "angle_sd", "angle_frob", "update_angle"]:
        assert h[key].shape == (e + 1, n_layers, k), key
    assert h["diverged_epoch"].shape == (k,) and h["diverged_epoch"].dtype == np.int64
    assert (h["diverged_epoch"] == -1).all()
    assert h["epoch_seconds"].shape == (e,) and (h["epoch_seconds"] > 0).all()
    assert all(np.isfinite(h[key]).all() for key in PER_EPOCH_KEYS)
    assert ((h["test_acc"] >= 0) & (h["test_acc"] <= 100)).all()


def test_row_zero_is_the_initial_state():
    data = make_tiny_dataset()
    model = _fresh()
    loss0, acc0 = evaluate(model, data.x_train, data.y_train)
    tl0, ta0 = evaluate(model, data.x_test, data.y_test, batch_size=7)  # batching must not matter
    h = train(model, data, TrainConfig(epochs=1, batch_size=16, lr=1e-2, probe_size=16), progress=False)
    np.testing.assert_allclose(h["train_loss"][0], loss0.float().numpy(), rtol=1e-6)
    np.testing.assert_allclose(h["train_acc"][0], acc0.float().numpy(), rtol=1e-6)
    np.testing.assert_allclose(h["test_loss"][0], tl0.float().numpy(), rtol=1e-5)
    np.testing.assert_allclose(h["test_acc"][0], ta0.float().numpy(), rtol=1e-6)
    # BP member: all angles are zero; IFA 30° starts near 30° but not exactly (small layers)
    assert np.abs(h["angle_frob"][0, :, 0]).max() < 1e-3
    assert np.abs(h["update_angle"][:, -1, :]).max() < 1e-3


def test_epochs_zero_returns_only_the_initial_row():
    h = train(_fresh(), make_tiny_dataset(), TrainConfig(epochs=0, batch_size=16, probe_size=8),
              progress=False)
    assert h["train_loss"].shape == (1, 3) and h["epoch_seconds"].shape == (0,)


def test_same_seed_gives_identical_history():
    data = make_tiny_dataset()
    h1 = train(_fresh(), data, CFG, progress=False)
    h2 = train(_fresh(), data, CFG, progress=False)
    _assert_same_history(h1, h2)
    h3 = train(_fresh([Member("bp", seed=5), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]),
               data, CFG, progress=False)
    assert not np.allclose(h1["train_loss"][1:, 0], h3["train_loss"][1:, 0])
    np.testing.assert_array_equal(h1["train_loss"][:, 1:], h3["train_loss"][:, 1:])


def test_one_full_batch_sgd_epoch_is_one_gradient_step():
    """batch_size = N: one epoch is W ← W − η ∇(mean CE), with FA's gradient for the FA member."""
    data = make_tiny_dataset(n_train=30, dtype=torch.float64)
    model = _fresh(MIXED, torch.float64)
    w0 = [w.detach().clone() for w in model.weights]
    b0 = [b.detach().clone() for b in model.biases]
    logits = model(data.x_train)
    k, n, c = logits.shape
    loss = F.cross_entropy(logits.reshape(k * n, c), data.y_train.repeat(k), reduction="sum") / n
    grads = torch.autograd.grad(loss, list(model.weights) + list(model.biases))
    lr = 0.3
    train(model, data, TrainConfig(epochs=1, batch_size=30, optimizer="sgd", lr=lr, probe_size=8),
          progress=False)
    nl = model.n_layers
    for l in range(nl):
        torch.testing.assert_close(model.weights[l].detach(), w0[l] - lr * grads[l], rtol=0, atol=1e-12)
        torch.testing.assert_close(model.biases[l].detach(), b0[l] - lr * grads[nl + l], rtol=0, atol=1e-12)


def test_feedback_never_changes_during_training():
    data = make_tiny_dataset()
    model = _fresh()
    fb0 = [model.feedback(l).clone() for l in range(model.n_layers)]
    w0 = model.weights[1].detach().clone()
    train(model, data, CFG, progress=False)
    for l in range(model.n_layers):
        assert torch.equal(model.feedback(l), fb0[l])
    assert not torch.equal(model.weights[1].detach(), w0)
    assert all(p is not model.feedback(0) for p in make_optimizer(model.parameters(), CFG).param_groups[0]["params"])


# --------------------------------------------------------------------------------------------
# Checkpoint resume
# --------------------------------------------------------------------------------------------


def _interrupting_snapshot(monkeypatch, stop_at_call):
    """Patch train._snapshot to raise KeyboardInterrupt on call number ``stop_at_call`` (call 1 is
    the initial row, call e + 1 the end of epoch e)."""
    real = train_mod._snapshot
    calls = {"n": 0}

    def snap(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == stop_at_call:
            raise KeyboardInterrupt("simulated interruption")
        return real(*args, **kwargs)

    monkeypatch.setattr(train_mod, "_snapshot", snap)
    return calls


@pytest.mark.parametrize("reuse_model", [False, True])
def test_checkpoint_resume_gives_the_uninterrupted_history(tmp_path, monkeypatch, reuse_model):
    data = make_tiny_dataset()
    cfg = TrainConfig(epochs=3, batch_size=16, lr=1e-2, probe_size=16)
    reference_model = _fresh()
    reference = train(reference_model, data, cfg, progress=False)

    ckpt = tmp_path / "sub" / "run.pt"
    model = _fresh()
    _interrupting_snapshot(monkeypatch, stop_at_call=4)  # dies inside epoch 3, after epoch 2 saved
    with pytest.raises(KeyboardInterrupt):
        train(model, data, cfg, checkpoint=ckpt, progress=False)
    assert ckpt.exists()
    saved = torch.load(ckpt, weights_only=False)
    assert len(saved["rows"]) == 3 and len(saved["epoch_seconds"]) == 2
    assert [p.name for p in ckpt.parent.iterdir()] == ["run.pt"]  # no temp files left behind
    monkeypatch.undo()

    resumed_model = model if reuse_model else _fresh()  # a restarted process has a fresh model
    resumed = train(resumed_model, data, cfg, checkpoint=ckpt, progress=False)
    _assert_same_history(resumed, reference, rtol=1e-6, atol=1e-6)
    assert resumed["epoch_seconds"].shape == (3,)
    assert not ckpt.exists()
    for l in range(resumed_model.n_layers):
        torch.testing.assert_close(resumed_model.weights[l], reference_model.weights[l], rtol=1e-6, atol=1e-7)


def test_resume_recomputes_nothing_before_the_checkpoint(tmp_path, monkeypatch):
    data = make_tiny_dataset()
    cfg = TrainConfig(epochs=3, batch_size=16, lr=1e-2, probe_size=16)
    ckpt = tmp_path / "run.pt"
    _interrupting_snapshot(monkeypatch, stop_at_call=3)  # dies inside epoch 2, after epoch 1 saved
    with pytest.raises(KeyboardInterrupt):
        train(_fresh(), data, cfg, checkpoint=ckpt, progress=False)
    monkeypatch.undo()
    calls = _interrupting_snapshot(monkeypatch, stop_at_call=-1)  # count only
    train(_fresh(), data, cfg, checkpoint=ckpt, progress=False)
    assert calls["n"] == 2  # epochs 2 and 3 only; the initial row came from the checkpoint
    assert not ckpt.exists()


def test_checkpoint_not_left_after_uninterrupted_run(tmp_path):
    ckpt = tmp_path / "run.pt"
    h_ck = train(_fresh(), make_tiny_dataset(), CFG, checkpoint=ckpt, progress=False)
    h = train(_fresh(), make_tiny_dataset(), CFG, progress=False)
    assert not ckpt.exists() and list(tmp_path.iterdir()) == []
    _assert_same_history(h_ck, h)


# --------------------------------------------------------------------------------------------
# Divergence
# --------------------------------------------------------------------------------------------


def test_diverging_member_is_recorded_and_others_match_their_solo_runs():
    data = make_tiny_dataset()
    members = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]
    model = _fresh(members)
    with torch.no_grad():
        for w in model.weights:
            w[1].mul_(1e30)  # member 1's logits overflow float32: non-finite loss
    h = train(model, data, CFG, progress=False)
    assert h["diverged_epoch"].tolist() == [-1, 0, -1]  # non-finite already at initialization
    assert not np.isfinite(h["train_loss"][1:, 1]).any()
    for k in (0, 2):
        solo_h = train(_fresh(members[k]), data, CFG, progress=False)
        for key in PER_EPOCH_KEYS:
            assert np.isfinite(h[key][..., k]).all(), key
            np.testing.assert_allclose(h[key][..., k], solo_h[key][..., 0], rtol=1e-5, atol=1e-4,
                                       err_msg=key)
        assert torch.isfinite(model.weights[0][k]).all()


def test_member_diverging_mid_training_gets_its_epoch(monkeypatch):
    """A member whose loss turns non-finite only in epoch 2 is recorded with epoch 2 (and keeps it)."""
    data = make_tiny_dataset()
    cfg = TrainConfig(epochs=3, batch_size=16, lr=1e-2, probe_size=16)
    model = _fresh()
    real = train_mod._snapshot
    calls = {"n": 0}

    def snap(m, *args):
        calls["n"] += 1
        if calls["n"] == 2:  # end of epoch 1: blow up member 2 so that epoch 2's loss is NaN
            with torch.no_grad():
                for w in m.weights:
                    w[2].fill_(float("nan"))
        return real(m, *args)

    monkeypatch.setattr(train_mod, "_snapshot", snap)
    h = train(model, data, cfg, progress=False)
    assert h["diverged_epoch"].tolist() == [-1, -1, 2]
    assert np.isfinite(h["train_loss"][:2, 2]).all()
    assert np.isfinite(h["train_loss"][:, :2]).all()


# --------------------------------------------------------------------------------------------
# Config validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(optimizer="rmsprop"), "'rmsprop'"),
        (dict(batch_size=0), "batch_size.*0"),
        (dict(batch_size=2.5), "2.5"),
        (dict(lr=-1), "-1"),
        (dict(lr=0.0), "0.0"),
        (dict(lr=float("nan")), "nan"),
        (dict(epochs=-1), "epochs.*-1"),
        (dict(probe_size=0), "probe_size"),
        (dict(eval_batch_size=0), "eval_batch_size"),
    ],
)
def test_trainconfig_bad_values_raise_naming_the_value(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        TrainConfig(**kwargs)


def test_trainconfig_defaults_are_paper_b_and_round_trip():
    cfg = TrainConfig()
    assert (cfg.epochs, cfg.batch_size, cfg.optimizer, cfg.lr, cfg.betas) == (30, 128, "adam", 1e-4, (0.99, 0.999))
    assert TrainConfig(**cfg.to_dict()) == cfg
    assert isinstance(make_optimizer([torch.nn.Parameter(torch.zeros(2))], cfg), torch.optim.Adam)
    assert isinstance(make_optimizer([torch.nn.Parameter(torch.zeros(2))], TrainConfig(optimizer="sgd")),
                      torch.optim.SGD)
