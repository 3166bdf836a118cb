"""Mathematics of fa_companion.openloop (Paper A §2.1-2.3, Methods 4.2-4.4, Supp. Notes 1-3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fa_companion.rules.metrics import acf
from fa_companion.theory.openloop import (
    OpenLoopConfig,
    Process,
    TwoStepCondition,
    activation_fns,
    alignment_term,
    alignment_term_linear,
    fa_step,
    linear_expansion,
    moving_average,
    neuron_wn,
    persistent_transform_draws,
    psd_direction_angles,
    random_product_angles,
    relu_mask_angles,
    sample_process,
    simulate,
    sup_alignment_term,
    sym_skew,
    transformation,
    two_step_draws,
)

D = torch.float64
SMALL = dict(n_i=6, n_h=5, n_o=4, n_b=7)


def _angle(a, b):
    a, b = a.flatten(), b.flatten()
    return math.degrees(math.acos(float(a @ b / (a.norm() * b.norm()))))


# --------------------------------------------------------------------------------------------
# One iteration against autograd; ReLU convention
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["linear", "relu"])
def test_fa_step_matches_autograd_of_imposed_error(activation):
    """With E imposed, BP's ΔW = η ∂⟨E, Y⟩/∂W (Y = f(f(XW₀)W₁)); FA's ΔW₀ replaces W₁ᵀ by B."""
    g = torch.Generator().manual_seed(0)
    x, e = torch.randn(7, 6, generator=g, dtype=D), torch.randn(7, 4, generator=g, dtype=D)
    w0 = torch.randn(6, 5, generator=g, dtype=D, requires_grad=True)
    w1 = torch.randn(5, 4, generator=g, dtype=D, requires_grad=True)
    b = torch.randn(4, 5, generator=g, dtype=D)
    f, _ = activation_fns(activation)
    eta = 0.01
    (e * f(f(x @ w0) @ w1)).sum().backward()
    step = fa_step(w0.detach(), w1.detach(), b, x, e, eta, activation)
    torch.testing.assert_close(step["dw0_bp"], eta * w0.grad)
    torch.testing.assert_close(step["dw1"], eta * w1.grad)
    # FA: the same computation with B in place of W1^T
    w0b = w0.detach().clone().requires_grad_(True)
    w1_fake = b.T.clone()  # forward through B^T gives the FA backward path for W0
    if activation == "linear":
        (e * (x @ w0b @ w1_fake)).sum().backward()
        torch.testing.assert_close(step["dw0_fa"], eta * w0b.grad)
    else:
        z1 = x @ w0.detach()
        d2 = e * (f(z1) @ w1.detach() >= 0).to(D)
        torch.testing.assert_close(step["dw0_fa"], eta * x.T @ ((d2 @ b) * (z1 >= 0).to(D)))


def test_relu_derivative_at_zero_is_one():
    _, fprime = activation_fns("relu")
    assert fprime(torch.tensor([-1.0, 0.0, 2.0])).tolist() == [0.0, 1.0, 1.0]


def test_bad_names_raise_clear_errors():
    with pytest.raises(ValueError, match="valid kinds"):
        Process("sine")
    with pytest.raises(ValueError, match="valid"):
        OpenLoopConfig(activation="tanh")
    with pytest.raises(ValueError, match="beta"):
        Process("ar1", beta=1.5)


# --------------------------------------------------------------------------------------------
# Alignment terms (Methods 4.2)
# --------------------------------------------------------------------------------------------


def test_linear_expansion_plus_remainder_equals_dw1_exactly():
    """Eq. 23: ΔW₁[k] = Σ_{o=1}^{k} T°_aln[k] + η W₀[0]ᵀ X[k]ᵀ E[k] in the linear network, for
    autocorrelated (AR(1)) E and X, at every k."""
    cfg = OpenLoopConfig(**SMALL, eta=0.05, iterations=9, activation="linear",
                         error=Process("ar1", beta=0.5), input=Process("ar1", beta=0.7, mean=0.3))
    r = simulate(cfg, reps=2, seed=3, device="cpu", dtype=D, history=True)
    for k in range(cfg.iterations):
        terms, rem = linear_expansion(r["W0_init"], r["B"], r["E"], r["X"], k, cfg.eta)
        total = sum(terms, rem)
        torch.testing.assert_close(total, r["dW1"][k], rtol=1e-11, atol=1e-13)
        if k >= 2:  # the terms are not negligible: the identity is not just "remainder = ΔW1"
            assert torch.linalg.vector_norm(sum(terms)) > 1e-3 * torch.linalg.vector_norm(rem)


def test_linear_first_order_split_is_exact_and_general_term_reduces_to_eq26():
    """Eq. 20 in the linear network: ΔW₁[k] = T¹_aln[k] + T¹_sup[k] exactly; eq. 21 with δ₁ = E B
    equals eq. 26."""
    cfg = OpenLoopConfig(**SMALL, eta=0.05, iterations=6, activation="linear", track_terms=True,
                         error=Process("redraw", every=2), input=Process("ar1", beta=0.4))
    r = simulate(cfg, reps=3, device="cpu", dtype=D)
    assert float(r["taylor_rel"][1:].max()) < 1e-12
    g = torch.Generator().manual_seed(1)
    w0 = torch.randn(6, 5, generator=g, dtype=D)
    b = torch.randn(4, 5, generator=g, dtype=D)
    e0, e1 = torch.randn(7, 4, generator=g, dtype=D), torch.randn(7, 4, generator=g, dtype=D)
    x0, x1 = torch.randn(7, 6, generator=g, dtype=D), torch.randn(7, 6, generator=g, dtype=D)
    t21 = alignment_term(w0, x0, e0 @ b, x1, e1, 0.1, "linear")
    torch.testing.assert_close(t21, alignment_term_linear(b, e0, x0, x1, e1, 0.1))
    # T^{o-1}_sup = T^o_aln + T^o_sup with W0[k-o+1] = W0[k-o] + ΔW0[k-o] (linear: exact)
    w0_next = w0 + 0.1 * x0.T @ (e0 @ b)
    torch.testing.assert_close(sup_alignment_term(w0_next, x1, e1, 0.1, "linear"),
                               t21 + sup_alignment_term(w0, x1, e1, 0.1, "linear"))


def test_relu_alignment_terms_are_the_first_order_taylor_split():
    """Eq. 20-22 with ReLU, which is piecewise linear: when no hidden unit of X[k]W₀ changes sign
    from W₀[k−1] to W₀[k] = W₀[k−1] + ΔW₀[k−1], the split ΔW₁[k] = T¹_aln[k] + T¹_sup[k] is
    exact; in a simulation with a small η this holds at most iterations."""
    g = torch.Generator().manual_seed(6)
    eta = 1e-4
    w0p, w1 = torch.randn(6, 5, generator=g, dtype=D), torch.randn(5, 4, generator=g, dtype=D)
    b = torch.randn(4, 5, generator=g, dtype=D)
    xp, x = torch.randn(7, 6, generator=g, dtype=D), torch.randn(7, 6, generator=g, dtype=D)
    ep, e = torch.randn(7, 4, generator=g, dtype=D), torch.randn(7, 4, generator=g, dtype=D)
    prev = fa_step(w0p, w1, b, xp, ep, eta)
    w0 = w0p + prev["dw0_fa"]
    assert torch.equal(x @ w0p >= 0, x @ w0 >= 0)  # no unit crosses zero
    now = fa_step(w0, w1, b, x, e, eta)
    t_aln = alignment_term(w0p, xp, prev["d1"], x, now["d2"], eta)
    t_sup = sup_alignment_term(w0p, x, now["d2"], eta)
    torch.testing.assert_close(t_aln + t_sup, now["dw1"], rtol=1e-12, atol=1e-15)
    assert t_aln.norm() > 1e-6 * now["dw1"].norm()
    cfg = OpenLoopConfig(n_i=10, n_h=10, n_o=4, n_b=10, eta=eta, iterations=8, track_terms=True)
    rel = simulate(cfg, reps=6, device="cpu", dtype=D)["taylor_rel"][1:]
    assert float((rel < 1e-12).double().mean()) > 0.5


def test_skew_part_deviates_exactly_90_degrees():
    """Eq. 28-31: M = M_sym + M_skew, and ⟨Bᵀ, Bᵀ M_skew⟩_F = 0 for any B."""
    g = torch.Generator().manual_seed(2)
    m = torch.randn(5, 8, 8, generator=g, dtype=D)
    m_sym, m_skew = sym_skew(m)
    torch.testing.assert_close(m_sym + m_skew, m)
    torch.testing.assert_close(m_sym, m_sym.transpose(-1, -2))
    torch.testing.assert_close(m_skew, -m_skew.transpose(-1, -2))
    for i in range(5):
        bt = torch.randn(30, 8, generator=g, dtype=D)
        assert abs(_angle(bt @ m_skew[i], bt) - 90.0) < 1e-9
    draws = two_step_draws(50, TwoStepCondition(e_mean=0.5, x_mean=0.5), n_i=10, n_h=9, n_o=6,
                           n_b=4, device="cpu")
    np.testing.assert_allclose(draws["angle_skew"], 90.0, atol=1e-9)
    # and the full term is the product of B^T with M (eq. 26-27)
    assert np.all(draws["ratio"] > 0)


# --------------------------------------------------------------------------------------------
# Expectations (Monte Carlo within stated error)
# --------------------------------------------------------------------------------------------


def test_expected_transformation_is_nb_ni_identity():
    """§2.1: E(EᵀXXᵀE) = n_b n_i I for i.i.d. N(0, 1) E and X; every element within 5 standard
    errors of the mean over 4000 draws."""
    n = 4000
    d = persistent_transform_draws(n, n_i=6, n_h=3, n_o=4, n_b=5, seed=0, device="cpu",
                                   eigenvalues=False)
    z = np.abs(d["m_mean"] - np.eye(4)) / (d["m_sd"] / math.sqrt(n))
    assert z.max() < 5.0
    # the test has power: a wrong scale (n_b² n_i instead of n_b n_i) is > 20 standard errors off
    z_wrong = np.abs(d["m_mean"] - np.eye(4) / 5) / (d["m_sd"] / math.sqrt(n))
    assert z_wrong.max() > 20


def test_expected_two_step_transformation_with_mean_half_is_scaled_all_ones():
    """§2.2: E(E[0]ᵀX[0]X[1]ᵀE[1]) = 0.0625 n_i n_b² J for i.i.d. N(0.5, 1) elements."""
    n, n_i, n_b, n_o = 4000, 5, 3, 4
    d = two_step_draws(n, TwoStepCondition(e_mean=0.5, x_mean=0.5), n_i=n_i, n_h=3, n_o=n_o,
                       n_b=n_b, device="cpu")
    expected = 0.0625 * n_i * n_b**2 * np.ones((n_o, n_o))
    z = np.abs(d["m_mean"] - expected) / (d["m_sd"] / math.sqrt(n))
    assert z.max() < 5.0


def test_persistent_transform_is_psd_with_at_least_no_minus_ni_zero_eigenvalues():
    """Supp. Note 3 and §2.1: EᵀXXᵀE is positive semidefinite; n_o > n_i leaves ≥ n_o − n_i zero
    eigenvalues, so Bᵀ M never turns Bᵀ by 90° or more."""
    d = persistent_transform_draws(200, n_i=3, n_h=8, n_o=7, n_b=10, device="cpu")
    eig = d["eig"] / d["eig"][:, :1]
    assert eig.min() > -1e-10
    assert np.all((np.abs(eig) < 1e-10).sum(1) >= 7 - 3)
    assert d["angle"].max() < 90.0


def test_random_product_and_relu_mask_angles_match_their_expectations():
    """Supp. Note 3: AB∠A ≈ 90° with SD ≈ √2/n rad; §2.2: {f'(Z)⊙B}∠B ≈ arccos√½ = 45° with SD
    ≈ √0.75/n rad (our derivation for n×n matrices). Means within 4 SE, SDs within 15%."""
    n, size = 600, 40
    ab = random_product_angles(n, size, device="cpu")
    assert abs(ab.mean() - 90.0) < 4 * ab.std(ddof=1) / math.sqrt(n)
    assert abs(ab.std(ddof=1) / math.degrees(math.sqrt(2) / size) - 1) < 0.15
    rm = relu_mask_angles(n, size, device="cpu")
    assert abs(rm.mean() - 45.0) < 4 * rm.std(ddof=1) / math.sqrt(n) + 0.01
    assert abs(rm.std(ddof=1) / math.degrees(math.sqrt(0.75) / size) - 1) < 0.15


def test_psd_transformation_never_turns_a_vector_by_90_degrees():
    d = psd_direction_angles(500, dim=20, rank=5, device="cpu")
    assert d["psd"].max() < 90.0
    assert d["indefinite"].max() > 90.0 and d["random"].max() > 90.0


# --------------------------------------------------------------------------------------------
# Processes (eq. 6-7, redraws)
# --------------------------------------------------------------------------------------------


def test_ar1_acf_matches_beta_power_tau():
    """Eq. 6 and 34: after a burn-in, ACF(τ)/ACF(0) = β^τ and ACF(0) = (1−β)/(1+β) (the
    stationary variance of S[k] = βS[k−1] + (1−β)N)."""
    beta = 0.6
    s = sample_process(Process("ar1", beta=beta), 3000, (40,), reps=2, device="cpu")
    sig = s[200:].permute(1, 2, 0).reshape(-1, 2800)  # (elements, time)
    a = acf(sig, 6).mean(0)
    np.testing.assert_allclose((a / a[0]).numpy(), beta ** np.arange(7), atol=0.02)
    assert abs(float(a[0]) / ((1 - beta) / (1 + beta)) - 1) < 0.03


def test_redraw_every_k_and_constant_processes():
    s = sample_process(Process("redraw", every=3, mean=0.5), 9, (4,), device="cpu")[:, 0]
    for k in range(9):
        same = torch.equal(s[k], s[k - 1]) if k else False
        assert same == (k % 3 != 0)
    assert abs(float(s.mean()) - 0.5) < 1.5
    c = sample_process(Process("constant"), 5, (4,), device="cpu")
    assert all(torch.equal(c[k], c[0]) for k in range(5))
    b1 = sample_process(Process("ar1", beta=1.0), 5, (4,), device="cpu")
    assert all(torch.equal(b1[k], b1[0]) for k in range(5))


# --------------------------------------------------------------------------------------------
# The simulation: closed forms, batching, WN
# --------------------------------------------------------------------------------------------


def test_constant_linear_open_loop_has_the_closed_form_of_supp_note_2():
    """Eq. S6: W₀[k] = W₀[0] + kη XᵀEB, and W₁[k] = W₁[0] + kη W₀[0]ᵀXᵀE + η²k(k−1)/2 BᵀEᵀXXᵀE,
    so W₁'s direction converges to BᵀEᵀXXᵀE (eq. S10)."""
    K, eta = 40, 0.02
    cfg = OpenLoopConfig(**SMALL, eta=eta, iterations=K, activation="linear", track_asymptote=True)
    r = simulate(cfg, reps=2, device="cpu", dtype=D, history=True)
    x, e, b, w0 = r["X"][0], r["E"][0], r["B"], r["W0_init"]
    xe = x.transpose(-1, -2) @ e
    torch.testing.assert_close(r["W0"], w0 + K * eta * xe @ b)
    w1_0 = r["W1_init"]
    m = xe.transpose(-1, -2) @ xe
    expected = (w1_0 + K * eta * w0.transpose(-1, -2) @ xe
                + eta**2 * K * (K - 1) / 2 * b.transpose(-1, -2) @ m)
    torch.testing.assert_close(r["W1"], expected)
    assert torch.all(r["angle_w1_bm"][-1] < r["angle_w1_bm"][1])
    assert torch.all(r["angle_w0_xeb"][-1] < r["angle_w0_xeb"][1])


def test_batched_member_equals_single_run():
    cfg = OpenLoopConfig(n_i=12, n_h=10, n_o=4, n_b=8, iterations=25, gamma=1.0, track_terms=True,
                         error=Process("ar1", beta=0.8), input=Process("redraw", every=2, mean=0.5))
    batch = simulate(cfg, reps=[0, 1, 2], seed=5, device="cpu", dtype=D)
    single = simulate(cfg, reps=[1], seed=5, device="cpu", dtype=D)
    for name, v in single.items():
        member = batch[name][1:2] if name[0] in "BW" else batch[name][:, 1:2]  # tensors vs traces
        torch.testing.assert_close(member, v, rtol=1e-9, atol=1e-9, equal_nan=True, msg=name)
    # and different repetitions differ
    assert not torch.allclose(batch["angle_w1_bt"][:, 0], batch["angle_w1_bt"][:, 1])


def test_weight_normalization_keeps_every_neuron_on_the_gamma_sphere():
    """Eq. 32: after every update each column of W₀ and W₁ has norm γ; B's columns too (once)."""
    gamma = 0.7
    cfg = OpenLoopConfig(n_i=9, n_h=8, n_o=3, n_b=5, iterations=15, gamma=gamma,
                         error=Process("redraw", every=1))
    r = simulate(cfg, reps=2, device="cpu", dtype=D)
    for name in ("W0", "W1", "B"):
        torch.testing.assert_close(r[name].norm(dim=-2), torch.full_like(r[name].norm(dim=-2), gamma))
    torch.testing.assert_close(neuron_wn(torch.ones(1, 4, 2, dtype=D), 2.0), torch.ones(1, 4, 2, dtype=D))
    # without WN the norms grow (Supp. Note 1 "blow-up") under persistent E and X
    r2 = simulate(cfg.with_(gamma=None, error=Process("constant"), activation="linear", eta=0.05),
                  reps=2, device="cpu", dtype=D)
    assert torch.all(r2["norm_w1"][-1] > 2 * r2["norm_w1"][0])


def test_transformation_shapes_and_definition():
    g = torch.Generator().manual_seed(4)
    e0, e1 = torch.randn(7, 3, generator=g, dtype=D), torch.randn(7, 3, generator=g, dtype=D)
    x0, x1 = torch.randn(7, 5, generator=g, dtype=D), torch.randn(7, 5, generator=g, dtype=D)
    m = transformation(e0, x0, x1, e1)
    assert m.shape == (3, 3)
    torch.testing.assert_close(m, e0.T @ x0 @ x1.T @ e1)


def test_moving_average():
    x = np.arange(10, dtype=float)
    ma = moving_average(x, 3, centered=False)
    np.testing.assert_allclose(ma[2:], np.convolve(x, np.ones(3) / 3, mode="valid"))
    np.testing.assert_allclose(ma[:2], [0.0, 0.5])
    centred = moving_average(x, 3)
    np.testing.assert_allclose(centred[1:-1], x[1:-1])  # a linear trend is not delayed
    np.testing.assert_allclose(centred[[0, -1]], [0.0, 9.0])  # windows shrink symmetrically
    y = np.stack([x, 2 * x], axis=1)
    np.testing.assert_allclose(moving_average(y, 3)[:, 1], 2 * centred)
    z = x.copy()
    z[0] = np.nan
    assert moving_average(z, 3, centered=False)[1] == 1.0
    np.testing.assert_allclose(moving_average(np.ones(7), 60), np.ones(7))
    w = np.arange(200.0) ** 2
    np.testing.assert_allclose(moving_average(w, 5)[50], w[48:53].mean())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(1,), (3, 3), (7,), (100, 10), (9, 30), (100, 100)])
