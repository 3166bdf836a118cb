"""Paper A's neuron-wise weight normalization as a training option of Paper B's ensembles
(``TrainConfig.weight_norm``): norms on the sphere, projected Adam step for step, ensemble members
equal to solo runs, and config hashes of existing results unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import TINY_SIZES, make_tiny_dataset

from fa_companion.nets.models import CNNEnsemble, FeedbackMLP, Member
from fa_companion.rules.normalize import neuron_norms, project_neurons_
from fa_companion.store.results import config_hash
from fa_companion.training.experiments import ensemble_config
from fa_companion.training.train import TrainConfig, project_weights_, train

MIXED = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 0.0, seed=2)]
WN = TrainConfig(epochs=2, batch_size=16, lr=1e-2, probe_size=16, weight_norm=0.7)


def _model(members=MIXED):
    return FeedbackMLP(TINY_SIZES, members).double()


def test_rows_stay_on_the_sphere_biases_and_feedback_untouched():
    data = make_tiny_dataset(dtype=torch.float64)
    model = _model()
    feedback = [model.feedback(l).clone() for l in range(model.n_layers)]
    train(model, data, WN, progress=False)
    for l, w in enumerate(model.weights):
        torch.testing.assert_close(neuron_norms(w), torch.full(w.shape[:2], 0.7, dtype=torch.float64))
        torch.testing.assert_close(model.feedback(l), feedback[l], rtol=0, atol=0)
    assert any(b.detach().abs().max() > 0 for b in model.biases)  # biases learn, unnormalized
    assert not all(torch.allclose(b.detach().norm(dim=-1), torch.tensor(0.7, dtype=torch.float64))
                   for b in model.biases)


def test_initial_state_is_projected_before_the_first_evaluation():
    data = make_tiny_dataset(dtype=torch.float64)
    h = train(_model(), data, TrainConfig(epochs=0, batch_size=16, probe_size=8, weight_norm=0.7),
              progress=False)
    ref = _model()
    project_weights_(ref, 0.7)
    from fa_companion.training.train import evaluate

    _, acc = evaluate(ref, data.x_test, data.y_test)
    np.testing.assert_allclose(h["test_acc"][0], acc.float().numpy(), rtol=1e-6)


def test_projected_adam_equals_autograd_adam_then_projection():
    """One BP member, full batches: Adam on the mean cross-entropy (Paper B's betas), then every
    row of every W rescaled to γ in place (Paper A eq. 32), step for step (float64)."""
    data = make_tiny_dataset(dtype=torch.float64)
    cfg = TrainConfig(epochs=4, batch_size=len(data.y_train), lr=3e-2, probe_size=8, weight_norm=0.9)
    model = _model([Member("bp", seed=4)])
    ws = [torch.nn.Parameter(w[0].detach().clone()) for w in model.weights]
    bs = [torch.nn.Parameter(b[0].detach().clone()) for b in model.biases]
    for w in ws:
        project_neurons_(w, 0.9)
    opt = torch.optim.Adam([*ws, *bs], lr=cfg.lr, betas=cfg.betas, eps=cfg.eps)
    train(model, data, cfg, progress=False)
    for _ in range(cfg.epochs):
        h = data.x_train
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w.T + b
            h = F.relu(h) if i < len(ws) - 1 else h
        loss = F.cross_entropy(h, data.y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
        for w in ws:
            project_neurons_(w, 0.9)
    for a, b in zip(model.weights, ws):
        torch.testing.assert_close(a[0].detach(), b.detach(), rtol=1e-8, atol=1e-10)


def test_ensemble_members_equal_their_solo_runs_with_wn():
    data = make_tiny_dataset(dtype=torch.float64)
    together = _model()
    h = train(together, data, WN, progress=False)
    for k, m in enumerate(MIXED):
        solo = _model([m])
        hs = train(solo, data, WN, progress=False)
        for key in ("train_loss", "test_acc", "angle_mean", "update_angle"):
            np.testing.assert_allclose(h[key][..., k], hs[key][..., 0], rtol=1e-6, atol=1e-5,
                                       err_msg=key)
        for a, b in zip(together.weights, solo.weights):
            torch.testing.assert_close(a[k].detach(), b[0].detach(), rtol=1e-9, atol=1e-11)


def test_ifa_with_wn_starts_nearly_aligned():
    """WN rescales W's rows only: IFA 0°'s W₀ = B becomes D B (D diagonal), a small angle."""
    model = FeedbackMLP((784, 512, 512, 10), [Member("ifa", 0.0, seed=0)])
    project_weights_(model, 2 ** 0.5)
    from fa_companion.rules.metrics import frobenius_angle

    for l in (1, 2):
        angle = float(frobenius_angle(model.weights[l][0], model.feedback(l)[0]))
        assert 0 < angle < 4


def test_weight_norm_option_keeps_existing_hashes():
    members = [Member("fa", seed=0)]
    assert "weight_norm" not in TrainConfig().to_dict()
    assert ensemble_config(members, train=TrainConfig()) == ensemble_config(members)
    with_wn = ensemble_config(members, train=TrainConfig(weight_norm=1.0))
    assert with_wn["train"]["weight_norm"] == 1.0
    assert config_hash(with_wn) != config_hash(ensemble_config(members))
    assert TrainConfig(**with_wn["train"] | {"betas": (0.99, 0.999)}) == TrainConfig(weight_norm=1.0)


@pytest.mark.parametrize("gamma", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_gamma_is_refused(gamma):
    with pytest.raises(ValueError, match="weight_norm"):
        TrainConfig(weight_norm=gamma)


def test_cnn_ensembles_are_refused():
    cnn = CNNEnsemble("lenet", (1, 28, 28), 10, [Member("fa", seed=0)], width=0.25)
    with pytest.raises(ValueError, match="FeedbackMLP"):
        project_weights_(cnn, 1.0)
