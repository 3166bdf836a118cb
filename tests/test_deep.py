"""Paper A's deep setting: hand-written BP/FA against autograd, batching, normalizations, terms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from toy_data import TOY_DEEP_SIZES, toy_deep_config, toy_deep_data

from fa_companion.nets.deep import (
    DeepConfig,
    DeepMember,
    DeepNet,
    alignment_terms,
    df_tanh_relu,
    f_tanh_relu,
    moving_average,
    reduce_history,
    train_deep,
)
from fa_companion.rules.feedback import feedback_linear
from fa_companion.rules.normalize import neuron_norms

SIZES = TOY_DEEP_SIZES
CFG = toy_deep_config(record_every=2)
_data = toy_deep_data


def _autograd_updates(net: DeepNet, x, target, rule: str):
    """−η ∂(½ΣE²)/∂W by autograd: plain matmuls for BP, the package's FA Function for FA."""
    ws = [w.clone().requires_grad_(True) for w in net.W]
    h = x.expand(net.n_members, *x.shape)
    for w, b in zip(ws, net.B):
        h = feedback_linear(h, w, None, None if rule == "bp" else b)
        h = torch.tanh(torch.relu(h))
    loss = 0.5 * ((target - h) ** 2).sum()
    grads = torch.autograd.grad(loss, ws)
    return [-net.lr * g for g in grads]


@pytest.mark.parametrize("rule", ["bp", "fa"])
def test_hand_written_backward_equals_autograd(rule):
    """Eqs 14-19 with f = tanh∘ReLU and the summed squared error: BP equals autograd's gradient;
    FA equals autograd through FeedbackLinearFunction (input gradient grad_out @ B)."""
    net = DeepNet([DeepMember(rule, seed=s, lr=0.01) for s in range(3)], CFG, device="cpu")
    data = _data()
    x, y = data.x_train[:16].double(), data.y_train[:16]
    target = net.targets(y)
    zs, ls = net.forward(x)
    mine = net.updates(ls, net.deltas(zs, ls, target, rule))
    ref = _autograd_updates(net, x, target, rule)
    for a, b in zip(mine, ref):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-13)


def test_fa_backward_uses_b_and_differs_from_bp():
    net = DeepNet([DeepMember("fa", seed=0, lr=0.01)], CFG, device="cpu")
    x, y = _data().x_train[:16].double(), _data().y_train[:16]
    target = net.targets(y)
    zs, ls = net.forward(x)
    fa = net.deltas(zs, ls, target, "fa")
    bp = net.deltas(zs, ls, target, "bp")
    d = net.n_layers
    torch.testing.assert_close(fa[d], bp[d])  # δ_d is the same for both rules (eq. 17)
    manual = (fa[d] @ net.B[d - 1]) * df_tanh_relu(zs[d - 1])
    torch.testing.assert_close(fa[d - 1], manual)  # eq. 18: δ_ℓ = δ_{ℓ+1} B_ℓ ⊙ f'(Z_ℓ)
    assert not torch.allclose(fa[d - 1], bp[d - 1])
    net.B[d - 1].mul_(2.0)  # FA's error scales with B, BP's does not move
    fa2, bp2 = net.deltas(zs, ls, target, "fa"), net.deltas(zs, ls, target, "bp")
    torch.testing.assert_close(fa2[d - 1], 2 * fa[d - 1])
    torch.testing.assert_close(bp2[d - 1], bp[d - 1])


def test_activation_derivative():
    z = torch.tensor([-1.0, -1e-9, 0.0, 1e-9, 0.3, 2.0, 30.0], dtype=torch.float64)
    zz = z.clone().requires_grad_(True)
    torch.tanh(torch.relu(zz)).sum().backward()
    torch.testing.assert_close(df_tanh_relu(z), zz.grad)
    torch.testing.assert_close(f_tanh_relu(z), torch.tanh(torch.relu(z)))


