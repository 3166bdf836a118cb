"""Chapter 02's claim checks on synthetic results that must pass and must fail."""

import numpy as np
import pytest

from fa_companion.ledger import claims


def _sample(mean, sd=1.0, n=1000, seed=0):
    """Normal samples with exactly the given mean and SD."""
    z = np.random.default_rng(seed).standard_normal(n)
    return mean + sd * (z - z.mean()) / z.std(ddof=1)


def test_every_chapter_02_claim_has_a_check():
    ids = {c for c in claims.CLAIMS if claims.CLAIMS[c].chapter == "02_alignment_terms"}
    assert len(ids) == 14 and ids <= set(claims.CHECKS)


@pytest.mark.parametrize("cid", ["A-fig2-cond1-no-alignment", "A-fig2-cond2-no-alignment"])
def test_check_no_alignment(cid):
    o = claims.evaluate(cid, angles=_sample(90.0, 10.0))
    assert o.verdict == "reproduced" and o.measured == "90.00°, p = 1"
    o = claims.evaluate(cid, angles=_sample(89.5, 10.0, n=10_000))  # t = 5
    assert o.verdict == "not reproduced" and o.measured.startswith("89.50°, p = 5")


def test_check_aligns_and_all_ones():
    for cid in ("A-fig2-cond3-alignment", "A-fig2e-all-ones"):
        assert claims.evaluate(cid, angles=_sample(85.0, 5.0)).verdict == "reproduced"
        assert claims.evaluate(cid, angles=_sample(89.9, 5.0, n=100)).verdict == "not reproduced"  # p > 0.05
        assert claims.evaluate(cid, angles=_sample(95.0, 5.0)).verdict == "not reproduced"  # anti-aligned
    assert claims.evaluate("A-fig2-cond3-alignment", angles=_sample(85.0, 5.0)).measured.startswith("85.00°, p ")
    assert claims.evaluate("A-fig2e-all-ones", angles=_sample(85.0, 5.0)).measured == "85.00°"


def test_check_expected_m_cond3():
    rng = np.random.default_rng(0)
    expected, n = 50.0, 10_000
    m_sd = np.full((5, 5), 100.0)  # standard error of the mean: 1.0
    noise = rng.standard_normal((5, 5))
    o = claims.evaluate("A-sec22-cond3-expected-m", m_mean=expected + noise, m_sd=m_sd, n_draws=n, expected=expected)
    assert o.verdict == "reproduced" and o.measured.endswith("over 25 elements")
    biased = expected + noise + 6.0
    o = claims.evaluate("A-sec22-cond3-expected-m", m_mean=biased, m_sd=m_sd, n_draws=n, expected=expected)
    assert o.verdict == "not reproduced"


def test_check_b_distribution():
    o = claims.evaluate("A-fig2-b-distribution", reference=_sample(80.0, 5.0), other=_sample(70.0, 5.0, seed=1))
    assert o.verdict == "reproduced" and o.measured.startswith("70.00° vs 80.00°, Welch p < 1e-16")
    o = claims.evaluate("A-fig2-b-distribution", reference=_sample(80.0, 5.0), other=_sample(80.0, 5.0, seed=1))
    assert o.verdict == "not reproduced" and "Welch p = 1" in o.measured


def test_check_skew_90():
    o = claims.evaluate("A-eq31-skew-90", max_deviation=[1e-12, None, 3e-11, None])
    assert o.verdict == "reproduced" and o.measured == "max deviation 3.0e-11°"
    assert claims.evaluate("A-eq31-skew-90", max_deviation=[1e-12, 2e-6]).verdict == "not reproduced"


def test_check_masks():
    linear = _sample(80.0, 5.0)
    o = claims.evaluate("A-fig2d-masks", masked=_sample(85.0, 5.0, seed=1), linear=linear)
    assert o.verdict == "reproduced" and o.measured == "85.00° vs linear 80.00° (Welch p < 1e-16)"
    assert claims.evaluate("A-fig2d-masks", masked=_sample(80.2, 5.0, seed=1),
                           linear=linear).verdict == "not reproduced"  # above linear, not significantly
    assert claims.evaluate("A-fig2d-masks", masked=_sample(78.0, 5.0, seed=1),
                           linear=linear).verdict == "not reproduced"  # more aligned than linear
    assert claims.evaluate("A-fig2d-masks", masked=_sample(90.0, 5.0, seed=1),
                           linear=linear).verdict == "not reproduced"  # no alignment


def test_check_relu_mask_45():
    o = claims.evaluate("A-sec22-relu-mask-45", angles=_sample(45.0, 0.66))
    assert o.verdict == "reproduced" and o.measured == "45.00°, SD 0.66°, p = 1"
    o = claims.evaluate("A-sec22-relu-mask-45", angles=_sample(45.0, 0.50))
    assert o.verdict == "partly reproduced" and o.measured.endswith("; the mean as the paper's, the SD differs")
    o = claims.evaluate("A-sec22-relu-mask-45", angles=_sample(45.5, 0.50))
    assert o.verdict == "not reproduced" and "differs" not in o.measured


@pytest.mark.parametrize("cid", ["A-fig3-case1-aligns", "A-fig3-case3-aligns", "A-fig3-case4-aligns"])
def test_check_fig3_aligns(cid):
    w1, dw0 = _sample(40.0, 5.0, n=30), _sample(60.0, 5.0, n=30, seed=1)
    o = claims.evaluate(cid, w1_final=w1, dw0_final=np.append(dw0, np.nan))  # NaN: a dead repetition
    assert o.verdict == "reproduced" and o.measured == "W₁∠Bᵀ 40.0°, ΔW₀ 60.0°"
    flat_dw0 = _sample(90.0, 5.0, n=30, seed=1)
    assert claims.evaluate(cid, w1_final=w1, dw0_final=flat_dw0).verdict == "not reproduced"
    assert claims.evaluate(cid, w1_final=_sample(90.0, 5.0, n=30), dw0_final=dw0).verdict == "not reproduced"


def test_check_fig3_w1_no_alignment():
    o = claims.evaluate("A-fig3-case2-w1-no-alignment", w1_final=_sample(90.0, 5.0, n=30))
    assert o.verdict == "reproduced" and o.measured == "W₁∠Bᵀ 90.0° (p = 1)"
    assert claims.evaluate("A-fig3-case2-w1-no-alignment",
                           w1_final=_sample(80.0, 5.0, n=30)).verdict == "not reproduced"


def test_check_fig3_updates_no_alignment():
    cid = "A-fig3-case2-updates-no-alignment"
    flat, aligned = _sample(90.0, 5.0, n=30), _sample(70.0, 5.0, n=30, seed=1)
    o = claims.evaluate(cid, dw0_final=np.append(flat, np.nan), dw0_final_linear_output=flat)
    assert o.verdict == "reproduced" and o.measured == "90.0° (p = 1); with δ₂ = E: 90.0° (p = 1)"
    # significantly below 90° but within 2° of it: still "no alignment"
    near = _sample(88.5, 0.5, n=30)
    assert claims.evaluate(cid, dw0_final=near, dw0_final_linear_output=aligned).verdict == "reproduced"
    o = claims.evaluate(cid, dw0_final=aligned, dw0_final_linear_output=flat)
    assert o.verdict == "partly reproduced" and o.measured.endswith("; no alignment only with δ₂ = E (dead outputs)")
    o = claims.evaluate(cid, dw0_final=aligned, dw0_final_linear_output=aligned)
    assert o.verdict == "not reproduced" and "dead outputs" not in o.measured
