"""Paper A's claims, as rows of :data:`fa_companion.claims.CLAIMS`:
``(id, paper, figure, statement, check, chapter)``; chapter by chapter, in the papers' order."""

CH01, CH02, CH03 = "01_open_loop_alignment", "02_alignment_terms", "03_autocorrelation_and_wn"
CH04, CH05, CH06 = "04_angle_composition", "05_deep_fa_with_wn", "06_flexibility"

# Chapter 03 checks each claim under two readings of the output error, with one verdict each: as
# written (δ₂ = E ⊙ f'(Z₂), eq. 5) and with the error imposed on the output directly (δ₂ = E).
# Id suffix and the reading appended to the statement:
CH03_READINGS = (("eq5", "δ₂ = E ⊙ f'(Z₂), eq. 5"), ("delta-e", "δ₂ = E"))

_CH03 = (  # (id without the reading's suffix, figure, statement, check)
    ("A-fig4ab-beta-effect", "Fig 4A-B",
     "with X constant (β_X = 1), β has a significant effect on the final alignment",
     "one-way ANOVA of the final W₁∠Bᵀ (no WN) over the six values of β: p < 0.05"),
    ("A-fig4cd-betax-effect", "Fig 4C-D",
     "with β = 0.8, β_X has a significant effect on the final alignment",
     "one-way ANOVA of the final W₁∠Bᵀ (no WN) over the six values of β_X: p < 0.05"),
    ("A-fig4ad-wn-beta", "Fig 4A-B", "WN (γ = 1) improves the final W₁∠Bᵀ for 0 < β < 1",
     "final W₁∠Bᵀ lower with WN than without, Welch p < 0.05, at every β in (0, 1) (partly: at some)"),
    ("A-fig4ad-wn-betax", "Fig 4C-D", "WN (γ = 1) improves the final W₁∠Bᵀ for 0 < β_X < 1",
     "final W₁∠Bᵀ lower with WN than without, Welch p < 0.05, at every β_X in (0, 1) (partly: at some)"),
    ("A-fig4ad-wn-not-at-1", "Fig 4A-D", "WN does not improve alignment at β = β_X = 1, where all orders of alignment terms contribute equally",
     "at β = β_X = 1, final W₁∠Bᵀ not lower with WN, or Welch p > 0.05"),
    ("A-figs1-case1-taln-half", "Fig S1",
     "case 1 (E redrawn every 2 iterations, X constant, no WN): T¹_aln is aligned in half of the iterations",
     "last 200 iterations: T¹_aln∠Bᵀ below 90° (one-sample t-test vs 90° p < 0.05) where E[k] = E[k−1], "
     "and not aligned (p > 0.05 or within 2° of 90°) after a redraw"),
    ("A-figs1-case1-tsup-no-alignment", "Fig S1", "case 1: T¹_sup and ΣT¹_sup do not align",
     "final T¹_sup∠Bᵀ and ΣT¹_sup∠Bᵀ: one-sample t-test vs 90° p > 0.05 or mean within 2° of 90° "
     "(partly: one of the two)"),
    ("A-figs1-case1-sum-taln", "Fig S1", "case 1: ΣT¹_aln aligns more than the individual T¹_aln",
     "final ΣT¹_aln∠Bᵀ below T¹_aln∠Bᵀ (iterations with E[k] = E[k−1]), Welch p < 0.05"),
    ("A-figs1-case1-dw1-w1", "Fig S1",
     "case 1: ΔW₁ shows no considerable alignment, yet W₁ aligns",
     "final ΔW₁∠Bᵀ mean > 80°, and final W₁∠Bᵀ below 90° with one-sample t-test p < 0.05"),
    ("A-figs1-case1-norms-grow", "Fig S1", "case 1: the weight norms grow continuously",
     "mean ‖W₀‖ and ‖W₁‖ at the end above their values at k = 0 and at mid-run"),
    ("A-figs1-case2-sum-tsup", "Fig S1",
     "case 2 (E redrawn every 3 iterations): ΣT¹_sup shows some alignment and the norms grow",
     "final ΣT¹_sup∠Bᵀ below 90° with one-sample t-test p < 0.05, and ‖W₁‖ at the end above its "
     "values at k = 0 and at mid-run"),
    ("A-figs1-case3-wn-more-aligned", "Fig S1",
     "case 3 (case 2 with WN, γ = 1): more alignment than case 2, and ΔW₁ considerably aligned",
     "final W₁∠Bᵀ and ΔW₁∠Bᵀ of case 3 below case 2's, Welch p < 0.05 (partly: one of the two)"),
    ("A-figs1-case4-dw1-more-aligned", "Fig S1",
     "case 4 (case 1 with WN, γ = 1): ΔW₁ more aligned than in case 1",
     "final ΔW₁∠Bᵀ of case 4 below case 1's, Welch p < 0.05"),
    ("A-figs1-case4-w1-reaches-taln", "Fig S1", "case 4: W₁∠Bᵀ almost reaches T¹_aln∠Bᵀ",
     "|final W₁∠Bᵀ − T¹_aln∠Bᵀ (iterations with E[k] = E[k−1])| < 5°"),
    ("A-figs1-case4-tsup-no-alignment", "Fig S1", "case 4: T¹_sup shows no alignment",
     "final T¹_sup∠Bᵀ: one-sample t-test vs 90° p > 0.05 or mean within 2° of 90°"),
    ("A-figs1-case5-tsup-smaller", "Fig S1", "case 5 (case 4 with γ = 0.7): ‖T¹_sup‖ smaller than in case 4",
     "final ‖T¹_sup‖ of case 5 below case 4's, Welch p < 0.05"),
    ("A-figs1-case5-slightly-more-aligned", "Fig S1",
     "case 5: W₁ and ΔW₁ slightly more aligned than in case 4",
     "final W₁∠Bᵀ and ΔW₁∠Bᵀ of case 5 below case 4's, Welch p < 0.05 (partly: one of the two)"),
    ("A-figs1-case5-taln-unchanged", "Fig S1", "case 5: T¹_aln∠Bᵀ unchanged from case 4",
     "T¹_aln∠Bᵀ (iterations with E[k] = E[k−1]) of case 5 vs case 4: Welch p > 0.05 or means within 1°"),
)