def test_partial_chunks_are_the_full_chunks_numbers(shape, dtype):
    """A stream that draws only the iterations it needs gives exactly the numbers of the full
    ``_CHUNK``-iteration draw (torch's CPU normal fill works in blocks of 16 uniforms)."""
    from fa_companion.theory.openloop import _CHUNK, _chunk_rows

    for rows in (1, 2, 5, 17, _CHUNK - 1, _CHUNK):
        full = torch.randn((_CHUNK, *shape), generator=torch.Generator().manual_seed(rows), dtype=dtype)
        part = _chunk_rows(torch.Generator().manual_seed(rows), rows, shape, "cpu", dtype)
        assert part.shape == (rows, *shape) and torch.equal(part, full[:rows])


def test_a_stream_refuses_more_values_than_declared():
    from fa_companion.theory.openloop import _Stream

    stream = _Stream([torch.Generator().manual_seed(0)], (2, 3), torch.device("cpu"), torch.float64, draws=2)
    stream.next(), stream.next()
    with pytest.raises(RuntimeError, match="more values than it declared"):
        stream.next()


# ---- the authors' code as a reading (Figure4.ipynb, Figure_S1.ipynb at bd9e3d4) ----------------


def test_new_protocol_switches_keep_the_hash_of_older_configs():
    d = OpenLoopConfig().to_dict()
    assert "normalize_b" not in d and "bp_reference" not in d  # stored results keep their keys
    code = OpenLoopConfig(normalize_b=False, bp_reference="after_update").to_dict()
    assert code["normalize_b"] is False and code["bp_reference"] == "after_update"
    assert OpenLoopConfig.from_dict(code) == OpenLoopConfig(normalize_b=False, bp_reference="after_update")
    with pytest.raises(ValueError, match="bp_reference"):
        OpenLoopConfig(bp_reference="later")


