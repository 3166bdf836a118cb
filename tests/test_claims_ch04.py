"""Chapter 04's claim checks (angles of products, Paper A Fig 5) on synthetic results that must pass
and fail."""

import numpy as np

from fa_companion.ledger import claims

CHAPTER = "04_angle_composition"
DIAGONAL = np.arange(2.5, 180.0, 2.5)
GRID = np.arange(0.0, 181.0, 10.0)


def first_order(t1, t2):
    """θ₃ = arccos(cos θ₁ cos θ₂) in degrees (the chapter's first-order prediction)."""
    return np.degrees(np.arccos(np.cos(np.radians(t1)) * np.cos(np.radians(t2))))


def uniform(rng, n=4000, noise=0.5):
    t1, t2 = rng.uniform(0, 180, n), rng.uniform(0, 180, n)
    return {"theta1": t1, "theta2": t2, "theta3": first_order(t1, t2) + noise * rng.standard_normal(n)}


def test_every_claim_of_the_chapter_has_a_check():
    ids = {c for c in claims.CLAIMS if claims.CLAIMS[c].chapter == CHAPTER}
    assert len(ids) == 7 and ids <= set(claims.CHECKS)


def test_check_no_inequality():
    rng = np.random.default_rng(0)
    o = claims.evaluate("A-fig5ab-no-inequality", **uniform(rng))
    assert o.verdict == "reproduced" and "between" in o.measured
    u = uniform(rng)
    always_between = {**u, "theta3": 0.5 * (u["theta1"] + u["theta2"])}
    o = claims.evaluate("A-fig5ab-no-inequality", **always_between)
    assert o.verdict == "not reproduced" and o.measured.startswith("0.0% below")


def test_check_below_both_rare():
    rng = np.random.default_rng(0)
    u = uniform(rng, noise=0.0)
    # diagonal: θ₃ above θ (by ≥ 1°) except at 90°, where it is spread around 90°
    diag = first_order(DIAGONAL, DIAGONAL)[:, None] + 0.25 * rng.standard_normal((len(DIAGONAL), 200))
    o = claims.evaluate("A-fig5a-below-both-rare", **u, diagonal=DIAGONAL, diagonal_theta3=diag)
    assert o.verdict == "partly reproduced" and "only from θ = 90°" in o.measured
    assert "with both angles > 90°" in o.measured
    # the product below both factors already at θ = 30°
    early = diag.copy()
    early[list(DIAGONAL).index(30.0)] = 20.0
    o = claims.evaluate("A-fig5a-below-both-rare", **u, diagonal=DIAGONAL, diagonal_theta3=early)
    assert o.verdict == "not reproduced" and "only from θ = 30°" in o.measured
    # below both factors from θ = 82.5°: before the paper's 85°
    at_82 = diag.copy()
    at_82[list(DIAGONAL).index(82.5)] = 80.0
    o = claims.evaluate("A-fig5a-below-both-rare", **u, diagonal=DIAGONAL, diagonal_theta3=at_82)
    assert o.verdict == "not reproduced" and "only from θ = 82.5°" in o.measured
    # θ₃ below both factors in many uniform pairs with θ₁, θ₂ ≤ 90°
    low = {**u, "theta3": 0.5 * np.minimum(u["theta1"], u["theta2"])}
    o = claims.evaluate("A-fig5a-below-both-rare", **low, diagonal=DIAGONAL, diagonal_theta3=diag)
    assert o.verdict == "not reproduced" and "none with min(θ₁, θ₂) < 0°" in o.measured
    never = first_order(DIAGONAL, DIAGONAL)[:, None] + 10.0 * np.ones((1, 5))
    o = claims.evaluate("A-fig5a-below-both-rare", **u, diagonal=DIAGONAL, diagonal_theta3=never)
    assert o.verdict == "partly reproduced" and "never" in o.measured


def test_check_less_aligned():
    rng = np.random.default_rng(0)
    u = uniform(rng, noise=0.0)
    o = claims.evaluate("A-fig5a-less-aligned", **u)
    assert o.verdict == "reproduced" and "θ₃ > max(θ₁, θ₂) in 100.0% of pairs" in o.measured
    o = claims.evaluate("A-fig5a-less-aligned", **{**u, "theta3": 0.5 * (u["theta1"] + u["theta2"])})
    assert o.verdict == "not reproduced" and "in 0.0% of pairs, between them in 100.0%" in o.measured


def test_check_special_cases():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((len(GRID), 100))
    o = claims.evaluate("A-fig5d-theta1-extreme", theta2_grid=GRID, theta3_near_0=GRID[:, None] + noise,
                        theta3_near_180=180 - GRID[:, None] + noise)
    assert o.verdict == "reproduced"
    o = claims.evaluate("A-fig5d-theta1-extreme", theta2_grid=GRID, theta3_near_0=GRID[:, None] + noise,
                        theta3_near_180=GRID[:, None] + noise)  # does not follow 180° − θ₂
    assert o.verdict == "not reproduced" and "within 180.0°" in o.measured
    o = claims.evaluate("A-fig5d-theta1-90", theta2_grid=GRID, theta3_at_90=90 + noise)
    assert o.verdict == "reproduced" and o.measured.startswith("mean θ₃ within 0.")
    tilted = 90 + 0.03 * (GRID[:, None] - 90) + noise  # within 2.7° of 90°, slope 0.03
    o = claims.evaluate("A-fig5d-theta1-90", theta2_grid=GRID, theta3_at_90=tilted)
    assert o.verdict == "not reproduced" and "slope 0.03" in o.measured


def test_check_masks():
    rng = np.random.default_rng(0)
    lin, non = 60 + rng.standard_normal((20, 1000)), 60 + 1.5 * rng.standard_normal((20, 1000))
    u_lin, u_non = 60 + rng.standard_normal(4000), 60 + 1.5 * rng.standard_normal(4000)
    o = claims.evaluate("A-fig5cfg-masks-variance", diagonal_linear=lin, diagonal_masked=non)
    assert o.verdict == "reproduced" and o.measured.startswith("SD ratio 1.")
    o = claims.evaluate("A-fig5cfg-masks-variance", diagonal_linear=non, diagonal_masked=lin)
    assert o.verdict == "not reproduced" and o.measured.startswith("SD ratio 0.")
    o = claims.evaluate("A-fig5cfg-masks-mean", uniform_linear=u_lin, uniform_masked=u_non,
                        diagonal_linear=lin, diagonal_masked=non)
    assert o.verdict == "reproduced" and "of 20 diagonal angles" in o.measured
    o = claims.evaluate("A-fig5cfg-masks-mean", uniform_linear=u_lin, uniform_masked=u_non,
                        diagonal_linear=lin, diagonal_masked=non + 1.0)
    assert o.verdict == "partly reproduced" and "p > 0.1 at 0 of 20" in o.measured
    o = claims.evaluate("A-fig5cfg-masks-mean", uniform_linear=u_lin, uniform_masked=u_non + 1.0,
                        diagonal_linear=lin, diagonal_masked=non)
    assert o.verdict == "partly reproduced" and o.measured.startswith("uniform populations p = ")
    o = claims.evaluate("A-fig5cfg-masks-mean", uniform_linear=u_lin, uniform_masked=u_non + 1.0,
                        diagonal_linear=lin, diagonal_masked=non + 1.0)  # shifted everywhere
    assert o.verdict == "not reproduced" and "p > 0.1 at 0 of 20" in o.measured