def test_batched_members_equal_single_runs():
    """Member i's trajectory does not depend on who shares the ensemble (float64)."""
    data = _data()
    members = [DeepMember("fa", seed=1), DeepMember("bp", "neuron", 1.0, seed=2, lr=1e-3),
               DeepMember("fa", "layer", 2.0, seed=3, smoothing=True),
               DeepMember("fa", "bnorm", seed=4, lr=2e-3)]
    cfg = DeepConfig(**{**CFG.to_dict(), "terms": True, "acf_elements": 2, "acf_max_lag": 3,
                        "switch_epoch": 1, "z_samples": 4})
    together = train_deep(data, members, cfg, device="cpu")
    for i, m in enumerate(members):
        alone = train_deep(data, [m], cfg, device="cpu")
        for key, arr in alone.items():
            if key in ("train_seconds", "rec_iter", "n_batches"):
                continue
            axis = {"acf_l": 2, "acf_delta": 2, "z_switch": 0, "z_final": 0}.get(key, -1)
            np.testing.assert_allclose(np.take(together[key], [i], axis=axis), arr, rtol=1e-9,
                                       atol=1e-9, equal_nan=True, err_msg=key)


def test_normalizations_hold_after_training():
    data = _data()
    members = [DeepMember("fa", "neuron", 0.6, seed=0), DeepMember("fa", "layer", 3.0, seed=0),
               DeepMember("fa", "bnorm", seed=0), DeepMember("fa", seed=0)]
    net = DeepNet(members, CFG, device="cpu")
    # WN members: B's columns normalized to γ at init (§4.4); W rows on the γ-sphere
    for b in net.B:
        torch.testing.assert_close(torch.linalg.vector_norm(b[0], dim=-2),
                                   torch.full((b.shape[-1],), 0.6, dtype=torch.float64))
    b_plain = [b[3].clone() for b in net.B]
    x, y = data.x_train[:16].double(), data.y_train[:16]
    for _ in range(3):
        zs, ls = net.forward(x)
        net.apply_(net.updates(ls, net.deltas(zs, ls, net.targets(y))))
    for w, b, b0 in zip(net.W, net.B, b_plain):
        torch.testing.assert_close(neuron_norms(w[0]), torch.full((w.shape[1],), 0.6,
                                                                 dtype=torch.float64))
        torch.testing.assert_close(torch.linalg.matrix_norm(w[1]), torch.tensor(3.0, dtype=torch.float64))
        torch.testing.assert_close(torch.linalg.matrix_norm(b[2]), torch.linalg.matrix_norm(w[2]))
        torch.testing.assert_close(b[3], b0)  # plain FA: B never changes


def test_same_seed_same_start_across_rules():
    a = DeepNet([DeepMember("fa", seed=5)], CFG, device="cpu")
    b = DeepNet([DeepMember("bp", seed=5, lr=0.1, smoothing=True)], CFG, device="cpu")
    assert all(torch.equal(u, v) for u, v in zip(a.W + a.B, b.W + b.B))
    assert torch.equal(a.codes, b.codes)


def test_first_order_alignment_terms_sum_to_the_update():
    """Eq. 20: ΔW_ℓ[k] = T¹_ℓ[k] + T¹_ℓ,sup[k] + O(η²) for plain FA. The remainder shrinks like η²
    while ΔW shrinks like η: relative error ∝ η."""
    data = _data()
    x, y = data.x_train[:16].double(), data.y_train[:16]
    errs = []
    for lr in (1e-2, 1e-3):
        net = DeepNet([DeepMember("fa", seed=0, lr=lr)], CFG, device="cpu")
        zs, ls = net.forward(x)
        own = net.deltas(zs, ls, net.targets(y))
        dws = net.updates(ls, own)
        w_prev = [w.clone() for w in net.W]
        net.apply_(dws)  # iteration k−1 → k, same batch
        zs, ls = net.forward(x)
        own = net.deltas(zs, ls, net.targets(y))
        now = net.updates(ls, own)
        j = 2
        t1, sup = alignment_terms(net, j, ls, own, w_prev[j - 1], dws[j - 1], with_sup=True)
        errs.append(((now[j] - t1 - sup).norm() / now[j].norm()).item())
    assert errs[0] < 0.05
    assert errs[1] < errs[0] / 5  # first order: ≈ 10× smaller for 10× smaller η


