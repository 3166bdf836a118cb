"""Chapter 03's claim checks (Paper A Fig 4, Fig S1) on synthetic results that must pass and fail."""

import numpy as np
import pytest

from fa_companion.ledger import claims

CHAPTER = "03_autocorrelation_and_wn"
BETAS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
READINGS = ("eq5", "delta-e")
REPS = 30


def noise(shape, seed):
    """Standard normal noise with mean exactly 0 along the repetitions (so the means print exactly)."""
    z = np.random.default_rng(seed).standard_normal(shape)
    return z - z.mean(0)


def reps(mean, sd=1.0, n=REPS, seed=0):
    """``n`` repetitions' finals with mean ``mean``."""
    return mean + sd * noise(n, seed)


def phases(reuse, redraw, period=2, sd=1.0, seed=0):
    """Final T¹_aln∠Bᵀ per repetition and phase (phase 0: just redrawn), shape (REPS, period)."""
    a = reuse + sd * noise((REPS, period), seed)
    a[:, 0] = redraw + sd * noise(REPS, seed + 100)
    return a


def evaluate(cid, **data):
    """The outcome under both readings: the same check, the same verdict and measured string."""
    a, b = (claims.evaluate(f"{cid}-{sfx}", **data) for sfx in READINGS)
    assert (a.verdict, a.measured) == (b.verdict, b.measured)
    return a


def test_every_chapter03_claim_has_a_check():
    ids = {c for c in claims.CLAIMS if claims.CLAIMS[c].chapter == CHAPTER}
    assert len(ids) == 55 and ids <= set(claims.CHECKS)


def test_check_sweep_effect():
    falling = [reps(80 - 30 * b, seed=i) for i, b in enumerate(BETAS)]
    o = evaluate("A-fig4ab-beta-effect", values=BETAS, final_no_wn=falling)
    assert o.verdict == "reproduced" and o.measured.startswith("ANOVA p < 1e-16, ρ = -0.9")
    flat = [reps(70, seed=i) for i in range(len(BETAS))]
    o = evaluate("A-fig4cd-betax-effect", values=BETAS, final_no_wn=flat)
    assert o.verdict == "not reproduced" and o.measured.startswith("ANOVA p = ")
    # NaN finals (all output units dead) are left out
    with_nan = [np.append(f, np.nan) for f in falling]
    assert evaluate("A-fig4ab-beta-effect", values=BETAS, final_no_wn=with_nan).verdict == "reproduced"


def test_check_wn_improves():
    no_wn = [reps(80, seed=i) for i in range(len(BETAS))]
    better = [reps(70, seed=10 + i) for i in range(len(BETAS))]
    o = evaluate("A-fig4ad-wn-beta", values=BETAS, final_no_wn=no_wn, final_wn=better)
    assert o.verdict == "reproduced" and o.measured.startswith("0.2: 80.") and "→70." in o.measured
    assert "0: " not in o.measured and "1: " not in o.measured  # only 0 < β < 1
    some = [better[i] if b < 0.5 else reps(80, seed=20 + i) for i, b in enumerate(BETAS)]
    assert evaluate("A-fig4ad-wn-betax", values=BETAS, final_no_wn=no_wn,
                    final_wn=some).verdict == "partly reproduced"
    worse = [reps(85, seed=10 + i) for i in range(len(BETAS))]
    assert evaluate("A-fig4ad-wn-beta", values=BETAS, final_no_wn=no_wn, final_wn=worse).verdict == "not reproduced"


def test_check_wn_not_at_one():
    o = evaluate("A-fig4ad-wn-not-at-1", final_no_wn=reps(50), final_wn=reps(50, seed=1))
    assert o.verdict == "reproduced" and "(p = " in o.measured
    assert evaluate("A-fig4ad-wn-not-at-1", final_no_wn=reps(50), final_wn=reps(60, seed=1)).verdict == "reproduced"
    o = evaluate("A-fig4ad-wn-not-at-1", final_no_wn=reps(50), final_wn=reps(40, seed=1))
    assert o.verdict == "not reproduced" and o.measured.startswith("50.") and "→ 40." in o.measured


def test_check_acf():
    lags = np.arange(21)
    exact = {b: (b ** lags).astype(np.float32) for b in BETAS}
    o = claims.evaluate("A-fig4e-acf", acfs=exact)
    assert o.verdict == "reproduced" and o.measured == "max deviation 0.000"
    off = {**exact, 0.6: exact[0.6] + 0.1 * (lags > 0)}
    o = claims.evaluate("A-fig4e-acf", acfs=off)
    assert o.verdict == "not reproduced" and o.measured == "max deviation 0.100"


def test_check_taln_half():
    o = evaluate("A-figs1-case1-taln-half", t_aln_phase=phases(60, 90))
    assert o.verdict == "reproduced" and "after a redraw" in o.measured and o.measured.startswith("60.")
    assert evaluate("A-figs1-case1-taln-half", t_aln_phase=phases(60, 60)).verdict == "not reproduced"
    assert evaluate("A-figs1-case1-taln-half", t_aln_phase=phases(90, 90)).verdict == "not reproduced"


