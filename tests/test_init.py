"""Mathematics of fa_companion.init: variance scaling and Paper B's one-time soft alignment.

Paper B Algorithm 1: B_l ~ N(0, a²/fan_in), R ~ N(0, a²/fan_in), W_l = B_lᵀ cos θ + R sin θ. Our B
is stored shaped like W (it is Paper B's B_lᵀ), so θ = 0 means ``W == B``.
"""

from __future__ import annotations

import math

import pytest
import torch

from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.rules.feedback import FeedbackConv2d, FeedbackLinear
from fa_companion.rules.init import (
    HE_GAIN,
    check_theta,
    fan_in,
    init_feedback_layer_,
    init_weights_and_feedback,
    soft_alignment,
    variance_scaling,
)
from fa_companion.rules.metrics import frobenius_angle


def _cos(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    return float(a @ b / (a.norm() * b.norm()))


def test_fan_in_linear_and_conv():
    assert fan_in((7, 5)) == 5
    assert fan_in((8, 3, 5, 5)) == 75
    for bad in [(5,), (0, 3), (3, -1)]:
        with pytest.raises(ValueError):
            fan_in(bad)


@pytest.mark.parametrize("shape,gain", [((400, 250), HE_GAIN), ((300, 400), 1.0), ((128, 8, 3, 3), 0.5)])
def test_variance_scaling_std_is_gain_over_sqrt_fan_in(shape, gain):
    w = variance_scaling(shape, gain, torch.Generator().manual_seed(0))
    assert w.shape == shape
    expected = gain / math.sqrt(fan_in(shape))
    assert abs(float(w.std()) / expected - 1) < 0.03
    assert abs(float(w.mean())) < 0.02 * expected * 5


def test_variance_scaling_negative_gain_raises():
    with pytest.raises(ValueError, match="-1"):
        variance_scaling((3, 3), -1.0)


def test_theta_zero_gives_W_equal_B_exactly():
    shapes = [(32, 20), (16, 32), (5, 16)]
    for w, b in init_weights_and_feedback(shapes, seed=4, theta_init=0.0):
        assert torch.equal(w, b)  # W = B_lᵀ of Paper B, with B stored like W
    model = FeedbackMLP((20, 32, 16, 5), [Member("ifa", 0.0, seed=4), Member("ifa", None, seed=7)])
    for l in range(model.n_layers):
        assert torch.equal(model.weights[l].detach(), model.feedback(l))


def test_theta_zero_with_different_scales_gives_parallel_but_rescaled_W():
    ((w, b),) = init_weights_and_feedback([(40, 30)], seed=1, theta_init=0.0, a=2.0, b=0.5)
    torch.testing.assert_close(w, 4.0 * b, rtol=1e-6, atol=0)


def test_theta_180_gives_W_equal_minus_B():
    ((w, b),) = init_weights_and_feedback([(20, 30)], seed=1, theta_init=180.0)
    assert torch.equal(w, -b)


def test_theta_90_gives_W_independent_of_B_and_equal_to_fa_and_bp_W0():
    ((w, b),) = init_weights_and_feedback([(512, 512)], seed=11, theta_init=90.0)
    assert abs(_cos(w, b)) < 0.05
    assert abs(float(frobenius_angle(w, b)) - 90.0) < 2.9
    model = FeedbackMLP((512, 512), [Member("bp", seed=11), Member("fa", seed=11),
                                     Member("ifa", 90.0, seed=11)])
    for k in range(3):
        assert torch.equal(model.weights[0][k].detach(), w)
        assert torch.equal(model.feedback(0)[k], b)


@pytest.mark.parametrize("theta", [30.0, 60.0, 120.0])
def test_frobenius_angle_between_W_and_B_is_close_to_theta(theta):
    ((w, b),) = init_weights_and_feedback([(512, 512)], seed=3, theta_init=theta)
    assert abs(float(frobenius_angle(w, b)) - theta) < 1.5


@pytest.mark.parametrize("theta", [0.0, 45.0, 90.0])
def test_W_keeps_variance_a2_over_fan_in_for_every_theta(theta):
    a, b = 1.5, 0.25
    ((w, fb),) = init_weights_and_feedback([(300, 200)], seed=2, theta_init=theta, a=a, b=b)
    assert abs(float(w.std()) / (a / math.sqrt(200)) - 1) < 0.03
    assert abs(float(fb.std()) / (b / math.sqrt(200)) - 1) < 0.03


def test_soft_alignment_formula_and_shape_check():
    fb, r = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    t = math.radians(37.0)
    torch.testing.assert_close(soft_alignment(fb, r, 37.0), fb * math.cos(t) + r * math.sin(t))
    assert torch.equal(soft_alignment(fb, r, 90.0), r)  # cos 90° is exactly 0
    with pytest.raises(ValueError):
        soft_alignment(fb, r.T, 30.0)


def test_same_seed_gives_identical_B0_across_rules_and_thetas_and_identical_W0_for_bp_fa():
    sizes = (10, 8, 6, 4)
    members = [Member("bp", seed=5), Member("fa", seed=5), Member("ifa", 0.0, seed=5),
               Member("ifa", 30.0, seed=5), Member("ifa", 90.0, seed=5), Member("bp", 45.0, seed=5)]
    model = FeedbackMLP(sizes, members)
    for l in range(model.n_layers):
        fb = model.feedback(l)
        for k in range(1, len(members)):
            assert torch.equal(fb[k], fb[0])  # B₀ identical for every rule and θ
        w = model.weights[l].detach()
        assert torch.equal(w[0], w[1]) and torch.equal(w[0], w[4])  # BP, FA, IFA 90° share W₀
        assert not torch.equal(w[0], w[2])


def test_different_seeds_give_different_draws():
    model = FeedbackMLP((10, 8, 4), [Member("fa", seed=0), Member("fa", seed=1)])
    for l in range(model.n_layers):
        assert not torch.equal(model.weights[l][0], model.weights[l][1])
        assert not torch.equal(model.feedback(l)[0], model.feedback(l)[1])
    again = FeedbackMLP((10, 8, 4), [Member("fa", seed=1)])
    assert torch.equal(again.weights[1][0], model.weights[1][1])


@pytest.mark.parametrize("bad", [-1, 181, float("nan"), -0.001, float("inf")])
def test_theta_outside_0_180_raises_naming_the_value(bad):
    with pytest.raises(ValueError, match=repr(bad) if not math.isnan(bad) else "nan"):
        check_theta(bad)
    with pytest.raises(ValueError):
        init_weights_and_feedback([(3, 3)], seed=0, theta_init=bad)
    with pytest.raises(ValueError):
        Member("ifa", theta_init=bad)


@pytest.mark.parametrize("ok", [0, 0.0, 90, 180.0])
def test_theta_bounds_are_inclusive(ok):
    assert check_theta(ok) == float(ok)


def test_member_fa_with_theta_other_than_90_raises():
    with pytest.raises(ValueError, match="30"):
        Member("fa", theta_init=30)
    assert Member("fa", theta_init=90).theta == 90.0
    assert Member("fa").theta == 90.0 and Member("bp").theta == 90.0 and Member("ifa").theta == 0.0


def test_negative_scales_raise():
    with pytest.raises(ValueError):
        init_weights_and_feedback([(3, 3)], seed=0, a=-1.0)
    with pytest.raises(ValueError):
        init_weights_and_feedback([(3, 3)], seed=0, b=-1.0)


def test_init_feedback_layer_matches_init_weights_and_feedback_and_zeroes_bias():
    layer = FeedbackLinear(7, 5, rule="ifa")
    with torch.no_grad():
        layer.bias.fill_(3.0)
    init_feedback_layer_(layer, seed=9, theta_init=30.0)
    ((w, b),) = init_weights_and_feedback([(5, 7)], seed=9, theta_init=30.0)
    assert torch.equal(layer.weight.detach(), w) and torch.equal(layer.feedback, b)
    assert torch.equal(layer.bias.detach(), torch.zeros(5))
    conv = FeedbackConv2d(3, 16, 3, rule="fa")
    init_feedback_layer_(conv, seed=1)
    assert abs(float(conv.feedback.std()) * math.sqrt(27) / HE_GAIN - 1) < 0.1