def test_train_deep_shapes_and_switch():
    data = _data()
    cfg = DeepConfig(**{**CFG.to_dict(), "epochs": 3, "switch_epoch": 2, "terms": True,
                        "acf_elements": 3, "acf_max_lag": 4, "z_samples": 5})
    out = train_deep(data, [DeepMember("fa", seed=0), DeepMember("fa", "neuron", 1.0, seed=1)],
                     cfg, device="cpu")
    n_it = 3 * 3
    assert out["rec_iter"].tolist() == [k for k in range(n_it) if k < 5 or k % 2 == 0]
    r = len(out["rec_iter"])
    assert out["test_acc"].shape == (4, 2) and out["train_acc"].shape == (3, 2)
    assert out["angle_update"].shape == (r, 3, 2) and out["w_norm"].shape == (r, 4, 2)
    assert out["angle_t1"].shape == (r, 3, 2)
    assert np.isnan(out["angle_tp"][0]).all() and np.isfinite(out["angle_tp"][-1]).all()
    assert np.isnan(out["angle_t1"][0]).all() and np.isfinite(out["angle_t1"][1]).all()
    assert out["acf_l"].shape == (4, 3, 2, 5)
    assert out["z_switch"].shape == (2, 5, 9) and out["z_final"].shape == (2, 5, 9)
    assert np.all((out["test_acc"] >= 0) & (out["test_acc"] <= 100))


def test_evaluate_matches_manual_decoding():
    data = _data()
    net = DeepNet([DeepMember("fa", seed=0), DeepMember("fa", seed=1)], CFG, device="cpu")
    ev = net.evaluate(data.x_test.double(), data.y_test, batch=7)
    out = net.forward(data.x_test.double())[1][-1]
    pred = (out @ net.codes.transpose(-1, -2)).argmax(-1)
    torch.testing.assert_close(ev["acc"], 100 * (pred == data.y_test).double().mean(-1))


def test_moving_average_by_iteration():
    iters = np.array([0, 1, 2, 3, 10, 20, 30])
    vals = np.array([1.0, 2, 3, 4, 5, 6, np.nan])
    ma = moving_average(vals, iters, window=10)
    # trailing windows (k−10, k]: k=10 holds iterations {1, 2, 3, 10}; k=30 holds only {30} (NaN)
    np.testing.assert_allclose(ma[:5], [1, 1.5, 2, 2.5, (2 + 3 + 4 + 5) / 4])
    assert ma[5] == 6 and np.isnan(ma[6])


def test_bad_members_and_configs_are_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        DeepMember("ifa")
    with pytest.raises(ValueError, match="needs a positive finite gamma"):
        DeepMember("fa", "neuron")
    with pytest.raises(ValueError, match="only used with"):
        DeepMember("fa", "none", 1.0)
    with pytest.raises(ValueError, match="exceeds the output width"):
        DeepConfig(sizes=(4, 5, 5), n_hot=1, n_classes=10)
    with pytest.raises(ValueError, match="switch_epoch"):
        DeepConfig(epochs=3, switch_epoch=3)
    with pytest.raises(ValueError, match="inputs"):
        train_deep(_data(), [DeepMember()], DeepConfig(), device="cpu")


def test_reduce_history_means_and_epochs():
    data = _data()
    cfg = DeepConfig(**{**CFG.to_dict(), "epochs": 2, "record_dense": 100, "record_every": 1})
    out = train_deep(data, [DeepMember("fa", seed=s) for s in range(3)], cfg, device="cpu")
    red = reduce_history(out)
    np.testing.assert_allclose(red["angle_wb_mean"], out["angle_wb"].mean(-1), rtol=1e-6)
    np.testing.assert_allclose(red["angle_wb_sem"], out["angle_wb"].std(-1, ddof=1) / np.sqrt(3),
                               rtol=1e-5)
    # every iteration is recorded: epoch e holds iterations 3e … 3e+2
    np.testing.assert_allclose(red["w_norm_epoch"][1], out["w_norm"][3:6].mean(0), rtol=1e-6)
    assert "angle_wb" not in red and red["test_acc"] is out["test_acc"]