def test_check_no_alignment():
    o = evaluate("A-figs1-case1-tsup-no-alignment", final_angles=[reps(90), reps(89.5, seed=1)])
    assert o.verdict == "reproduced" and o.measured.count("°") == 2
    assert evaluate("A-figs1-case1-tsup-no-alignment",
                    final_angles=[reps(90), reps(70, seed=1)]).verdict == "partly reproduced"
    assert evaluate("A-figs1-case1-tsup-no-alignment",
                    final_angles=[reps(80), reps(70, seed=1)]).verdict == "not reproduced"
    # one angle (case 4): no partly branch
    assert evaluate("A-figs1-case4-tsup-no-alignment", final_angles=[reps(90)]).verdict == "reproduced"
    o = evaluate("A-figs1-case4-tsup-no-alignment", final_angles=[reps(70)])
    assert o.verdict == "not reproduced" and o.measured.startswith("70.") and "," not in o.measured


def test_check_sum_taln():
    o = evaluate("A-figs1-case1-sum-taln", sum_t_aln=reps(40), t_aln_phase=phases(60, 90))
    assert o.verdict == "reproduced" and " vs 60." in o.measured
    assert evaluate("A-figs1-case1-sum-taln", sum_t_aln=reps(70),
                    t_aln_phase=phases(60, 90)).verdict == "not reproduced"


def test_check_dw1_w1():
    o = evaluate("A-figs1-case1-dw1-w1", dw1=reps(88), w1=reps(50))
    assert o.verdict == "reproduced" and o.measured.startswith("ΔW₁ 88.") and ", W₁ 50." in o.measured
    assert evaluate("A-figs1-case1-dw1-w1", dw1=reps(70), w1=reps(50)).verdict == "not reproduced"
    assert evaluate("A-figs1-case1-dw1-w1", dw1=reps(88), w1=reps(90)).verdict == "not reproduced"


def test_check_norms_grow():
    k = np.arange(2001, dtype=float)
    growing, saturating = 1 + k / 100, np.minimum(1 + k / 100, 5.0)
    o = evaluate("A-figs1-case1-norms-grow", norm_w0=growing, norm_w1=growing)
    assert o.verdict == "reproduced" and o.measured == "‖W₀‖ ×21.0, ‖W₁‖ ×21.0"
    assert evaluate("A-figs1-case1-norms-grow", norm_w0=growing, norm_w1=saturating).verdict == "not reproduced"
    o = evaluate("A-figs1-case2-sum-tsup", sum_t_sup=reps(80), norm_w1=growing)
    assert o.verdict == "reproduced" and o.measured.startswith("ΣT¹_sup 80.") and o.measured.endswith("×21.0")
    assert evaluate("A-figs1-case2-sum-tsup", sum_t_sup=reps(90), norm_w1=growing).verdict == "not reproduced"
    assert evaluate("A-figs1-case2-sum-tsup", sum_t_sup=reps(80), norm_w1=saturating).verdict == "not reproduced"


@pytest.mark.parametrize("cid, sep", [("A-figs1-case3-wn-more-aligned", "; "),
                                      ("A-figs1-case5-slightly-more-aligned", ", ")])
def test_check_w1_dw1_more_aligned(cid, sep):
    ref = {"w1_ref": reps(60), "dw1_ref": reps(85, seed=1)}
    o = evaluate(cid, w1=reps(50, seed=2), dw1=reps(70, seed=3), **ref)
    assert o.verdict == "reproduced" and f"°{sep}ΔW₁ 70." in o.measured and o.measured.startswith("W₁ 50.")
    assert evaluate(cid, w1=reps(50, seed=2), dw1=reps(85, seed=3), **ref).verdict == "partly reproduced"
    assert evaluate(cid, w1=reps(65, seed=2), dw1=reps(90, seed=3), **ref).verdict == "not reproduced"


def test_check_angle_and_norm_less():
    o = evaluate("A-figs1-case4-dw1-more-aligned", angle=reps(70), reference=reps(88, seed=1))
    assert o.verdict == "reproduced" and o.measured.startswith("70.") and " vs 88." in o.measured
    assert evaluate("A-figs1-case4-dw1-more-aligned", angle=reps(88), reference=reps(88, seed=1)).verdict \
        == "not reproduced"
    o = evaluate("A-figs1-case5-tsup-smaller", norm=reps(0.01, 0.001), reference=reps(0.02, 0.001, seed=1))
    assert o.verdict == "reproduced" and o.measured.startswith("0.01") and " vs 0.02" in o.measured
    assert evaluate("A-figs1-case5-tsup-smaller", norm=reps(0.03, 0.001),
                    reference=reps(0.02, 0.001, seed=1)).verdict == "not reproduced"


def test_check_w1_reaches_taln():
    o = evaluate("A-figs1-case4-w1-reaches-taln", w1=reps(62), t_aln_phase=phases(60, 90))
    assert o.verdict == "reproduced" and o.measured.startswith("62.") and " vs 60." in o.measured
    assert evaluate("A-figs1-case4-w1-reaches-taln", w1=reps(70),
                    t_aln_phase=phases(60, 90)).verdict == "not reproduced"


def test_check_taln_unchanged():
    o = evaluate("A-figs1-case5-taln-unchanged", t_aln_phase=phases(60, 90, seed=1), t_aln_phase_ref=phases(60, 90))
    assert o.verdict == "reproduced" and "(p " in o.measured
    # significantly different but within 1°: still unchanged
    assert evaluate("A-figs1-case5-taln-unchanged", t_aln_phase=phases(60.9, 90, sd=0.1, seed=1),
                    t_aln_phase_ref=phases(60, 90, sd=0.1)).verdict == "reproduced"
    o = evaluate("A-figs1-case5-taln-unchanged", t_aln_phase=phases(50, 90, seed=1), t_aln_phase_ref=phases(60, 90))
    assert o.verdict == "not reproduced" and o.measured.startswith("50.") and "(p < 1e-16)" in o.measured
