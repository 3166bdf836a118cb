"""Ensembles in fa_companion.models: K stacked networks that behave exactly like K separate ones.

The key property: member k of an ensemble follows the trajectory it would follow trained alone
(same Member, K = 1), whatever the other members' rules and seeds; BP members get the exact
autograd gradient; FA/IFA members send their errors through their own fixed B.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import TINY_SIZES, make_tiny_dataset

from fa_companion.nets.models import FeedbackMLP, Member, activation_fn, members_grid
from fa_companion.training.train import TrainConfig, train

D = torch.float64
MIXED = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]


def _x(n=7, d=TINY_SIZES[0], seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=D)


def _y(n=7, c=TINY_SIZES[-1]):
    return torch.arange(n) % c


def _manual_forward(state, x, n_layers, act=F.relu):
    """Independent plain-PyTorch forward of one member from its unstacked state."""
    zs, hs, h = [], [x], x
    for l in range(n_layers):
        z = h @ state[f"W{l}"].T + state[f"b{l}"]
        zs.append(z)
        h = z if l == n_layers - 1 else act(z)
        hs.append(h)
    return zs, hs


def _manual_grads(state, x, y, n_layers, rule):
    """Hand-written backward pass of mean cross-entropy: δ_l = (δ_{l+1} @ M_{l+1}) ⊙ f'(z_l) with
    M = W for BP and M = B for FA/IFA (Paper A's δ_ℓ = δ_{ℓ+1} B_ℓ ⊙ f'(Z_ℓ))."""
    zs, hs = _manual_forward(state, x, n_layers)
    n, c = zs[-1].shape
    delta = (torch.softmax(zs[-1], -1) - F.one_hot(y, c).to(x.dtype)) / n
    grads = [None] * n_layers
    for l in reversed(range(n_layers)):
        grads[l] = delta.T @ hs[l]
        if l > 0:
            m = state[f"W{l}"] if rule == "bp" else state[f"B{l}"]
            delta = (delta @ m) * (zs[l - 1] > 0).to(x.dtype)
    return grads


def _ensemble_grads(model, x, y, backward="own"):
    model.zero_grad(set_to_none=True)
    logits = model(x, backward=backward)
    k, n, c = logits.shape
    loss = F.cross_entropy(logits.reshape(k * n, c), y.repeat(k), reduction="sum") / n
    loss.backward()
    return [w.grad.clone() for w in model.weights]


# --------------------------------------------------------------------------------------------
# Forward pass and gradients
# --------------------------------------------------------------------------------------------


def test_ensemble_forward_equals_each_member_computed_alone():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    x = _x()
    logits = model(x)
    assert logits.shape == (3, 7, TINY_SIZES[-1])
    for k, m in enumerate(MIXED):
        solo = FeedbackMLP(TINY_SIZES, m).double()
        torch.testing.assert_close(logits[k], solo(x)[0], rtol=0, atol=1e-12)
        zs, _ = _manual_forward(model.member_state(k), x, model.n_layers)
        torch.testing.assert_close(logits[k], zs[-1], rtol=0, atol=1e-12)


def test_bp_members_in_mixed_ensemble_get_exact_autograd_gradient():
    model = FeedbackMLP(TINY_SIZES, MIXED + [Member("bp", seed=3)]).double()
    x, y = _x(), _y()
    grads = _ensemble_grads(model, x, y)
    for k in (0, 3):
        state = {key: v.clone().requires_grad_(key.startswith("W")) for key, v in model.member_state(k).items()}
        zs, _ = _manual_forward(state, x, model.n_layers)
        loss = F.cross_entropy(zs[-1], y)
        ref = torch.autograd.grad(loss, [state[f"W{l}"] for l in range(model.n_layers)])
        for l in range(model.n_layers):
            torch.testing.assert_close(grads[l][k], ref[l], rtol=0, atol=1e-13)


def test_fa_and_ifa_members_get_hand_computed_feedback_alignment_gradient():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    x, y = _x(), _y()
    grads = _ensemble_grads(model, x, y)
    for k, m in enumerate(MIXED):
        ref = _manual_grads(model.member_state(k), x, y, model.n_layers, m.rule)
        for l in range(model.n_layers):
            torch.testing.assert_close(grads[l][k], ref[l], rtol=0, atol=1e-13)
    # the FA member's hidden-layer gradients are not BP's; its last layer's is
    bp_ref = _manual_grads(model.member_state(1), x, y, model.n_layers, "bp")
    assert not torch.allclose(grads[0][1], bp_ref[0])
    torch.testing.assert_close(grads[-1][1], bp_ref[-1], rtol=0, atol=1e-13)


def test_backward_bp_gives_true_gradient_for_every_member():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    x, y = _x(), _y()
    grads = _ensemble_grads(model, x, y, backward="bp")
    for k in range(3):
        ref = _manual_grads(model.member_state(k), x, y, model.n_layers, "bp")
        for l in range(model.n_layers):
            torch.testing.assert_close(grads[l][k], ref[l], rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="'fa'"):
        model(x, backward="fa")


def test_all_bp_ensemble_is_plain_autograd_and_all_fa_ensemble_uses_B():
    model_bp = FeedbackMLP(TINY_SIZES, [Member("bp", seed=0), Member("bp", seed=1)]).double()
    assert model_bp._effective_feedback(1, "own") is None
    model_fa = FeedbackMLP(TINY_SIZES, [Member("fa", seed=0), Member("ifa", seed=1)]).double()
    assert model_fa._effective_feedback(1, "own") is model_fa.feedback(1)
    x, y = _x(), _y()
    for model, rules in ((model_bp, ["bp", "bp"]), (model_fa, ["fa", "ifa"])):
        grads = _ensemble_grads(model, x, y)
        for k, rule in enumerate(rules):
            ref = _manual_grads(model.member_state(k), x, y, model.n_layers, rule)
            for l in range(model.n_layers):
                torch.testing.assert_close(grads[l][k], ref[l], rtol=0, atol=1e-13)


def test_feedback_buffers_are_not_parameters_but_in_state_dict_and_move_with_to():
    model = FeedbackMLP(TINY_SIZES, MIXED)
    names = {n for n, _ in model.named_parameters()}
    assert all(not n.startswith("feedback") for n in names)
    sd = model.state_dict()
    for l in range(model.n_layers):
        assert f"feedback_{l}" in sd
        assert model.feedback(l).shape == model.weights[l].shape == (3, TINY_SIZES[l + 1], TINY_SIZES[l])
    b0 = model.feedback(0).clone()
    model.to(torch.float64)
    assert model.feedback(0).dtype == torch.float64
    assert torch.equal(model.feedback(0), b0.double())
    assert model.bp_mask.tolist() == [True, False, False]


def test_member_state_is_an_unstacked_copy():
    model = FeedbackMLP(TINY_SIZES, MIXED)
    st = model.member_state(2)
    assert set(st) == {f"{p}{l}" for p in "WBb" for l in range(3)}
    assert torch.equal(st["W1"], model.weights[1][2]) and torch.equal(st["B1"], model.feedback(1)[2])
    st["W1"].add_(1.0)
    assert not torch.equal(st["W1"], model.weights[1][2])


def test_biases_start_at_zero_and_bias_false_has_none():
    model = FeedbackMLP(TINY_SIZES, MIXED)
    assert all(torch.equal(b, torch.zeros_like(b)) for b in model.biases)
    model_nb = FeedbackMLP(TINY_SIZES, MIXED, bias=False)
    assert model_nb.biases is None and model_nb.bias(0) is None
    assert model_nb(_x().float()).shape == (3, 7, 3)


def test_output_activation_is_applied_to_the_last_layer():
    x = _x()
    lin = FeedbackMLP(TINY_SIZES, MIXED).double()
    tr = FeedbackMLP(TINY_SIZES, MIXED, activation="tanh_relu", output_activation="tanh_relu").double()
    st = tr.member_state(1)
    h = x
    for l in range(3):
        h = torch.tanh(F.relu(h @ st[f"W{l}"].T + st[f"b{l}"]))
    torch.testing.assert_close(tr(x)[1], h, rtol=0, atol=1e-12)
    assert (tr(x) >= 0).all() and (lin(x) < 0).any()


# --------------------------------------------------------------------------------------------
# Input shapes
# --------------------------------------------------------------------------------------------


def test_input_shapes_shared_per_member_and_images():
    sizes = (64, 6, 4)
    model = FeedbackMLP(sizes, MIXED).double()
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 64, generator=g, dtype=D)
    ref = model(x)
    assert ref.shape == (3, 5, 4)
    torch.testing.assert_close(model(x.view(5, 1, 8, 8)), ref, rtol=0, atol=0)  # (N, 1, 8, 8)
    torch.testing.assert_close(model(x.view(5, 8, 8)), ref, rtol=0, atol=0)
    xk = torch.randn(3, 5, 64, generator=g, dtype=D)  # per member (K, N, in)
    out = model(xk)
    assert out.shape == (3, 5, 4)
    for k in range(3):
        torch.testing.assert_close(out[k], model(xk[k])[k], rtol=0, atol=1e-13)
    torch.testing.assert_close(model(xk.view(3, 5, 1, 8, 8)), out, rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(5, 65), (5, 63), (4, 5, 64), (2, 5, 64), (64,), (5, 2, 8, 8)])
def test_bad_input_shapes_raise_with_the_shape(shape):
    model = FeedbackMLP((64, 6, 4), MIXED)
    with pytest.raises(ValueError, match=str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")):
        model(torch.zeros(shape))


def test_per_member_images_with_batch_of_one():
    model = FeedbackMLP((64, 6, 4), MIXED).double()
    xk = torch.randn(3, 1, 1, 8, 8, dtype=D)
    out = model(xk)
    assert out.shape == (3, 1, 4)
    for k in range(3):
        torch.testing.assert_close(out[k], model(xk[k].view(1, 64))[k])


# --------------------------------------------------------------------------------------------
# Training: member k of an ensemble == the same member trained alone
# --------------------------------------------------------------------------------------------

HIST_KEYS = ["train_loss", "train_acc", "test_loss", "test_acc", "angle_mean", "angle_sd",
             "angle_frob", "update_angle"]


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-9), (torch.float32, 1e-5)])
def test_member_of_trained_ensemble_equals_member_trained_alone(dtype, tol):
    data = make_tiny_dataset(dtype=dtype)
    cfg = TrainConfig(epochs=2, batch_size=16, lr=1e-2, probe_size=16)
    ens = FeedbackMLP(TINY_SIZES, MIXED).to(dtype)
    hist = train(ens, data, cfg, progress=False)
    for k, m in enumerate(MIXED):
        solo = FeedbackMLP(TINY_SIZES, m).to(dtype)
        h1 = train(solo, data, cfg, progress=False)
        for key, v in solo.member_state(0).items():
            torch.testing.assert_close(ens.member_state(k)[key], v, rtol=tol, atol=tol, msg=f"{m} {key}")
        for key in HIST_KEYS:
            a, b = hist[key][..., k], h1[key][..., 0]
            if key.endswith("acc"):  # a borderline sample may flip in float32: allow one sample
                np.testing.assert_allclose(a, b, atol=100.0 / len(data.y_test) + 1e-4, err_msg=key)
            elif key == "update_angle" or key.startswith("angle"):
                np.testing.assert_allclose(a, b, rtol=0, atol=max(tol, 1e-3), err_msg=key)
            else:
                np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=key)
        assert hist["diverged_epoch"][k] == h1["diverged_epoch"][0] == -1
    # training did something and the members really differ
    assert not np.allclose(hist["train_loss"][0], hist["train_loss"][-1])
    assert not torch.allclose(ens.weights[0][0], ens.weights[0][1])


def test_members_grid_is_condition_major():
    g = members_grid([("bp", None), ("ifa", 30.0)], [0, 1])
    assert [(m.rule, m.theta, m.seed) for m in g] == [("bp", 90.0, 0), ("bp", 90.0, 1),
                                                      ("ifa", 30.0, 0), ("ifa", 30.0, 1)]
    assert [m.label for m in g] == ["BP", "BP", "IFA 30°", "IFA 30°"]


def test_constructor_validation():
    with pytest.raises(ValueError, match="sizes"):
        FeedbackMLP((10,), MIXED)
    with pytest.raises(ValueError, match="sizes"):
        FeedbackMLP((10, 0, 3), MIXED)
    with pytest.raises(ValueError, match="Member"):
        FeedbackMLP((10, 3), [])
    with pytest.raises(ValueError, match="'swish'"):
        FeedbackMLP((10, 3), MIXED, activation="swish")
    with pytest.raises(ValueError, match="'swish'"):
        activation_fn("swish")
    with pytest.raises(ValueError, match="-1"):
        Member("bp", seed=-1)
    with pytest.raises(ValueError, match="'sgd'"):
        Member("sgd")