def test_run_deep_condition_on_digits():
    """The results-store entry point: JSON-able config in, compact arrays and a summary out."""
    import json

    from fa_companion.nets.deep import deep_condition_config, run_deep_condition

    members = [DeepMember("fa", "neuron", 1.0, seed=0), DeepMember("bp", seed=1)]
    cfg = DeepConfig(epochs=2, record_dense=1, record_every=1, switch_epoch=1)
    config = deep_condition_config(members, cfg, dataset="digits")
    config = json.loads(json.dumps(config))  # what the store hashes and hands back
    out = run_deep_condition(config, device="cpu")
    arrays, summary = out["arrays"], out["summary"]
    assert summary["labels"] == ["FA + WN γ=1", "BP"] and summary["n_train"] == 1437
    assert arrays["test_acc"].shape == (3, 2) and arrays["angle_update_mean"].shape == (2, 4)
    assert arrays["angle_update_epoch"].shape == (2, 4, 2)
    np.testing.assert_allclose(arrays["w_norm_epoch"][:, :, 0], np.sqrt(50), rtol=1e-5)  # WN, γ = 1


def test_bp_with_wn_equals_projected_autograd_sgd():
    """BP + WN in DeepNet is projected SGD: autograd on ½ΣE², torch.optim.SGD, then
    project_neurons_ in place on the optimizer's parameters, step for step (float64)."""
    from fa_companion.rules.normalize import project_neurons_

    data = _data()
    m = DeepMember("bp", "neuron", 0.8, lr=0.02, seed=3)
    net = DeepNet([m], CFG, device="cpu")
    ws = [torch.nn.Parameter(w[0].clone()) for w in net.W]
    opt = torch.optim.SGD(ws, lr=0.02)
    for step in range(6):
        idx = slice(16 * (step % 3), 16 * (step % 3 + 1))
        x, y = data.x_train[idx].double(), data.y_train[idx]
        zs, ls = net.forward(x)
        net.apply_(net.updates(ls, net.deltas(zs, ls, net.targets(y))))
        h = x
        for w in ws:
            h = torch.tanh(torch.relu(h @ w.T))
        loss = 0.5 * ((net.targets(y)[0] - h) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        for w in ws:
            project_neurons_(w, 0.8)
        for a, b in zip(net.W, ws):
            torch.testing.assert_close(a[0], b.detach(), rtol=1e-10, atol=1e-12)


def test_b_as_drawn_under_wn_keeps_b_and_the_config_hash():
    drawn = DeepNet([DeepMember("fa", "neuron", 1.0, seed=3, normalize_b=False)], CFG, device="cpu")
    plain = DeepNet([DeepMember("fa", seed=3)], CFG, device="cpu")
    text = DeepNet([DeepMember("fa", "neuron", 1.0, seed=3)], CFG, device="cpu")
    assert all(torch.equal(u, v) for u, v in zip(drawn.B, plain.B))  # B exactly as drawn
    assert all(torch.equal(u, v) for u, v in zip(drawn.W, text.W))  # W projected as under the text
    assert not any(torch.equal(u, v) for u, v in zip(text.B, plain.B))
    assert "normalize_b" not in DeepMember("fa", "neuron", 1.0).to_dict()  # older hashes kept
    assert DeepMember("fa", "neuron", 1.0, normalize_b=False).to_dict()["normalize_b"] is False
    assert "B as drawn" in DeepMember("fa", "neuron", 1.0, normalize_b=False).label
    with pytest.raises(ValueError, match="needs norm='neuron'"):
        DeepMember("fa", normalize_b=False)


def test_deep_condition_config_records_a_non_default_resize_only():
    from fa_companion.nets.deep import deep_condition_config

    members = [DeepMember("fa")]
    assert "resize_method" not in deep_condition_config(members, CFG)
    assert deep_condition_config(members, CFG, resize_method="cv2")["resize_method"] == "cv2"


def test_t_p_is_recorded_when_the_period_does_not_divide_the_recording_interval():
    # 3 mini-batches per epoch (P = 3), records every 2 iterations after the first 2: k − P is
    # not itself a record point, yet T^P needs W and ΔW there (MNIST's 8 mini-batches, records every 10)
    data = toy_deep_data(n_train=48)
    cfg = toy_deep_config(epochs=4, record_dense=2, record_every=2, terms=True)
    out = train_deep(data, [DeepMember("fa", seed=0)], cfg, device="cpu")
    late = out["rec_iter"] >= 3
    assert late.any() and np.isfinite(out["angle_tp"][late]).all()
    assert np.isfinite(out["angle_t1"][out["rec_iter"] >= 1]).all()
