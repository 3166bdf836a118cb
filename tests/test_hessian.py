"""fa_companion.hessian against the exact Hessian of a small network (torch.autograd.functional.hessian).

A 6-5-4-3 ReLU MLP (74 parameters, float64) on 40 fixed samples: HVPs equal H_exact @ v and are
symmetric; eigsh's top-2 eigenpairs match numpy's within 1e-4 (relative) and |cos| > 0.999;
Hutchinson's trace lies within 3 standard errors of the exact trace (and its SE matches the
Rademacher variance formula); the SLQ density integrates to 1 with mean tr H / n; a full-length
Lanczos run recovers the exact spectrum; loss planes and PCA trajectories are checked exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import TINY_SIZES, make_tiny_dataset

from fa_companion.measure.hessian import (
    Hessian,
    PlainMLP,
    density_grid,
    hutchinson_trace,
    lanczos,
    loss_plane,
    member_theta,
    rademacher,
    slq,
    spectral_density,
    top_eigenpairs,
)
from fa_companion.nets.models import FeedbackMLP, Member

SIZES = (6, 5, 4, 3)


@pytest.fixture(scope="module")
def problem():
    """A small network whose exact Hessian is cheap, at a state with a clear top-2 gap."""
    gen = torch.Generator().manual_seed(0)
    net = PlainMLP(SIZES)
    model = FeedbackMLP(SIZES, [Member("fa", seed=0), Member("ifa", 30.0, seed=1)]).double()
    x = torch.randn(40, SIZES[0], generator=gen, dtype=torch.float64)
    y = torch.arange(40) % SIZES[-1]
    thetas = member_theta(model)
    # a few plain gradient steps so the state is not the symmetric initialization
    loss_fn = net.loss_fn(x, y)
    step = torch.func.grad(loss_fn)
    for _ in range(15):
        thetas = torch.stack([t - 0.5 * step(t) for t in thetas])
    exact = [torch.autograd.functional.hessian(loss_fn, t, vectorize=True) for t in thetas]
    return {"net": net, "x": x, "y": y, "loss_fn": loss_fn, "thetas": thetas, "exact": exact}


def test_plain_mlp_matches_feedback_mlp_forward():
    model = FeedbackMLP(TINY_SIZES, [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 10.0, seed=2)])
    with torch.no_grad():
        model.biases[0].normal_()
    net = PlainMLP.from_model(model)
    x = make_tiny_dataset().x_train
    thetas = member_theta(model)
    assert thetas.shape == (3, net.n_params)
    with torch.no_grad():
        ref = model(x)
    for k in range(3):
        torch.testing.assert_close(net.logits(thetas[k], x), ref[k], rtol=1e-6, atol=1e-6)
    # round trip flatten <-> unflatten
    p = net.unflatten(thetas[1])
    torch.testing.assert_close(p["W1"], model.weights[1][1].detach())
    torch.testing.assert_close(net.flatten(p), thetas[1])


def test_plain_mlp_errors():
    with pytest.raises(ValueError, match="sizes"):
        PlainMLP((5,))
    with pytest.raises(ValueError, match="activation"):
        PlainMLP((3, 2), activation="swish")
    with pytest.raises(ValueError, match="entries"):
        PlainMLP((3, 2)).unflatten(torch.zeros(7))
    with pytest.raises(ValueError, match="missing"):
        PlainMLP((3, 2)).flatten({"W0": torch.zeros(2, 3)})


def test_hvp_equals_exact_hessian_and_is_symmetric(problem):
    h = Hessian(problem["loss_fn"], problem["thetas"][0])
    H = problem["exact"][0]
    gen = torch.Generator().manual_seed(1)
    u, v = torch.randn(2, h.n, generator=gen, dtype=torch.float64)
    hv, hu = h.matvec(v), h.matvec(u)
    torch.testing.assert_close(hv, H @ v, rtol=1e-10, atol=1e-12)
    assert abs(float(u @ hv - v @ hu)) < 1e-10 * float(hv.norm() * u.norm())
    torch.testing.assert_close(H, H.T, rtol=0, atol=1e-12)
    # a block of probes and the ensemble form give the same products
    V = torch.randn(3, h.n, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(h.matvec(V), V @ H, rtol=1e-10, atol=1e-12)
    he = Hessian(problem["loss_fn"], problem["thetas"])
    VV = torch.randn(2, 3, h.n, generator=gen, dtype=torch.float64)
    out = he.matvec(VV)
    for k in range(2):
        torch.testing.assert_close(out[k], VV[k] @ problem["exact"][k], rtol=1e-10, atol=1e-12)
    assert he.n_hvp == 3 and h.n_hvp == 1 + 1 + 3


def test_kept_graph_hvp_equals_recomputed(problem):
    """The default products (one reverse pass through the gradient graph kept from the first
    product, as PyHessian) equal the forward-over-reverse products that recompute the forward and
    backward pass each time, for one vector, a block, and an ensemble, in float64 and float32."""
    gen = torch.Generator().manual_seed(7)
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        thetas = problem["thetas"].to(dtype)
        x = problem["x"].to(dtype)
        loss_fn = problem["net"].loss_fn(x, problem["y"])
        kept, redo = Hessian(loss_fn, thetas[0]), Hessian(loss_fn, thetas[0], keep_graph=False)
        assert kept.keep_graph and not redo.keep_graph
        for v in (torch.randn(kept.n, generator=gen, dtype=dtype),
                  torch.randn(4, kept.n, generator=gen, dtype=dtype)):
            for _ in range(2):  # the second product reuses the kept graph
                torch.testing.assert_close(kept.matvec(v), redo.matvec(v), rtol=tol, atol=tol)
        assert kept.n_hvp == redo.n_hvp == 2 * (1 + 4)
        ke, re = Hessian(loss_fn, thetas), Hessian(loss_fn, thetas, keep_graph=False)
        for v in (torch.randn(2, kept.n, generator=gen, dtype=dtype),
                  torch.randn(2, 3, kept.n, generator=gen, dtype=dtype)):
            torch.testing.assert_close(ke.matvec(v), re.matvec(v), rtol=tol, atol=tol)
        assert not ke.member(1).matvec(v[1]).requires_grad
        assert ke.member(1).keep_graph and not re.member(1).keep_graph


def test_hvp_shape_errors(problem):
    h = Hessian(problem["loss_fn"], problem["thetas"])
    with pytest.raises(ValueError, match="K = 2"):
        h.matvec(torch.zeros(3, h.n, dtype=torch.float64))
    with pytest.raises(ValueError, match="one network"):
        top_eigenpairs(h)


@pytest.mark.parametrize("k", [0, 1])
def test_top2_eigenpairs_match_exact(problem, k):
    H = problem["exact"][k].numpy()
    evals, evecs = np.linalg.eigh(H)
    h = Hessian(problem["loss_fn"], problem["thetas"][k])
    top = top_eigenpairs(h, k=2, tol=1e-4, seed=0)
    assert evals[-2] < evals[-1] * (1 - 1e-3)  # a resolvable gap, so the eigenvectors are defined
    rel = np.abs(top["eigenvalues"] - evals[::-1][:2]) / np.abs(evals[::-1][:2])
    assert rel.max() < 1e-4, rel
    for i in range(2):
        cos = abs(float(top["eigenvectors"][i].numpy() @ evecs[:, -1 - i]))
        assert cos > 0.999, (i, cos)
    assert 0 < top["n_hvp"] == h.n_hvp


def test_hutchinson_within_three_se_and_variance_formula(problem):
    H = problem["exact"][0]
    exact = float(torch.trace(H))
    h = Hessian(problem["loss_fn"], problem["thetas"][0])
    est = hutchinson_trace(h, 400, seed=3, chunk=400)
    assert abs(est["trace"] - exact) < 3 * est["se"], (est["trace"], exact, est["se"])
    # Rademacher: Var(vᵀHv) = 2 Σ_{i≠j} H_ij²; the sample SD agrees within 15% at 400 probes
    var = 2 * (float((H ** 2).sum()) - float((torch.diagonal(H) ** 2).sum()))
    assert abs(est["samples"].std(ddof=1) / math.sqrt(var) - 1) < 0.15
    assert h.n_hvp == 400
    # the ensemble form gives each network its own estimate
    he = Hessian(problem["loss_fn"], problem["thetas"])
    both = hutchinson_trace(he, 200, seed=4, chunk=200)
    for k in range(2):
        assert abs(both["trace"][k] - float(torch.trace(problem["exact"][k]))) < 3 * both["se"][k]
    with pytest.raises(ValueError, match="n_probes"):
        hutchinson_trace(h, 1)


def test_rademacher_is_pm1_and_balanced():
    r = rademacher((20_000,), seed=0)
    assert set(r.unique().tolist()) == {-1.0, 1.0}
    assert abs(float(r.mean())) < 0.03


def test_full_lanczos_recovers_exact_spectrum(problem):
    """m = n steps with full reorthogonalization: the Ritz values are H's eigenvalues and the
    quadrature weights are the squared overlaps of the start with the eigenvectors."""
    H = problem["exact"][0]
    h = Hessian(problem["loss_fn"], problem["thetas"][0])
    tri = lanczos(h, h.n, 1, seed=5)
    q = slq(tri)
    L = int(tri["length"][0])
    evals, evecs = np.linalg.eigh(H.numpy())
    if L == h.n:
        np.testing.assert_allclose(np.sort(q["nodes"][0]), evals, atol=1e-8 * abs(evals).max())
    # with or without breakdown, moments of the quadrature match those of the start vector
    v = rademacher((h.n,), seed=5, dtype=torch.float64).numpy()
    v /= np.linalg.norm(v)
    for p in (1, 2, 3):
        exact_moment = v @ np.linalg.matrix_power(H.numpy(), p) @ v
        assert abs((q["weights"][0] * q["nodes"][0] ** p).sum() - exact_moment) < 1e-9 * abs(evals).max() ** p


def test_slq_density_integrates_to_one_with_mean_trace_over_n(problem):
    H = problem["exact"][0]
    n = H.shape[0]
    exact_mean = float(torch.trace(H)) / n
    h = Hessian(problem["loss_fn"], problem["thetas"][0])
    tri = lanczos(h, 12, 100, seed=6)
    q = slq(tri)
    np.testing.assert_allclose(q["weights"].sum(-1), 1.0, rtol=1e-12)
    sigma = 0.01 * float(np.ptp(q["nodes"]))
    grid = density_grid(q["nodes"], sigma, n_points=4000)
    rho = spectral_density(q["nodes"], q["weights"], grid, sigma)
    assert abs(np.trapezoid(rho, grid) - 1) < 1e-6
    mean = np.trapezoid(grid * rho, grid)
    # per run, Σ τλ = q₁ᵀHq₁ = (vᵀHv)/n: the density's mean is exactly the Hutchinson estimate / n
    per_run = (q["weights"] * q["nodes"]).sum(-1)
    np.testing.assert_allclose(per_run, tri["alpha"][:, 0], rtol=1e-10, atol=1e-14)
    se = per_run.std(ddof=1) / math.sqrt(len(per_run))
    assert abs(mean - per_run.mean()) < 1e-6 * abs(per_run.mean())
    assert abs(mean - exact_mean) < 3 * se, (mean, exact_mean, se)
    # the density's second moment estimates tr(H²)/n (plus σ² from the broadening)
    second = np.trapezoid(grid ** 2 * rho, grid) - sigma ** 2
    exact_second = float((H ** 2).sum()) / n
    assert abs(second - exact_second) < 0.15 * exact_second
    # the ensemble form runs each network's Lanczos on its own Hessian
    he = Hessian(problem["loss_fn"], problem["thetas"])
    tri2 = lanczos(he, 5, 3, seed=7)
    assert tri2["alpha"].shape == (2, 3, 5) and tri2["beta"].shape == (2, 3, 4)
    single = lanczos(Hessian(problem["loss_fn"], problem["thetas"][1]), 5, 3,
                     start=rademacher((2, 3, h.n), seed=7, dtype=torch.float64)[1])
    np.testing.assert_allclose(tri2["alpha"][1], single["alpha"], rtol=1e-10)


def test_lanczos_breakdown_on_low_rank_operator():
    """An operator of rank 3 (plus zero): Lanczos must stop after ≤ 4 steps, weights still sum to 1."""
    gen = torch.Generator().manual_seed(0)
    U = torch.linalg.qr(torch.randn(20, 3, generator=gen, dtype=torch.float64))[0]
    A = U @ torch.diag(torch.tensor([3.0, 2.0, 1.0], dtype=torch.float64)) @ U.T
    h = Hessian(lambda t: 0.5 * t @ A @ t, torch.zeros(20, dtype=torch.float64))
    tri = lanczos(h, 10, 2, seed=1)
    assert (tri["length"] <= 4).all()
    q = slq(tri)
    np.testing.assert_allclose(q["weights"].sum(-1), 1.0, rtol=1e-12)
    top = np.sort(q["nodes"], axis=-1)[:, -1]
    np.testing.assert_allclose(top, 3.0, rtol=1e-10)


def test_loss_plane_and_curvature_along_top_eigenvector(problem):
    # tanh: a smooth loss, so the finite difference does not straddle a ReLU kink
    loss_fn = PlainMLP(SIZES, activation="tanh").loss_fn(problem["x"], problem["y"])
    theta = problem["thetas"][0]
    h = Hessian(loss_fn, theta)
    top = top_eigenpairs(h, k=2)
    v1, v2 = top["eigenvectors"]
    eps = 1e-3
    grid = loss_plane(loss_fn, theta, v1, v2, [-eps, 0.0, eps], [-0.5, 0.0, 0.25])
    assert grid.shape == (3, 3)
    assert grid[1, 1] == pytest.approx(float(loss_fn(theta)), rel=1e-14)
    assert grid[2, 2] == pytest.approx(float(loss_fn(theta + eps * v1 + 0.25 * v2)), rel=1e-14)
    curvature = (grid[0, 1] + grid[2, 1] - 2 * grid[1, 1]) / eps ** 2
    assert curvature == pytest.approx(top["eigenvalues"][0], rel=1e-3)


def test_spectral_density_errors():
    with pytest.raises(ValueError, match="sigma"):
        spectral_density(np.zeros((1, 2)), np.ones((1, 2)) / 2, np.zeros(3), 0.0)


# --------------------------------------------------------------------------------------------
# fa_companion.landscape: trajectory PCA and the recording training loop
# --------------------------------------------------------------------------------------------


def test_pca_trajectory_recovers_a_planar_path():
    """A path inside a known 2-D plane (plus tiny noise): PCA finds the plane, θ_final projects
    to the origin, the projection reconstructs the deviations, and θ₀ has non-negative coords."""
    from fa_companion.measure.landscape import pca_trajectory

    gen = torch.Generator().manual_seed(0)
    n, T = 300, 40
    basis = torch.linalg.qr(torch.randn(n, 2, generator=gen, dtype=torch.float64))[0].T
    t = torch.linspace(0, 1, T, dtype=torch.float64)
    ab = torch.stack([3 * (1 - t) ** 2, torch.sin(6 * t) * (1 - t)], dim=1)  # ends at (0, 0)
    final = torch.randn(n, generator=gen, dtype=torch.float64)
    snaps = final + ab @ basis + 1e-6 * torch.randn(T, n, generator=gen, dtype=torch.float64)
    snaps[-1] = final
    out = pca_trajectory(snaps)
    d = out["directions"]
    torch.testing.assert_close(d @ d.T, torch.eye(2, dtype=torch.float64), atol=1e-10, rtol=0)
    # both directions lie in the plane (|projection onto the plane| = 1)
    np.testing.assert_allclose((d @ basis.T).norm(dim=1).numpy(), 1.0, atol=1e-6)
    np.testing.assert_allclose(out["coords"][-1], 0.0, atol=1e-12)
    assert (out["coords"][0] >= 0).all()
    recon = torch.as_tensor(out["coords"]) @ d
    torch.testing.assert_close(recon, snaps - final, atol=1e-5, rtol=0)
    assert out["explained"].sum() > 0.999 and out["explained"][0] >= out["explained"][1]


def test_train_recording_matches_train_and_records(tiny_data64):
    """The recording loop follows exactly the trajectory of fa_companion.train.train (same batch
    order and Adam); snapshots, path length and curvature records are consistent."""
    from fa_companion.measure.landscape import fixed_batch, stacked_theta, train_recording
    from fa_companion.training.train import TrainConfig, train

    members = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]
    cfg = TrainConfig(epochs=2, batch_size=16, lr=1e-2, probe_size=16)
    ref = FeedbackMLP(TINY_SIZES, members).double()
    train(ref, tiny_data64, cfg, progress=False)
    model = FeedbackMLP(TINY_SIZES, members).double()
    data = make_tiny_dataset(dtype=torch.float64)
    xb, yb = fixed_batch(data.x_train, data.y_train, 20, seed=0)
    rec = train_recording(model, data, cfg, snapshot_every=2, hessian_epochs=(0, 2),
                          hessian_batch=(xb, yb), hessian_kw={"n_probes": 4, "k_eig": 1},
                          progress=False)
    torch.testing.assert_close(stacked_theta(model), stacked_theta(ref), rtol=1e-12, atol=1e-12)
    steps_per_epoch = math.ceil(48 / 16)
    assert rec["snapshot_steps"].tolist() == [0, 2, 4, 6]
    assert rec["snapshots"].shape == (4, 3, PlainMLP(TINY_SIZES).n_params)
    torch.testing.assert_close(rec["snapshots"][-1], stacked_theta(model))
    # the per-step path is at least the sum over snapshots, which is at least the displacement
    snaps = rec["snapshots"]
    coarse = (snaps[1:] - snaps[:-1]).norm(dim=-1).sum(0).numpy()
    disp = (snaps[-1] - snaps[0]).norm(dim=-1).numpy()
    assert (rec["step_path_length"] >= coarse - 1e-12).all() and (coarse >= disp - 1e-12).all()
    assert rec["steps_per_epoch"] == steps_per_epoch
    assert rec["h_eigenvalues"].shape == (2, 3, 1) and rec["h_trace"].shape == (2, 3)
    # at epoch 0 BP and FA (same θ_init = 90°, different seeds here) are both at initialization:
    # the loss matches a direct evaluation of the plain network
    net = PlainMLP(TINY_SIZES)
    theta0 = snaps[0]
    direct = [float(net.loss(theta0[k], xb, yb)) for k in range(3)]
    np.testing.assert_allclose(rec["h_loss"][0], direct, rtol=1e-12)
    with pytest.raises(ValueError, match="hessian_epochs"):
        train_recording(model, data, cfg, snapshot_every=1, hessian_epochs=(5,), hessian_batch=(xb, yb))
