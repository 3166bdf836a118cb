"""Chapter 14's package logic: IFA in Paper A's deep network, the exact relaxation decomposition
(initial-weight term vs learned part, Paper A eq. 22-23), and the comparison helpers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from toy_data import TOY_DEEP_SIZES, toy_deep_config, toy_deep_data

from fa_companion.nets.deep import DeepConfig, DeepMember, DeepNet, alignment_terms, train_deep
from fa_companion.rules.metrics import frobenius_angle
from fa_companion.theory.synthesis import (
    RELAXATION_PARTS,
    RelaxationTracker,
    alignment_components,
    decline_verdict,
    describe_difference,
    group_comparison,
    initial_weight_term,
    layer_decline,
    relaxation_config,
    run_relaxation,
)

SIZES = TOY_DEEP_SIZES
CFG = toy_deep_config()
_data = toy_deep_data


# --------------------------------------------------------------------------------------------
# IFA in the deep network
# --------------------------------------------------------------------------------------------


def test_ifa_members_start_from_soft_alignment():
    fa = DeepNet([DeepMember("fa", seed=3)], CFG, device="cpu")
    ifa0 = DeepNet([DeepMember("fa", seed=3, theta_init=0.0)], CFG, device="cpu")
    ifa90 = DeepNet([DeepMember("fa", seed=3, theta_init=90.0)], CFG, device="cpu")
    ifa45 = DeepNet([DeepMember("fa", seed=3, theta_init=45.0)], CFG, device="cpu")
    c = math.cos(math.radians(45.0))
    for j in range(len(fa.W)):
        assert torch.equal(ifa0.W[j], fa.B[j]) and torch.equal(ifa0.B[j], fa.B[j])
        assert torch.equal(ifa90.W[j], fa.W[j]) and torch.equal(ifa90.B[j], fa.B[j])
        torch.testing.assert_close(ifa45.W[j], c * fa.B[j] + c * fa.W[j])  # W = Bcosθ + R sinθ
    assert torch.equal(ifa0.codes, fa.codes)


def test_deep_member_theta_init_keeps_old_configs_and_is_validated():
    d = DeepMember("fa", seed=1).to_dict()
    assert "theta_init" not in d and DeepMember(**d) == DeepMember("fa", seed=1)
    d = DeepMember("fa", seed=1, theta_init=0.0).to_dict()
    assert d["theta_init"] == 0.0 and DeepMember(**d).label == "IFA 0°"
    assert DeepMember("fa", "neuron", 1.0, theta_init=45.0).label == "IFA 45° + WN γ=1"
    with pytest.raises(ValueError, match="needs rule 'fa'"):
        DeepMember("bp", theta_init=0.0)
    with pytest.raises(ValueError, match="theta_init"):
        DeepMember("fa", theta_init=200.0)


def test_ifa_0_update_equals_bp_update_at_the_start():
    """W = B in every layer: FA's deltas are BP's, so the first update is the BP update."""
    net = DeepNet([DeepMember("fa", seed=0, theta_init=0.0)], CFG, device="cpu")
    data = _data()
    x, y = data.x_train[:16].double(), data.y_train[:16]
    zs, ls = net.forward(x)
    own = net.updates(ls, net.deltas(zs, ls, net.targets(y), "own"))
    bp = net.updates(ls, net.deltas(zs, ls, net.targets(y), "bp"))
    for a, b in zip(own, bp):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------------------------
# The decomposition
# --------------------------------------------------------------------------------------------


def test_initial_weight_term_is_the_update_at_k0_and_the_lag_k_sup_term():
    net = DeepNet([DeepMember("fa", seed=s) for s in range(2)], CFG, device="cpu")
    data = _data()
    x, y = data.x_train[:16].double(), data.y_train[:16]
    w_init = [w.clone() for w in net.W]
    zs, ls = net.forward(x)
    own = net.deltas(zs, ls, net.targets(y))
    dws = net.updates(ls, own)
    for j in range(1, net.n_layers):
        torch.testing.assert_close(initial_weight_term(net, j, ls, own, w_init[j - 1]), dws[j])
    net.apply_(dws)
    zs, ls = net.forward(x)
    own = net.deltas(zs, ls, net.targets(y))
    for j in range(1, net.n_layers):
        _, sup = alignment_terms(net, j, ls, own, w_init[j - 1], dws[j - 1], with_sup=True)
        torch.testing.assert_close(initial_weight_term(net, j, ls, own, w_init[j - 1]), sup)
    with pytest.raises(ValueError, match="layers 1"):
        initial_weight_term(net, 0, ls, own, w_init[0])


def test_alignment_components_sum_to_the_components_and_give_the_angle():
    gen = torch.Generator().manual_seed(0)
    b = torch.randn(3, 5, 4, generator=gen, dtype=torch.float64)
    parts = [torch.randn(3, 5, 4, generator=gen, dtype=torch.float64) for _ in range(3)]
    w = sum(parts)
    par, perp = alignment_components(w, b, parts)
    assert par.shape == perp.shape == (3, 3)
    b_hat = b / b.flatten(1).norm(dim=1).view(-1, 1, 1)
    w_par = (w * b_hat).sum((1, 2))
    torch.testing.assert_close(par.sum(0), w_par)
    torch.testing.assert_close(perp.sum(0), (w - w_par.view(-1, 1, 1) * b_hat).flatten(1).norm(dim=1))
    angle = torch.rad2deg(torch.atan2(perp.sum(0), par.sum(0)))
    torch.testing.assert_close(angle, frobenius_angle(w, b, batch_dims=1))
    par2, perp2 = alignment_components(2 * b, b, [b, b])  # parallel: no perpendicular component
    assert torch.equal(perp2, torch.zeros_like(perp2))
    torch.testing.assert_close(par2.sum(0), 2 * b.flatten(1).norm(dim=1))


def test_tracker_decomposition_is_exact_and_matches_train_deep():
    data = _data()
    members = [DeepMember("fa", seed=0), DeepMember("fa", seed=1, theta_init=0.0),
               DeepMember("fa", "neuron", 0.8, seed=2, theta_init=0.0), DeepMember("bp", seed=3)]
    tracker = RelaxationTracker(every=1)
    out = train_deep(data, members, CFG, device="cpu", on_step=tracker)
    rel = tracker.arrays()
    total = 2 * 3  # epochs × batches
    assert rel["rel_iter"].tolist() == list(range(total + 1))
    assert rel["rel_par"].shape == (total + 1, 3, len(RELAXATION_PARTS), 4)
    assert rel["rel_residual"].max() < 1e-12
    # the angle from the components is train_deep's W_j∠B_j at the same states (k = 0 … total−1)
    np.testing.assert_allclose(rel["rel_angle"][:total], out["angle_wb"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(rel["rel_angle"][0, :, 1], 0.0, atol=1e-3)  # IFA 0°
    assert np.all(rel["rel_perp"][0, :, :, 1] == 0)
    # after the first step the learned part is still zero (W_{j−1}[0] was current)
    np.testing.assert_allclose(rel["rel_norm"][1, :, 2, :], 0.0, atol=1e-12)
    assert rel["rel_norm"][-1, :, 2, :].min() > 0
    # the normalization part is nonzero only for the WN member
    norm_part = rel["rel_norm"][-1, :, 3, :]
    assert norm_part[:, [0, 1, 3]].max() < 1e-12 and norm_part[:, 2].min() > 1e-6  # rounding only


def test_tracker_refuses_a_skipped_iteration():
    tracker = RelaxationTracker(every=2)
    net = DeepNet([DeepMember("fa", seed=0)], CFG, device="cpu")
    with pytest.raises(ValueError, match="expected iteration 0"):
        tracker(1, net, None, None, None)
    with pytest.raises(ValueError, match="positive int"):
        RelaxationTracker(0)


def test_run_relaxation_on_digits():
    members = [DeepMember("fa", seed=0, theta_init=0.0), DeepMember("fa", seed=1, theta_init=0.0)]
    cfg = DeepConfig(epochs=2, record_dense=1, record_every=1, terms=True)
    config = json.loads(json.dumps(relaxation_config(members, cfg, every=1, dataset="digits")))
    out = run_relaxation(config, device="cpu")
    arrays, summary = out["arrays"], out["summary"]
    assert summary["labels"] == ["IFA 0°", "IFA 0°"]
    assert summary["relaxation_parts"] == list(RELAXATION_PARTS)
    assert arrays["rel_iter"].tolist() == [0, 1, 2]  # one batch of 1000 per epoch on digits
    assert arrays["rel_perp"].shape == (3, 4, 4, 2) and summary["max_decomposition_residual"] < 1e-5
    assert arrays["angle_tsup_epoch"].shape == (2, 4, 2)


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def test_layer_decline_and_its_verdict():
    angles = np.array([[40.0, 42, 41], [30, 31, 29], [20, 22, 21], [10, 9, 11]])
    np.testing.assert_allclose(layer_decline(angles), [30, 33, 30])
    fa = np.array([30.0, 31, 29, 32, 33])
    assert decline_verdict(fa, np.array([0.5, -0.2, 0.1, 0.4, 0.3])) == "removes"
    assert decline_verdict(fa, np.array([10.0, 11, 9, 12, 10])) == "reduces"
    assert decline_verdict(fa, np.array([29.0, 34, 30, 31, 33])) == "does not detectably change"
    assert decline_verdict(fa, np.array([40.0, 41, 39, 42, 43])) == "increases"
    with pytest.raises(ValueError, match="layers"):
        layer_decline(np.zeros(3))


def test_group_comparison_and_sentence():
    c = group_comparison([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert c["diff"] == pytest.approx(3.0) and c["sd_a"] == pytest.approx(1.0)
    assert c["p"] == pytest.approx(0.1)  # exact two-sided rank-sum for 3 vs 3, complete separation
    assert math.isnan(group_comparison([1.0], [2.0])["p"])
    assert describe_difference(0.4213, 0.003, what="test accuracy", unit=" points") == \
        "raises test accuracy by 0.42 points (rank-sum p = 0.003)"
    assert describe_difference(-1.0, 0.01, what="the angle", unit="°").startswith("lowers the angle by 1.00°")
    assert describe_difference(0.05, 0.6, what="test accuracy", unit=" points") == \
        "does not change test accuracy detectably (difference +0.05 points, rank-sum p = 0.6)"


def test_wn_conditions_take_their_rules_colour():
    from fa_companion.figures.plotting import rule_color

    for label in ("BP", "FA", "IFA 0°", "IFA 45°"):
        assert rule_color(f"{label} + WN") == rule_color(label)
