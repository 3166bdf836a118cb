"""Chapter 01's claim checks on synthetic results that must pass and must fail."""

import numpy as np

from fa_companion.ledger import claims


def test_every_chapter_01_claim_has_a_check():
    ids = {c for c in claims.CLAIMS if claims.CLAIMS[c].chapter == "01_open_loop_alignment"}
    assert len(ids) == 8 and ids <= set(claims.CHECKS)


def test_check_asymptotes():
    k = np.arange(2001)
    one_over_k = [30.0 / np.maximum(k, 1)] * 3
    o = claims.evaluate("A-eq1-asymptotes", iteration=k, w0_distance=one_over_k, w1_distance=one_over_k,
                        w0_final=0.3, w1_final=0.4, iterations=2000)
    assert o.verdict == "reproduced" and "max angles 0.300°, 0.400° after 2000 iterations" in o.measured
    assert "k^(-1.00)" in o.measured
    one_over_sqrt_k = [30.0 / np.sqrt(np.maximum(k, 1))] * 3  # too slow a decay
    o = claims.evaluate("A-eq1-asymptotes", iteration=k, w0_distance=one_over_k, w1_distance=one_over_sqrt_k,
                        w0_final=0.3, w1_final=0.4, iterations=2000)
    assert o.verdict == "not reproduced" and "k^(-0.75)" in o.measured
    assert claims.evaluate("A-eq1-asymptotes", iteration=k, w0_distance=one_over_k, w1_distance=one_over_k,
                           w0_final=0.3, w1_final=6.0, iterations=2000).verdict == "not reproduced"


def test_check_expected_m():
    o = claims.evaluate("A-sec21-expected-m", max_abs_z=[3.1, 4.16, 2.0])
    assert o.verdict == "reproduced" and o.measured == "max |z| = 4.16 over all elements and conditions"
    assert claims.evaluate("A-sec21-expected-m", max_abs_z=[3.1, 5.2]).verdict == "not reproduced"


def _angles(means, sd=1.0, n=500, seed=0):
    """Normal samples with exactly the given means, independent noise per condition."""
    rng = np.random.default_rng(seed)
    noise = {c: rng.standard_normal(n) for c in means}
    return {c: m + sd * (noise[c] - noise[c].mean()) for c, m in means.items()}


def test_check_outputs_exceed_inputs():
    ang = _angles({1: 45.0, 2: 60.0, 6: 38.0})
    n_o, n_i = {1: 50, 2: 50, 6: 10}, {1: 100, 2: 20, 6: 20}
    zeros = {1: 0, 2: 30, 6: 0}
    o = claims.evaluate("A-fig1bd-outputs-exceed-inputs", angles=ang, zeros_min=zeros, n_o=n_o, n_i=n_i)
    assert o.verdict == "reproduced" and o.measured.startswith("cond. 2 60.") and " and 6 38." in o.measured
    too_few_zeros = {**zeros, 2: 29}
    assert claims.evaluate("A-fig1bd-outputs-exceed-inputs", angles=ang, zeros_min=too_few_zeros,
                           n_o=n_o, n_i=n_i).verdict == "not reproduced"
    close = _angles({1: 45.0, 2: 45.05, 6: 38.0})  # above cond. 1, but not significantly
    assert claims.evaluate("A-fig1bd-outputs-exceed-inputs", angles=close, zeros_min=zeros,
                           n_o=n_o, n_i=n_i).verdict == "not reproduced"


def test_check_batch_size():
    ordered = _angles({20: 66.0, 100: 60.0, 400: 58.5})
    o = claims.evaluate("A-fig1bd-batch-size", angles={n: ordered[n] for n in (20, 100, 400)})
    assert o.verdict == "reproduced" and o.measured.startswith("n_b = 20/100/400: 66.")
    reversed_ = _angles({20: 58.5, 100: 60.0, 400: 66.0})
    assert claims.evaluate("A-fig1bd-batch-size", angles=reversed_).verdict == "not reproduced"
    flat_top = _angles({20: 66.0, 100: 60.0, 400: 59.99})
    assert claims.evaluate("A-fig1bd-batch-size", angles=flat_top).verdict == "not reproduced"


def test_check_hidden_width():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(10_000)
    narrow = 60.0 + 0.84 * z
    wide = 60.0 + 0.73 * (z - z.mean()) + 0.84 * z.mean()  # same mean, smaller SD
    o = claims.evaluate("A-fig1bd-hidden-width", narrow=narrow, wide=wide)
    assert o.verdict == "reproduced" and "SD 0.84° → 0.73° (Levene p < 1e-16)" in o.measured
    same_sd = narrow[::-1].copy()
    assert claims.evaluate("A-fig1bd-hidden-width", narrow=narrow, wide=same_sd).verdict == "partly reproduced"
    shifted = wide + 1.0  # narrower but with a different mean
    assert claims.evaluate("A-fig1bd-hidden-width", narrow=narrow, wide=shifted).verdict == "partly reproduced"
    o = claims.evaluate("A-fig1bd-hidden-width", narrow=narrow, wide=narrow + 1.0)
    assert o.verdict == "not reproduced" and o.measured.startswith("Welch p < 1e-16")


def test_check_updates_align():
    start = {1: 90.2, 2: 89.8, 3: 90.0}
    o = claims.evaluate("A-fig1c-updates-align", start=start, final={1: 25.4, 2: 29.8, 3: 27.0})
    assert o.verdict == "reproduced" and o.measured == "final 25.4°-29.8° (from ≈ 90°)"
    assert claims.evaluate("A-fig1c-updates-align", start=start,
                           final={1: 25.4, 2: 86.0, 3: 27.0}).verdict == "not reproduced"


def test_check_random_product():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(1000)
    o = claims.evaluate("A-suppnote3-random-product-90", angles=90.0 + 0.82 * (z - z.mean()) / z.std(ddof=1))
    assert o.verdict == "reproduced" and o.measured.startswith("90.00°, SD 0.82°, p = 1")
    assert claims.evaluate("A-suppnote3-random-product-90",
                           angles=89.5 + 0.82 * z).verdict == "not reproduced"  # not 90°
    assert claims.evaluate("A-suppnote3-random-product-90",
                           angles=90.0 + 2.0 * (z - z.mean())).verdict == "not reproduced"  # SD too large


def test_check_psd_below_90():
    rng = np.random.default_rng(0)
    full, low = rng.uniform(10, 60, 1000), rng.uniform(20, 85, 1000)
    indefinite = rng.uniform(0, 180, 1000)
    o = claims.evaluate("A-suppnote3-psd-below-90", psd_full_rank=full, psd_low_rank=low, indefinite=indefinite)
    assert o.verdict == "reproduced" and o.measured.startswith("max 8") and "(indefinite: up to 18" in o.measured
    assert claims.evaluate("A-suppnote3-psd-below-90", psd_full_rank=low, psd_low_rank=full,
                           indefinite=indefinite).verdict == "not reproduced"  # rank order reversed
    assert claims.evaluate("A-suppnote3-psd-below-90", psd_full_rank=full, psd_low_rank=np.append(low, 91.0),
                           indefinite=indefinite).verdict == "not reproduced"
