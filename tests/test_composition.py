"""Paper A §2.4 / §4.8: matrices at a prescribed or uniform angle, and angles of their products."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from fa_companion.rules.metrics import frobenius_angle
from fa_companion.theory.composition import (
    SHAPE_B1,
    SHAPE_B2,
    at_angle,
    orthonormal_direction,
    predicted_theta3,
    product_angles,
    relu_masks,
    sample_composition,
    uniform_angle_pair,
    unit_sphere,
)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_unit_sphere_and_orthonormal_direction():
    b = unit_sphere(50, (30, 15), _gen())
    a = orthonormal_direction(b, _gen(1))
    torch.testing.assert_close(b.flatten(1).norm(dim=1), torch.ones(50, dtype=torch.float64))
    torch.testing.assert_close(a.flatten(1).norm(dim=1), torch.ones(50, dtype=torch.float64))
    assert (a * b).sum((1, 2)).abs().max() < 1e-14


@pytest.mark.parametrize("theta", [0.0, 1.0, 37.5, 90.0, 123.0, 179.0, 180.0])
def test_at_angle_gives_the_requested_angle_exactly(theta):
    b = unit_sphere(200, SHAPE_B1, _gen())
    w = at_angle(b, theta, _gen(2))
    cos = (b * w).sum((1, 2))  # both unit-norm: the cosine of eq. 33
    assert torch.allclose(cos, torch.full_like(cos, math.cos(math.radians(theta))), atol=1e-13, rtol=0)
    # arccos is ill-conditioned at ±1 (1e-16 in cos is ~1e-6° in angle), hence the looser bound
    got = frobenius_angle(b, w, batch_dims=1)
    assert torch.allclose(got, torch.full_like(got, theta), atol=1e-5, rtol=0)
    torch.testing.assert_close(w.flatten(1).norm(dim=1), torch.ones(200, dtype=torch.float64))


def test_at_angle_per_sample_angles():
    thetas = torch.linspace(0, 180, 25, dtype=torch.float64)
    b = unit_sphere(25, SHAPE_B2, _gen())
    got = frobenius_angle(b, at_angle(b, thetas, _gen(3)), batch_dims=1)
    torch.testing.assert_close(got, thetas, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r"\[0, 180\]"):
        at_angle(b, 181.0, _gen())


def test_uniform_angle_pair_is_uniform_on_0_180():
    """§4.8's (r₁, r₂) construction: the angle is uniform. KS test, n = 4000, seeded."""
    b, w = uniform_angle_pair(4000, SHAPE_B2, _gen(5))
    theta = frobenius_angle(b, w, batch_dims=1).numpy()
    assert stats.kstest(theta, stats.uniform(0, 180).cdf).pvalue > 1e-3
    assert 0 <= theta.min() and theta.max() <= 180


def test_product_angle_identities():
    """Exact cases: W = B gives θ₃ = 0; both factors reversed (180°) also give θ₃ = 0; one
    reversed gives 180°; all-ones masks reduce eq. 12 to the linear angle."""
    n = 20
    b2, b1 = unit_sphere(n, SHAPE_B2, _gen(1)), unit_sphere(n, SHAPE_B1, _gen(2))
    zero = torch.zeros(n, dtype=torch.float64)
    assert torch.allclose(product_angles(b2, b1, b2, b1), zero, atol=1e-5)
    assert torch.allclose(product_angles(b2, b1, -b2, -b1), zero, atol=1e-5)
    assert torch.allclose(product_angles(b2, b1, -b2, b1), zero + 180, atol=1e-5)
    w2, w1 = at_angle(b2, 60.0, _gen(3)), at_angle(b1, 30.0, _gen(4))
    ones = (torch.ones(n, 30, 15, dtype=torch.float64), torch.ones(n, 30, 40, dtype=torch.float64))
    torch.testing.assert_close(product_angles(b2, b1, w2, w1, ones), product_angles(b2, b1, w2, w1))


def test_relu_masks_are_half_ones():
    m2, m1 = relu_masks(200, SHAPE_B2, SHAPE_B1, _gen())
    assert m2.shape == (200, 30, 15) and m1.shape == (200, 30, 40)
    assert abs(m1.mean().item() - 0.5) < 0.01 and abs(m2.mean().item() - 0.5) < 0.01


def test_sample_composition_fixed_angles_and_first_order_prediction():
    """θ₁ = θ₂ = 60°: θ₃ concentrates near arccos(cos²60°) = 75.5°. Monte Carlo, n = 3000: the SD
    of θ₃ is a few degrees, so the mean is known to ±0.2°; the first-order prediction is allowed
    1.5°."""
    r = sample_composition(3000, theta1=60.0, theta2=60.0, seed=0)
    torch.testing.assert_close(r["theta1"], torch.full((3000,), 60.0, dtype=torch.float64),
                               atol=1e-5, rtol=0)
    expected = math.degrees(math.acos(0.25))
    assert abs(r["theta3"].mean().item() - expected) < 1.5
    assert abs(predicted_theta3(60.0, 60.0).item() - expected) < 1e-9


def test_sample_composition_is_deterministic_and_chunked():
    a = sample_composition(500, seed=3, chunk=128, nonlinear=True)
    b = sample_composition(500, seed=3, chunk=128, nonlinear=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["theta3"].shape == (500,)
    assert np.isfinite(a["theta3"].numpy()).all()


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="cannot be multiplied"):
        sample_composition(4, shape2=(30, 16), shape1=(15, 40))
