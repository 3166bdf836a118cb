"""Mathematics of fa_companion.metrics (angles, update angles, ACF), plus the small numeric helpers
fa_companion.costmodel (weight-transport cost model) and fa_companion.stats (rank-sum test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import TINY_SIZES
from scipy.signal import lfilter

from fa_companion.measure.costmodel import cumulative_transport_bytes, transported_words
from fa_companion.measure.stats import mean_sd, ranksum, spearman
from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.rules.metrics import (
    acf,
    frobenius_angle,
    layer_angle_stats,
    neuron_angles,
    update_angles,
)

D = torch.float64
MIXED = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2), Member("bp", seed=3)]


# --------------------------------------------------------------------------------------------
# neuron_angles: Paper B §B.4, per input neuron, i.e. per COLUMN of W and B (both shaped (out, in))
# --------------------------------------------------------------------------------------------


def test_neuron_angles_identical_columns_give_zero():
    w = torch.randn(6, 4, dtype=D)
    torch.testing.assert_close(neuron_angles(w, w), torch.zeros(4, dtype=D), rtol=0, atol=1e-5)
    # positive per-column rescaling keeps the direction of every column
    torch.testing.assert_close(neuron_angles(w, w * torch.tensor([1.0, 2.0, 0.5, 7.0], dtype=D)),
                               torch.zeros(4, dtype=D), rtol=0, atol=1e-5)


def test_neuron_angles_opposite_columns_give_180():
    w = torch.randn(6, 4, dtype=D)
    torch.testing.assert_close(neuron_angles(w, -3.0 * w), torch.full((4,), 180.0, dtype=D),
                               rtol=0, atol=1e-5)


def test_neuron_angles_orthogonal_columns_give_90():
    w = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], dtype=D)
    b = torch.tensor([[0.0, 3.0, 0.0], [1.0, 0.0, 0.0], [5.0, 0.0, 1.0]], dtype=D)
    torch.testing.assert_close(neuron_angles(w, b), torch.full((3,), 90.0, dtype=D), rtol=0, atol=1e-12)


def test_neuron_angles_hand_computed_2d_vectors():
    # column 0: (1, 0) vs (1, 1) → 45°; column 1: (1, 0) vs (1, √3) → 60°; column 2: (0,1) vs (-1,-1) → 135°
    w = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=D)
    b = torch.tensor([[1.0, 1.0, -1.0], [1.0, math.sqrt(3.0), -1.0]], dtype=D)
    torch.testing.assert_close(neuron_angles(w, b), torch.tensor([45.0, 60.0, 135.0], dtype=D),
                               rtol=0, atol=1e-10)


def test_neuron_angles_measure_columns_not_rows():
    # B = diag(1, 3) W: every ROW of B is parallel to the same row of W, the columns are not.
    w = torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=D)
    b = torch.tensor([[1.0, 1.0], [3.0, -3.0]], dtype=D)
    expected = math.degrees(math.acos(4.0 / math.sqrt(2.0 * 10.0)))  # 26.565°
    torch.testing.assert_close(neuron_angles(w, b), torch.tensor([expected, expected], dtype=D),
                               rtol=0, atol=1e-10)
    # and the converse: scaling columns (B = W diag(1, 3)) keeps every column's direction
    torch.testing.assert_close(neuron_angles(w, w * torch.tensor([1.0, 3.0], dtype=D)),
                               torch.zeros(2, dtype=D), rtol=0, atol=1e-5)


def test_neuron_angles_shape_is_batch_by_in_and_matches_per_member():
    w, b = torch.randn(3, 5, 4, dtype=D), torch.randn(3, 5, 4, dtype=D)
    ang = neuron_angles(w, b)
    assert ang.shape == (3, 4)
    for k in range(3):
        for i in range(4):
            c = float(w[k, :, i] @ b[k, :, i] / (w[k, :, i].norm() * b[k, :, i].norm()))
            assert abs(float(ang[k, i]) - math.degrees(math.acos(c))) < 1e-9
    with pytest.raises(ValueError, match="differ"):
        neuron_angles(w, b[:, :, :3])


# --------------------------------------------------------------------------------------------
# frobenius_angle: Paper A eq. 33
# --------------------------------------------------------------------------------------------


def test_frobenius_angle_known_values_symmetric_and_scale_invariant():
    a = torch.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=D)
    b = torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=D)
    assert abs(float(frobenius_angle(a, b)) - 45.0) < 1e-10
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(7, 5, generator=g, dtype=D), torch.randn(7, 5, generator=g, dtype=D)
    t = float(frobenius_angle(x, y))
    assert float(frobenius_angle(y, x)) == pytest.approx(t, abs=1e-12)
    assert float(frobenius_angle(3.5 * x, 0.01 * y)) == pytest.approx(t, abs=1e-10)
    assert float(frobenius_angle(-x, y)) == pytest.approx(180.0 - t, abs=1e-10)
    c = float((x * y).sum() / (x.norm() * y.norm()))
    assert t == pytest.approx(math.degrees(math.acos(c)), abs=1e-10)
    assert float(frobenius_angle(x, x)) < 1e-5


def test_frobenius_angle_batch_dims_gives_one_angle_per_member():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(3, 4, 5, generator=g, dtype=D), torch.randn(3, 4, 5, generator=g, dtype=D)
    per = frobenius_angle(x, y, batch_dims=1)
    assert per.shape == (3,)
    for k in range(3):
        assert float(per[k]) == pytest.approx(float(frobenius_angle(x[k], y[k])), abs=1e-12)
    assert frobenius_angle(x, y, batch_dims=2).shape == (3, 4)
    assert frobenius_angle(x, y).shape == ()


def test_frobenius_angle_zero_matrix_gives_nan_and_shapes_must_match():
    z, x = torch.zeros(3, 3), torch.randn(3, 3)
    assert torch.isnan(frobenius_angle(z, x))
    assert torch.isnan(frobenius_angle(x, z))
    per = frobenius_angle(torch.stack([z, x]), torch.stack([x, x]), batch_dims=1)
    assert torch.isnan(per[0]) and float(per[1]) < 1e-3
    with pytest.raises(ValueError, match="differ"):
        frobenius_angle(x, torch.randn(3, 4))


# --------------------------------------------------------------------------------------------
# update_angles and layer_angle_stats on ensembles
# --------------------------------------------------------------------------------------------


def _batch(n=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, TINY_SIZES[0], generator=g, dtype=D), torch.arange(n) % TINY_SIZES[-1]


def test_update_angles_zero_for_bp_and_last_layer_positive_for_fa_hidden_layers():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    x, y = _batch()
    ang = update_angles(model, x, y)
    assert ang.shape == (model.n_layers, len(MIXED))
    assert (ang[:, 0].abs() < 1e-4).all() and (ang[:, 3].abs() < 1e-4).all()  # BP members
    assert (ang[-1].abs() < 1e-4).all()  # last layer of every member: no feedback involved
    for k in (1, 2):  # FA, IFA 30°
        assert (ang[:-1, k] > 1.0).all()
    assert not any(p.grad is not None for p in model.parameters())  # probing leaves no grads


def test_update_angles_match_hand_computed_frobenius_angle_of_grads():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    x, y = _batch(seed=3)

    def grads(backward):
        logits = model(x, backward=backward)
        k, n, c = logits.shape
        loss = torch.nn.functional.cross_entropy(logits.reshape(k * n, c), y.repeat(k))
        return torch.autograd.grad(loss, list(model.weights))

    own, true = grads("own"), grads("bp")
    ang = update_angles(model, x, y)
    for l in range(model.n_layers):
        for k in range(len(MIXED)):
            a, b = own[l][k].flatten(), true[l][k].flatten()
            c = float(a @ b / (a.norm() * b.norm()))
            assert float(ang[l, k]) == pytest.approx(math.degrees(math.acos(min(1.0, c))), abs=1e-3)


def test_layer_angle_stats_zero_for_bp_members_and_matches_neuron_angles_for_others():
    model = FeedbackMLP(TINY_SIZES, MIXED).double()
    st = layer_angle_stats(model)
    assert set(st) == {"angle_mean", "angle_sd", "angle_frob"}
    for v in st.values():
        assert v.shape == (model.n_layers, len(MIXED))
    for k in (0, 3):
        for key in st:
            assert (st[key][:, k].abs() < 1e-4).all(), key
    for l in range(model.n_layers):
        ang = neuron_angles(model.weights[l][1], model.feedback(l)[1])
        assert float(st["angle_mean"][l, 1]) == pytest.approx(float(ang.mean()), abs=1e-4)
        assert float(st["angle_sd"][l, 1]) == pytest.approx(float(ang.std(unbiased=False)), abs=1e-4)
        assert float(st["angle_frob"][l, 1]) == pytest.approx(
            float(frobenius_angle(model.weights[l][1], model.feedback(l)[1])), abs=1e-4)
    assert (st["angle_mean"][:, 1] > 45).all()  # FA: independent W and B


def test_layer_angle_stats_ifa_zero_degrees_starts_aligned():
    model = FeedbackMLP(TINY_SIZES, [Member("ifa", 0.0, seed=0), Member("ifa", 60.0, seed=0)])
    st = layer_angle_stats(model)
    assert (st["angle_frob"][:, 0] < 1e-2).all() and (st["angle_mean"][:, 0] < 1e-2).all()
    assert (st["angle_frob"][:, 1] > 20).all()


# --------------------------------------------------------------------------------------------
# acf: Paper A eq. 34
# --------------------------------------------------------------------------------------------


def test_acf_hand_computed():
    s = torch.tensor([1.0, 2.0, 3.0])
    torch.testing.assert_close(acf(s, 2), torch.tensor([14.0 / 3.0, 4.0, 3.0], dtype=D))
    batch = torch.stack([s, -s, 2 * s])
    out = acf(batch, 1)
    assert out.shape == (3, 2)
    torch.testing.assert_close(out[1], out[0])
    torch.testing.assert_close(out[2], 4 * out[0])


def test_acf_of_ar1_process_matches_beta_to_the_lag_times_variance():
    beta, n, max_lag = 0.8, 200_000, 8
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(n + 1000)
    x = lfilter([1.0], [1.0, -beta], noise)[1000:]  # x[k] = β x[k-1] + ε[k], burn-in dropped
    var = 1.0 / (1.0 - beta**2)
    out = acf(torch.from_numpy(x), max_lag).numpy()
    expected = var * beta ** np.arange(max_lag + 1)
    # sample autocovariance SE ≈ var·sqrt((1+β²)/((1-β²)n)) ≈ 0.005·var; allow ~4 SE
    np.testing.assert_allclose(out, expected, rtol=0, atol=0.02 * var)


@pytest.mark.parametrize("lag", [-1, 10, 11])
def test_acf_bad_max_lag_raises(lag):
    with pytest.raises(ValueError, match=str(lag)):
        acf(torch.randn(10), lag)


# --------------------------------------------------------------------------------------------
# costmodel (Paper B Fig 1d)
# --------------------------------------------------------------------------------------------


def test_transported_words_counts_feedback_carrying_layers_read_and_write():
    assert transported_words((784, 512, 512, 10)) == 2 * (512 * 512 + 512 * 10)
    assert transported_words((5, 3)) == 0  # layer 0 never sends error to the input
    with pytest.raises(ValueError):
        transported_words((10,))
    with pytest.raises(ValueError):
        transported_words((10, 0, 3))


def test_cumulative_transport_bp_linear_ifa_constant_fa_zero():
    sizes, it = (784, 512, 512, 10), np.array([0, 1, 2, 10, 1000])
    per = transported_words(sizes) * 4
    np.testing.assert_array_equal(cumulative_transport_bytes(sizes, "bp", it), per * it)
    np.testing.assert_array_equal(cumulative_transport_bytes(sizes, "ifa", it), np.full(5, per))
    np.testing.assert_array_equal(cumulative_transport_bytes(sizes, "fa", it), np.zeros(5))
    np.testing.assert_array_equal(cumulative_transport_bytes(sizes, "bp", it, bytes_per_word=2),
                                  per // 2 * it)
    with pytest.raises(ValueError, match="'dfa'"):
        cumulative_transport_bytes(sizes, "dfa", it)


# --------------------------------------------------------------------------------------------
# stats (Paper B Fig 1h: two-sided rank-sum with n_net = 10 per group)
# --------------------------------------------------------------------------------------------


def test_ranksum_separated_groups_of_five_exact_p():
    # small groups: scipy's "auto" already uses the exact distribution
    assert ranksum(np.arange(5), np.arange(5) + 100) == pytest.approx(2 / math.comb(10, 5), rel=1e-9)


def test_ranksum_separated_groups_of_ten_is_exact():
    a = np.arange(10, dtype=float)
    assert ranksum(a, a + 100) == pytest.approx(2 / math.comb(20, 10), rel=1e-9)
    assert ranksum(a + 100, a) == pytest.approx(2 / math.comb(20, 10), rel=1e-9)


def test_ranksum_identical_groups_and_bad_sizes():
    assert ranksum([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="1 and 3"):
        ranksum([1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="3 and 0"):
        ranksum([1.0, 2.0, 3.0], [])


def test_mean_sd_uses_sample_sd():
    m, s = mean_sd([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and s == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert mean_sd([5.0]) == (5.0, 0.0)


def test_spearman_exact_for_few_points_where_scipy_underflows():
    # 7! = 5040 ≤ n_resamples: the exact null; a perfect ranking has p = 2/7!
    rho, p = spearman(np.arange(7), np.arange(7) ** 3)
    assert rho == pytest.approx(1.0) and p == pytest.approx(2 / math.factorial(7), rel=1e-9)
    assert spearman(np.arange(7), -np.arange(7.0))[1] == pytest.approx(2 / math.factorial(7), rel=1e-9)


def test_spearman_monte_carlo_floor_and_agreement_with_scipy():
    from scipy import stats

    rho, p = spearman(np.arange(10), np.arange(10), n_resamples=9_999)
    assert rho == pytest.approx(1.0) and p == pytest.approx(2 / 10_000)  # floor 2/(N+1), not 0
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = 0.3 * x + rng.normal(size=40)
    rho, p = spearman(x, y, n_resamples=20_000)
    ref = stats.spearmanr(x, y)
    assert rho == pytest.approx(ref.statistic, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=0.15, abs=2e-3)  # t-approximation is good at n = 40
    assert spearman(x, y, seed=3) == spearman(x, y, seed=3)
    with pytest.raises(ValueError, match="3 and 2"):
        spearman([1, 2, 3], [1, 2])