ROWS = (
    # ---- chapter 01: open-loop alignment with persistent error and input (Paper A Fig 1, Supp. Note 3) ----
    ("A-eq1-asymptotes", "A", "Eq. 1, S7, S10",
     "W₀'s direction converges to XᵀEB and W₁'s to BᵀEᵀXXᵀE",
     "log-log slopes of the mean W₀∠XᵀEB and W₁∠BᵀEᵀXXᵀE against k in (−1.1, −0.9) in every condition "
     "(1/k decay), and the largest final angle < 5°", CH01),
    ("A-sec21-expected-m", "A", "§2.1", "for i.i.d. N(0, 1) elements, E(EᵀXXᵀE) = n_b n_i I",
     "Monte Carlo mean of EᵀXXᵀE / (n_b n_i) against I: max |z| < 5 over all elements and conditions", CH01),
    ("A-fig1bd-outputs-exceed-inputs", "A", "Fig 1B,D",
     "n_o > n_i leaves at least n_o − n_i zero eigenvalues and less alignment",
     "at least n_o − n_i zero eigenvalues in every condition, and mean W₁∠Bᵀ of cond. 2 (n_o > n_i) "
     "above cond. 1 and 6, Welch p < 0.05 for both", CH01),
    ("A-fig1bd-batch-size", "A", "Fig 1B,D", "a larger batch n_b gives more alignment",
     "mean W₁∠Bᵀ at n_b = 400 < 100 < 20 (cond. 3, 2, 4), Welch p < 0.05 for both comparisons", CH01),
    ("A-fig1bd-hidden-width", "A", "Fig 1B,D",
     "a larger n_h does not change the mean angle (p > 0.5) but narrows the histogram",
     "cond. 5 (n_h = 400) vs 2 (n_h = 100): Welch p > 0.05, and a smaller SD with Levene p < 0.05 "
     "(partly: one of the two)", CH01),
    ("A-fig1c-updates-align", "A", "Fig 1C, eq. 2-3", "ΔW₀,FA and ΔW₀,BP align too",
     "final mean ΔW₀,FA∠ΔW₀,BP below 90° and at least 5° below its value at k = 0, in every condition",
     CH01),
    ("A-suppnote3-random-product-90", "A", "Supp. Note 3",
     "for independent random A, B (100×100, N(0, 1)), AB∠A = 90° (SD 0.82°, p > 0.5, n = 1000)",
     "one-sample t-test against 90°: p > 0.05, and |SD − 0.82°| < 0.1°", CH01),
    ("A-suppnote3-psd-below-90", "A", "Supp. Note 3",
     "a positive semidefinite transformation never turns a vector by 90° or more; the arrangement of "
     "its eigenvalues sets how far it turns it",
     "max v∠Mv < 90° for random PSD M of rank 50 and 10 and > 90° for a symmetric indefinite M, and "
     "a larger mean angle at rank 10 than at rank 50", CH01),
    # ---- chapter 02: alignment terms (Paper A Fig 2, Fig 3) ----
    ("A-fig2-cond1-no-alignment", "A", "Fig 2C",
     "cond. 1 (E, X, B i.i.d. N(0, 1)): T¹_aln[1] does not align with Bᵀ (p > 0.5)",
     "one-sample t-test of Bᵀ∠T¹_aln[1] against 90°: p > 0.05", CH02),
    ("A-fig2-cond2-no-alignment", "A", "Fig 2C",
     "cond. 2 (E[1] = E[0], the rest random): still no alignment (p > 0.5)",
     "one-sample t-test of Bᵀ∠T¹_aln[1] against 90°: p > 0.05", CH02),
    ("A-fig2-cond3-alignment", "A", "Fig 2B,C",
     "cond. 3 (E, X i.i.d. N(0.5, 1)): T¹_aln[1] aligns with Bᵀ",
     "mean Bᵀ∠T¹_aln[1] below 90°, one-sample t-test against 90° p < 0.05", CH02),
    ("A-sec22-cond3-expected-m", "A", "§2.2", "in cond. 3, E(E[0]ᵀX[0]X[1]ᵀE[1]) = 0.0625 n_i n_b² J",
     "Monte Carlo mean of M¹ / (0.0625 n_i n_b²) against 1: max |z| < 5 over all elements", CH02),
    ("A-fig2-b-distribution", "A", "Fig 2B,C",
     "the amount of alignment also depends on B's distribution (cond. 4 vs 3)",
     "Welch t-test of Bᵀ∠T¹_aln[1], cond. 4 vs 3: p < 0.05", CH02),
    ("A-fig2e-all-ones", "A", "Fig 2C,E",
     "an all-ones transformation (one positive eigenvalue, the rest zero) also aligns (cond. 6)",
     "mean Bᵀ∠T¹_aln[1] below 90°, one-sample t-test against 90° p < 0.05", CH02),
    ("A-eq31-skew-90", "A", "Eq. 31", "Bᵀ∠BᵀM_skew = 90° for any B and any M",
     "max |Bᵀ∠BᵀM_skew − 90°| over all draws < 1e-6°", CH02),
    ("A-fig2d-masks", "A", "Fig 2D",
     "with random ReLU-like 0/1 masks, alignment is smaller than in the linear case but still happens",
     "cond. 3 with masks: mean Bᵀ∠T¹_aln[1] below 90° with one-sample t-test p < 0.05, and above "
     "the linear mean", CH02),
    ("A-sec22-relu-mask-45", "A", "§2.2",
     "for independent Z, B (100×100, N(0, 1)), {f'(Z) ⊙ B}∠B = 45° (SD 0.66°, p > 0.5, n = 1000)",
     "one-sample t-test against 45°: p > 0.05, and |SD − 0.66°| ≤ 0.1° (partly: the mean only)", CH02),
    ("A-fig3-case1-aligns", "A", "Fig 3",
     "open-loop ReLU network, case 1 (E, X fixed): W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP fall",
     "final W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP both below 90°, one-sample t-tests against 90° p < 0.05", CH02),
    ("A-fig3-case2-w1-no-alignment", "A", "Fig 3",
     "case 2 (E redrawn every iteration): W₁ does not align",
     "final W₁∠Bᵀ: one-sample t-test against 90° p > 0.05", CH02),
    ("A-fig3-case2-updates-no-alignment", "A", "Fig 3",
     "case 2: ΔW₀,FA∠ΔW₀,BP does not fall either",
     "final ΔW₀,FA∠ΔW₀,BP: one-sample t-test against 90° p > 0.05 or mean within 2° of 90° "
     "(partly: only in the rerun with δ₂ = E)", CH02),
    ("A-fig3-case3-aligns", "A", "Fig 3",
     "case 3 (E redrawn every 2 iterations): W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP fall",
     "final W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP both below 90°, one-sample t-tests against 90° p < 0.05", CH02),
    ("A-fig3-case4-aligns", "A", "Fig 3",
     "case 4 (E, X ~ N(0.5, 1) redrawn every iteration): W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP fall",
     "final W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP both below 90°, one-sample t-tests against 90° p < 0.05", CH02),
    # ---- chapter 03: autocorrelation and weight normalization (Paper A Fig 4, Fig S1) ----
    *((f"{cid}-{suffix}", "A", figure, f"{statement} ({reading})", check, CH03)
      for cid, figure, statement, check in _CH03[:5] for suffix, reading in CH03_READINGS),
    ("A-fig4e-acf", "A", "Fig 4E", "β and β_X set the ACFs of the elements of E and X (β^|τ|)",
     "max |ACF(τ)/ACF(0) − β^τ| over the six β and τ ≤ 20 < 0.05", CH03),
    *((f"{cid}-{suffix}", "A", figure, f"{statement} ({reading})", check, CH03)
      for cid, figure, statement, check in _CH03[5:] for suffix, reading in CH03_READINGS),
    # ---- chapter 04: angles of products (Paper A Fig 5) ----
    ("A-fig5ab-no-inequality", "A", "Fig 5A,B",
     "there is no general inequality: θ₃ can lie below, between or above θ₁ and θ₂",
     "uniform θ₁, θ₂ on 0-180°: each of the three cases occurs in some pairs", CH04),
    ("A-fig5a-below-both-rare", "A", "Fig 5A",
     "θ₃ < min(θ₁, θ₂) is unlikely and occurs only for 85° < θ₁, θ₂ < 90°",
     "pairs with θ₁, θ₂ ≤ 90°: θ₃ < min(θ₁, θ₂) in < 1% of them, never with min(θ₁, θ₂) < 80°, and on "
     "the diagonal not below θ = 80°; at best partly reproduced, as it fails over the paper's sampling "
     "range 0-180° (two angles above 90° give θ₃ < min(θ₁, θ₂))", CH04),
    ("A-fig5a-less-aligned", "A", "Fig 5A",
     "the product is usually less aligned than the less aligned factor",
     "pairs with θ₁, θ₂ ≤ 90°: θ₃ > max(θ₁, θ₂) in more than half of them", CH04),
    ("A-fig5d-theta1-extreme", "A", "Fig 5D", "θ₁ near 0° or 180° → θ₃ is determined by θ₂",
     "θ₁ = 2.5° and 177.5°: mean θ₃ within 5° of θ₂ and 180° − θ₂ over the θ₂ grid", CH04),
    ("A-fig5d-theta1-90", "A", "Fig 5D", "θ₁ near 90° → θ₃ ≈ 90° whatever θ₂",
     "θ₁ = 90°: mean θ₃ within 2° of 90° over the θ₂ grid, and |slope dθ₃/dθ₂| < 0.02", CH04),
    ("A-fig5cfg-masks-variance", "A", "Fig 5C,F,G",
     "ReLU derivative masks increase the variance of θ₃",
     "SD of θ₃ with masks / without > 1 at every diagonal angle θ₁ = θ₂", CH04),
    ("A-fig5cfg-masks-mean", "A", "Fig 5C,F,G",
     "ReLU derivative masks leave the mean of θ₃ unchanged (t-test p > 0.1)",
     "Welch t-test on the uniform populations p > 0.1, and p > 0.1 at ≥ 75% of the diagonal angles "
     "(partly: otherwise)", CH04),
    # ---- chapter 05: deep FA with weight normalization (Paper A Fig 6, Fig 7) ----
    ("A-fig6d-angle-grows-earlier", "A", "Fig 6D",
     "without WN, ΔW_ℓ,FA∠ΔW_ℓ,BP grows as the error travels to earlier layers",
     "second-half mean angle strictly decreasing from ℓ = 0 to 3 (partly: ℓ = 3 < ℓ = 2 < ℓ = 0, 1, "
     "with ℓ = 0 and 1 swapped)", CH05),
    ("A-fig6g-norms-grow", "A", "Fig 6G",
     "‖W_ℓ‖ keeps growing, subtly and saturating in early layers, evidently in the last",
     "FA: last layer's growth (last / first epoch) the largest, and every earlier layer's growth "
     "over the second half below the last's (partly: the first only)", CH05),
    ("A-fig6cd-b-norm-matching", "A", "Fig 6C,D",
     "matching the norm of B_ℓ to ‖W_ℓ‖ at every iteration improves FA",
     "second-half mean ΔW angle (ℓ = 0-3) and W∠Bᵀ (ℓ = 1-4) lower than FA's in every layer "
     "(partly: for one of the two measures)", CH05),
    ("A-fig6ab-neuron-wn", "A", "Fig 6A,B", "neuron-wise WN (γ = 1) improves FA",
     "second-half mean ΔW angle (ℓ = 0-3) and W∠Bᵀ (ℓ = 1-4) lower than FA's in every layer "
     "(partly: for one of the two measures)", CH05),
    ("A-fig6ab-layerwise-slightly-less", "A", "Fig 6A,B",
     "layer-wise normalization aligns the updates slightly less than neuron-wise WN",
     "second-half mean ΔW angle higher than WN's in every layer, by ≤ 5° on average over layers "
     "(partly: by more)", CH05),
    ("A-fig6ef-width-100-less", "A", "Fig 6E,F",
     "width 100 (10-hot codes) aligns less than width 50 without WN",
     "second-half mean ΔW angle and W∠Bᵀ higher than width 50's in every layer (partly: for one of "
     "the two measures)", CH05),
    ("A-fig6ef-wn-width-100", "A", "Fig 6E,F", "WN (γ = 1) improves alignment at width 100",
     "second-half mean ΔW angle and W∠Bᵀ lower than without WN in every layer (partly: for one of "
     "the two measures)", CH05),
    ("A-fig6h-wn-fa-error", "A", "Fig 6H", "WN lowers FA's test error",
     "mean final test error FA + WN < FA", CH05),
    ("A-fig6h-wn-bp-error", "A", "Fig 6H", "WN raises BP's test error",
     "mean final test error BP + WN > BP", CH05),
    ("A-fig6h-bp-lowest", "A", "Fig 6H", "BP without WN has the lowest test error",
     "mean final test error of BP ≤ that of every other condition", CH05),
    ("A-fig7ab-autocorrelation", "A", "Fig 7A,B",
     "elements of L_ℓ are autocorrelated; elements of δ_ℓ only at lags that are multiples of the "
     "number of mini-batches P",
     "mean normalized ACF of δ at multiples of P > 5 × its mean |ACF| at other lags, which is < 0.1, "
     "and L's mean normalized ACF at other lags > 0.1", CH05),
    ("A-fig7c-t1-early", "A", "Fig 7C", "T¹_ℓ is aligned with B_ℓᵀ only early (k < 250)",
     "FA, mean over layers 1-4: T¹∠Bᵀ below 90° by a one-sided t-test over networks at p < 0.01 in "
     "the early window, not in the second half", CH05),
    ("A-fig7c-t60-aligned", "A", "Fig 7C", "T⁶⁰_ℓ stays aligned with B_ℓᵀ",
     "FA, second half: T^P∠Bᵀ below 90° by a one-sided t-test over networks at p < 0.01", CH05),
    ("A-fig7c-tsup-aligned", "A", "Fig 7C", "the sup-alignment term T¹_ℓ,sup stays aligned with B_ℓᵀ",
     "FA: T¹_sup∠Bᵀ below 90° by a one-sided t-test over networks at p < 0.01 in the early window "
     "and in the second half", CH05),
    ("A-fig7cd-wn-improves", "A", "Fig 7C,D",
     "WN improves the alignment of ΔW_ℓ,FA and of T¹_ℓ,sup with B_ℓᵀ",
     "second half: mean ΔW_FA∠Bᵀ and T¹_sup∠Bᵀ lower for FA + WN than for FA", CH05),
    # ---- chapter 06: flexibility (Paper A Fig 8, Figs S2-S3) ----
    ("A-fig8a-no-wn-no-recovery", "A", "Fig 8A",
     "without WN, test accuracy in the second phase does not reach that of the first (BP and FA)",
     "mean phase-2 − phase-1 test accuracy < −1 point for BP and for FA (partly: for one)", CH06),
    ("A-fig8a-wn-recovers", "A", "Fig 8A", "with WN, both BP and FA recover",
     "recovers: phase 2 within 1 point of phase 1 or above; largely: a drop under a quarter of the "
     "same rule's drop without WN; a rule whose phase 1 ends > 10 points below it without WN did not "
     "train. Both recover (partly: one recovers or largely recovers)", CH06),
    ("A-fig8a-fa-inferior-no-wn", "A", "Fig 8A",
     "without WN, FA is inferior to BP after the switch",
     "mean phase-2 test accuracy FA < BP with rank-sum p < 0.05 (partly: lower in the means only)", CH06),
    ("A-fig8a-fa-comparable-wn", "A", "Fig 8A", "with WN, FA is comparable to BP after the switch",
     "|mean phase-2 test accuracy FA + WN − BP + WN| < 2 points", CH06),
    ("A-fig8b-saturation", "A", "Fig 8B",
     "without WN most output units are saturated at the switch (f'(Z₅) = 0); WN keeps Z₅ away from "
     "the extremes",
     "share of FA's output values with f' = 0 at the switch > 50%, and lower with WN", CH06),
    ("A-figs2-gamma-robust", "A", "Fig S2",
     "alignment and test error are fairly robust over a range of γ, but a small γ severely reduces "
     "performance",
     "end of phase 1: median accuracy at the smallest γ > 10 points below the best γ's, and ≥ 3 values "
     "of γ within 5 points of the best at both η (partly: one of the two)", CH06),
    ("A-figs3-gamma-flexibility", "A", "Fig S3",
     "the flexibility is sensitive to γ: a range of γ improves it over no WN",
     "best γ's median phase-2 accuracy > 1 point above no WN's, at both η", CH06),
    ("A-figs3-label-smoothing", "A", "Fig S3",
     "label smoothing makes the flexibility less sensitive to γ",
     "with label smoothing: a smaller range of the phase-2 medians over γ at both η, and at least as "
     "many γ within 90% of the best phase-2 median at both η (more at one) (partly: the latter, or "
     "label smoothing raises the mean phase-2 median over γ at both η)", CH06),
)