def test_b_left_as_drawn_under_wn_is_exactly_the_draw():
    cfg = OpenLoopConfig(**SMALL, iterations=3, gamma=1.0)
    text = simulate(cfg, reps=2, device="cpu", dtype=D)
    code = simulate(cfg.with_(normalize_b=False), reps=2, device="cpu", dtype=D)
    plain = simulate(cfg.with_(gamma=None), reps=2, device="cpu", dtype=D)
    assert torch.equal(code["B"], plain["B"])  # B as drawn, bit for bit
    assert torch.allclose(torch.linalg.vector_norm(text["B"], dim=-2), torch.ones(2, SMALL["n_h"], dtype=D))
    assert torch.allclose(text["B"], neuron_wn(plain["B"], 1.0))
    assert torch.equal(code["W0_init"], text["W0_init"])  # W is projected under both readings


@pytest.mark.parametrize("reference", ["after_update", "after_wn"])
def test_bp_reference_after_the_update_is_the_authors_order(reference):
    cfg = OpenLoopConfig(**SMALL, iterations=4, gamma=1.0, eta=0.05, bp_reference=reference)
    out = simulate(cfg, reps=1, device="cpu", dtype=D, history=True)
    before = simulate(cfg.with_(bp_reference="before"), reps=1, device="cpu", dtype=D, history=True)
    # replay the run by hand: the same weights (the reference does not change the dynamics)
    f, fp = activation_fns("relu")
    w0, w1, b = out["W0_init"][0], out["W1_init"][0], out["B"][0]
    for k in range(cfg.iterations):
        x, e = out["X"][k, 0], out["E"][k, 0]
        step = fa_step(w0, w1, b, x, e, cfg.eta)
        w1_new = w1 + step["dw1"]
        if reference == "after_wn":
            w1_new = neuron_wn(w1_new, 1.0)
        bp = cfg.eta * x.T @ ((step["d2"] @ w1_new.T) * fp(x @ w0))
        assert float(out["angle_dw0"][k, 0]) == pytest.approx(_angle(step["dw0_fa"], bp), abs=1e-9)
        assert float(before["angle_dw0"][k, 0]) == pytest.approx(_angle(step["dw0_fa"], step["dw0_bp"]), abs=1e-9)
        w0, w1 = neuron_wn(w0 + step["dw0_fa"], 1.0), neuron_wn(w1 + step["dw1"], 1.0)
    assert torch.equal(out["W1"], before["W1"])


def test_first_order_sum_is_tracked_as_the_authors_fig_s1_plots_it():
    cfg = OpenLoopConfig(**SMALL, iterations=5, track_terms=True, error=Process("redraw", every=2))
    out = simulate(cfg, reps=2, device="cpu", dtype=D)
    assert torch.isnan(out["angle_t_first_order"][0]).all()
    assert torch.isfinite(out["angle_t_first_order"][1:]).all()
