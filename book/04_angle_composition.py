# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Angles of products: why FA degrades with depth
#
# *Paper A, §2.4 and Methods §4.8; Fig 5.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# In a d-layer network the FA error reaching layer ℓ is δ_d B_{d−1}⋯B_ℓ while BP's is
# δ_d W_{d−1}ᵀ⋯W_ℓᵀ (Paper A eqs 10-11) {cite}`rahmansetayesh_fa_wn`. Even if every W_ℓ is
# partly aligned with its B_ℓᵀ, how aligned is the *product*? Paper A answers statistically with
# two factors: B₂ ∈ R^{30×15} and B₁ ∈ R^{15×40} drawn on the unit sphere, W₂ᵀ and W₁ᵀ drawn on the
# unit sphere at angles θ₂ = B₂∠W₂ᵀ and θ₁ = B₁∠W₁ᵀ uniform on 0-180° (§4.8), and
# θ₃ = B₂B₁∠W₂ᵀW₁ᵀ. The claims of Fig 5:
#
# 1. **Fig 5A,B**: there is no general inequality: θ₃ can lie between, above or below θ₁ and θ₂.
# 2. **Fig 5A**: θ₃ < min(θ₁, θ₂) is unlikely and occurred only for 85° < θ₁, θ₂ < 90°; the product is
#    usually *less* aligned than the less aligned factor.
# 3. **Fig 5A,B,D**: if θ₁ is close to 0° or 180°, θ₃ is determined by θ₂; if θ₁ is close to 90°,
#    θ₃ ≈ 90° whatever θ₂.
# 4. **Fig 5C,F,G** (eq. 12): ReLU derivative masks f'(Z₂), f'(Z₁) (Z₂ ∈ R^{30×15}, Z₁ ∈ R^{30×40},
#    i.i.d. N(0, 1)) after each factor change the **variance** of θ₃, not its **mean** (t-test,
#    p > 0.1).
#
# **What we run.** This chapter is pure linear algebra on random matrices, so the book profile is the
# paper's experiment itself (the paper gives no sample sizes; ours are printed below). The ci
# profile draws fewer samples. All code is in `fa_companion.composition`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import fa_companion
from fa_companion.ledger import claims
from fa_companion.figures import plotting
from fa_companion.theory.composition import fig5_experiment, predicted_theta3
from fa_companion.store.results import chapter_store

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
n_uniform: "int[1]" = 40_000  # (θ₁, θ₂) uniform on 0-180°: one linear and one independent nonlinear population
n_fixed: "int[1]" = 1_000  # samples per fixed (θ₁, θ₂) pair
seed: "int[0]" = 0

# %%
from fa_companion.params import apply_profile

apply_profile("04_angle_composition", globals())  # values at the profile, unless given with -p

# %% [markdown]
# ## Drawing the matrices
#
# Three blocks of samples, each computed for the linear angle θ₃ and, independently, for the
# nonlinear angle of eq. 12:
#
# - a **uniform** population: θ₁, θ₂ ~ U(0°, 180°) by §4.8's construction (B unit; A unit and
#   orthogonal to B by Gram-Schmidt; Wᵀ = r₁A + r₂B normalized with r₁, r₂ ~ N(0, 1));
# - a **diagonal**: θ₁ = θ₂ = θ fixed exactly, θ = 2.5° … 177.5° in steps of 2.5°;
# - **special cases**: θ₁ ∈ {2.5°, 90°, 177.5°} against θ₂ = 0° … 180° in steps of 10°.
#
# A fixed angle is obtained exactly as W = cos θ B + sin θ A with A ⟂ B unit (the §4.8
# construction conditioned on the angle). One deviation from §4.8's text: we renormalize A after the
# Gram-Schmidt step, so that r₁A + r₂B has an exactly uniform angle (without it, ‖A‖² = 1 − ⟨A, B⟩²,
# a distortion of order 1/D for D = 450 or 600 entries).

# %%
DIAGONAL = [float(t) for t in np.arange(2.5, 180.0, 2.5)]
SPECIAL_THETA1 = [2.5, 90.0, 177.5]
THETA2_GRID = [float(t) for t in range(0, 181, 10)]
config = {"n_uniform": n_uniform, "n_fixed": n_fixed, "seed": seed, "diagonal": DIAGONAL,
          "special_theta1": SPECIAL_THETA1, "theta2_grid": THETA2_GRID}
store = chapter_store("04_angle_composition", profile)
res = store.get_or_compute("fig5", config, fig5_experiment)
a = res.arrays
t1, t2, t3 = (a[f"uniform_lin_theta{i}"].astype(float) for i in (1, 2, 3))
n1, n2, n3 = (a[f"uniform_nonlin_theta{i}"].astype(float) for i in (1, 2, 3))
print(f"uniform population: {n_uniform} linear + {n_uniform} nonlinear samples; "
      f"{n_fixed} samples per fixed angle pair ({len(DIAGONAL)} diagonal, "
      f"{len(SPECIAL_THETA1) * len(THETA2_GRID)} special)")
print(f"θ₁ range {t1.min():.2f}°-{t1.max():.2f}°, KS test against U(0°, 180°): "
      f"p = {stats.kstest(t1, stats.uniform(0, 180).cdf).pvalue:.2f}")

# %% tags=["nbval-ignore-output", "hide-input"]
print(f"computed in {res.provenance.get('wall_time_s', float('nan')):.0f} s "
      f"(torch {res.provenance.get('torch')}, commit {str(res.provenance.get('git_commit'))[:10]})")

# %% [markdown]
# ## Fig 5B: θ₃ over the (θ₁, θ₂) plane
#
# Mean θ₃ in 5° × 5° bins of the uniform population (left: linear; middle: with ReLU masks).
# The black contours are not from the paper: they are our first-order prediction
# cos θ₃ ≈ cos θ₁ cos θ₂ (writing W_ℓᵀ = cos θ_ℓ B_ℓ + sin θ_ℓ A_ℓ, the three products involving an
# A are orthogonal to B₂B₁ on average, and all four products of random unit matrices have about the
# same norm). Right: the residuals of θ₃ around that prediction; the ReLU masks widen them.

# %%
edges = np.arange(0, 181, 5)
centers = 0.5 * (edges[1:] + edges[:-1])


def binned(x, y, v, fn):
    out = stats.binned_statistic_2d(x, y, v, statistic=fn, bins=[edges, edges]).statistic
    return out.T  # rows: θ₂, columns: θ₁


mean_lin, mean_non = binned(t1, t2, t3, "mean"), binned(n1, n2, n3, "mean")
grid1, grid2 = np.meshgrid(centers, centers)
pred = predicted_theta3(grid1, grid2).numpy()
res_lin = t3 - predicted_theta3(t1, t2).numpy()
res_non = n3 - predicted_theta3(n1, n2).numpy()

fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.4))
for ax, m, title in ((axes[0], mean_lin, "linear: mean θ₃"), (axes[1], mean_non, "ReLU masks (eq. 12): mean θ₃")):
    im = ax.pcolormesh(edges, edges, m, cmap="RdBu_r", vmin=0, vmax=180, shading="flat")
    cs = ax.contour(grid1, grid2, pred, levels=[30, 60, 80, 90, 100, 120, 150], colors="k", linewidths=0.6)
    ax.clabel(cs, fontsize=6.5, fmt="%d°")
    ax.set(title=title, xlabel="θ₁ = B₁∠W₁ᵀ (°)", aspect="equal")
    ax.grid(False)
axes[0].set_ylabel("θ₂ = B₂∠W₂ᵀ (°)")
fig.colorbar(im, ax=axes[:2], shrink=0.85, label="θ₃ (°)")
rbins = np.linspace(-12, 12, 97)
axes[2].hist(res_lin, bins=rbins, histtype="step", color="0.2", label="linear")
axes[2].hist(res_non, bins=rbins, histtype="step", color="C1", label="ReLU masks")
axes[2].set(title="θ₃ − arccos(cos θ₁ cos θ₂)", xlabel="residual (°)", ylabel="count")
axes[2].legend(loc="upper left")

# %% tags=["hide-input"]
print(f"first-order prediction arccos(cos θ₁ cos θ₂): RMS residual {np.sqrt(np.mean(res_lin ** 2)):.2f}° "
      f"(linear), {np.sqrt(np.mean(res_non ** 2)):.2f}° (ReLU masks); mean residual "
      f"{res_lin.mean():+.2f}° and {res_non.mean():+.2f}°")

# %% [markdown]
# ## Fig 5A: where is θ₃ relative to θ₁ and θ₂?

# %%
lo, hi = np.minimum(t1, t2), np.maximum(t1, t2)
below, between, above = t3 < lo, (t3 >= lo) & (t3 <= hi), t3 > hi
quadrant = {"both ≤ 90°": (t1 <= 90) & (t2 <= 90), "one > 90°": (t1 > 90) ^ (t2 > 90),
            "both > 90°": (t1 > 90) & (t2 > 90)}
print(f"{'':12s} {'n':>7s} {'θ₃ < min':>9s} {'between':>9s} {'θ₃ > max':>9s}")
print(f"{'all':12s} {len(t3):7d} {below.mean():9.2%} {between.mean():9.2%} {above.mean():9.2%}")
for name, q in quadrant.items():
    print(f"{name:12s} {q.sum():7d} {below[q].mean():9.2%} {between[q].mean():9.2%} {above[q].mean():9.2%}")
in_q1 = quadrant["both ≤ 90°"] & below
min_q1 = float(np.min(lo[in_q1])) if in_q1.any() else 90.0  # none: no counterexample below 90°
print(f"θ₃ < min(θ₁, θ₂) with both ≤ 90°: {in_q1.sum()} of {quadrant['both ≤ 90°'].sum()} samples"
      + (f", smallest min(θ₁, θ₂) among them {min_q1:.1f}°" if in_q1.any() else ""))

# %% [markdown]
# The diagonal θ₁ = θ₂ = θ shows the same in detail: the histograms of θ₃ (left) and the fraction of
# samples with θ₃ < θ (right). The red histogram is θ = 87.5°, whose left tail crosses θ, as in
# the paper's Fig 5A.

# %%
diag_lin, diag_non = a["diag_lin"].astype(float), a["diag_nonlin"].astype(float)
diag = np.asarray(DIAGONAL)
frac_below = (diag_lin < diag[:, None]).mean(1)
frac_below_non = (diag_non < diag[:, None]).mean(1)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
shown = {10.0: "0.6", 30.0: "0.48", 60.0: "0.36", 80.0: "0.2", 87.5: "#d62728"}
for theta, color in shown.items():
    i = DIAGONAL.index(theta)
    axes[0].hist(diag_lin[i], bins=np.arange(0, 100, 0.5), color=color, alpha=0.8,
                 label=f"θ₁ = θ₂ = {theta:g}°", histtype="stepfilled")
    axes[0].axvline(theta, color=color, ls=":", lw=1)
axes[0].set(xlabel="θ₃ = B₂B₁∠W₂ᵀW₁ᵀ (°)", ylabel="count", title="linear, θ₁ = θ₂ = θ (dotted)")
axes[0].legend(loc="upper left", bbox_to_anchor=(0.46, 1.0))
axes[1].plot(diag, frac_below, "o-", ms=3, color="0.2", label="linear")
axes[1].plot(diag, frac_below_non, "s-", ms=3, color="C1", label="ReLU masks")
axes[1].axvspan(85, 90, color="#d62728", alpha=0.12, lw=0, label="85°-90° (paper)")
axes[1].set(xlabel="θ₁ = θ₂ = θ (°)", ylabel="fraction with θ₃ < θ", title="θ₃ below both factors")
axes[1].legend(loc="center left")
fig.tight_layout()
for theta in (80.0, 85.0, 87.5, 90.0, 92.5, 95.0):
    i = DIAGONAL.index(theta)
    print(f"θ = {theta:5.1f}°: θ₃ = {diag_lin[i].mean():6.2f} ± {diag_lin[i].std():4.2f}°, "
          f"P(θ₃ < θ) = {frac_below[i]:.3f} (linear), {frac_below_non[i]:.3f} (ReLU masks)")
first_q1 = diag[(frac_below > 0) & (diag <= 90)].min()
print(f"smallest θ ≤ 90° with any θ₃ < θ (linear): {first_q1:g}°")

# %% [markdown]
# ## Fig 5D: the special cases

# %%
special_lin, special_non = a["special_lin"].astype(float), a["special_nonlin"].astype(float)
g2 = np.asarray(THETA2_GRID)
fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.1), sharey=True)
for ax, i, t1v in zip(axes, range(3), SPECIAL_THETA1):
    for arr, label, color in ((special_lin, "linear", "0.2"), (special_non, "ReLU masks", "C1")):
        plotting.band(ax, g2, arr[i].mean(-1), arr[i].std(-1), label=label, color=color)
    ax.plot(g2, predicted_theta3(t1v, g2).numpy(), "k:", lw=1, label="arccos(cos θ₁ cos θ₂)")
    ax.set(title=f"θ₁ = {t1v:g}°", xlabel="θ₂ (°)", xticks=range(0, 181, 45))
axes[0].set_ylabel("θ₃ (°), mean ± SD")
axes[0].legend(loc="upper left")
fig.tight_layout()
m0, m90, m180 = (special_lin[i].mean(-1) for i in range(3))
follow0 = float(np.abs(m0 - g2).max())
follow180 = float(np.abs(m180 - (180 - g2)).max())
spread90 = float(np.abs(m90 - 90).max())
slope90 = float(np.polyfit(g2, m90, 1)[0])
print(f"θ₁ = 2.5°:   max |mean θ₃ − θ₂| over θ₂ = {follow0:.2f}°")
print(f"θ₁ = 177.5°: max |mean θ₃ − (180° − θ₂)| = {follow180:.2f}°")
print(f"θ₁ = 90°:    max |mean θ₃ − 90°| = {spread90:.2f}°, slope dθ₃/dθ₂ = {slope90:.4f}, "
      f"SD of θ₃ {special_lin[1].std(-1).mean():.2f}°")

# %% [markdown]
# ## Fig 5C,F,G: the nonlinear version (eq. 12)
#
# Two-sided Welch t-tests on the means of θ₃ (independent linear and nonlinear draws), at every
# diagonal angle and for the uniform populations; the paper does not say which t-test it used or
# how many samples it drew. Left: histograms of the uniform populations; right: the SD ratio and
# the p-values along the diagonal.

# %%
p_uniform = stats.ttest_ind(t3, n3, equal_var=False).pvalue
p_diag = np.array([stats.ttest_ind(l, n, equal_var=False).pvalue for l, n in zip(diag_lin, diag_non)])
sd_ratio = diag_non.std(1) / diag_lin.std(1)
mean_shift = diag_non.mean(1) - diag_lin.mean(1)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
bins = np.arange(0, 181, 2)
axes[0].hist(t3, bins=bins, histtype="step", color="0.2", label="linear")
axes[0].hist(n3, bins=bins, histtype="step", color="C1", label="ReLU masks")
axes[0].set(xlabel="θ₃ (°)", ylabel="count", title="uniform θ₁, θ₂")
axes[0].legend()
axes[1].plot(diag, sd_ratio, "o", ms=3, color="C1", label="SD ratio (nonlinear / linear)")
axes[1].set(xlabel="θ₁ = θ₂ = θ (°)", ylabel="SD ratio")
ax2 = axes[1].twinx()
ax2.semilogy(diag, p_diag, "k.", ms=4, label="Welch t-test p (means)")
ax2.axhline(0.1, color="k", ls=":", lw=0.8)
ax2.set_ylabel("p-value (dotted: 0.1)", color="k")
ax2.grid(False)
handles = axes[1].get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
axes[1].legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
fig.tight_layout()
print(f"uniform populations: mean θ₃ {t3.mean():.2f}° (linear) vs {n3.mean():.2f}° (ReLU masks), "
      f"Welch t-test p = {p_uniform:.2f}; SD {t3.std():.2f}° vs {n3.std():.2f}°")
print(f"diagonal: SD ratio {sd_ratio.min():.2f}-{sd_ratio.max():.2f} (median {np.median(sd_ratio):.2f}); "
      f"|mean shift| ≤ {np.abs(mean_shift).max():.2f}°; p > 0.1 at {(p_diag > 0.1).sum()} of "
      f"{len(p_diag)} angles (expected under equal means: {0.9 * len(p_diag):.0f})")

# %% [markdown]
# ## Protocol: the paper's text, the authors' code and this book
#
# Paper A's authors published their code: Colab notebooks, in
# [their repository](https://github.com/ARahmansetayesh/The-underlying-mechanisms-of-alignment-in-error-backpropagation-through-arbitrary-weights)
# at commit `bd9e3d4` (the version of this paper). Where its text and its code differ (≠), both are readings of the
# paper; where a difference can change a verdict, the verdicts below are given under each reading.

# %% tags=["hide-input"]
from IPython.display import Markdown  # noqa: E402

from fa_companion.ledger.protocol import protocol_table  # noqa: E402

Markdown(protocol_table("04_angle_composition"))

# %% [markdown]
# ## Verdicts
#
# Each verdict is computed from the numbers above. "Reproduced" means our measurement agrees with
# the paper's statement as written. The two Fig 5A claims are checked on the range of the paper's
# histograms, θ₁, θ₂ ≤ 90°; "θ₃ < min(θ₁, θ₂) only for 85° < θ₁, θ₂ < 90°" is partly reproduced
# when it holds there, because it does not hold over the paper's sampling range 0-180° (the
# measured value says how far it fails there).

# %%
uniform = {"theta1": t1, "theta2": t2, "theta3": t3}
diagonals = {"diagonal_linear": diag_lin, "diagonal_masked": diag_non}
claims.report("04_angle_composition", profile, [
    claims.evaluate("A-fig5ab-no-inequality", **uniform),
    claims.evaluate("A-fig5a-below-both-rare", **uniform, diagonal=DIAGONAL, diagonal_theta3=diag_lin),
    claims.evaluate("A-fig5a-less-aligned", **uniform),
    claims.evaluate("A-fig5d-theta1-extreme", theta2_grid=THETA2_GRID, theta3_near_0=special_lin[0],
                    theta3_near_180=special_lin[2]),
    claims.evaluate("A-fig5d-theta1-90", theta2_grid=THETA2_GRID, theta3_at_90=special_lin[1]),
    claims.evaluate("A-fig5cfg-masks-variance", **diagonals),
    claims.evaluate("A-fig5cfg-masks-mean", uniform_linear=t3, uniform_masked=n3, **diagonals),
])

# %% [markdown]
# ## Discussion
#
# The statistics of Fig 5 come out as the paper describes on the range it plots in its histograms,
# θ₁, θ₂ ≤ 90°: the product of two partly aligned factors is less aligned than either, and falls
# below both only when both factors are within a few degrees of orthogonality, where θ₃ is spread
# symmetrically around 90°. Our first-order formula cos θ₃ ≈ cos θ₁ cos θ₂ (an addition of ours,
# not in the paper) reproduces the whole heat map to about a degree and makes the special cases
# immediate: it is also why FA's update angles grow layer by layer in Paper A's deep networks
# (chapter 05): with Bᵀ∠W angles of 80°-85° per layer, two layers already give about 89°.
#
# **Where we differ from the paper, and why.** (i) The paper's sentence "θ₃ less than both θ₁ and θ₂
# only occurred for 85° < θ₁, θ₂ < 90°" is not true over its own sampling range 0-180°: for two
# angles above 90° (two anti-aligned factors), the product is *aligned* and θ₃ < min(θ₁, θ₂) almost
# always. In an FA network the angles W_ℓ∠B_ℓᵀ stay below 90°, so this quadrant is irrelevant in
# practice, which is presumably why the paper does not discuss it. (ii) We renormalize A after
# Gram-Schmidt (see above). (iii) The paper gives neither its sample sizes nor its t-test; we use
# Welch's two-sample test on independent draws of n = 1000 per angle (book profile), so the
# p-values depend on n: the shifts of the mean are at most a few tenths of a degree, against SDs of 1-3°.
# The ci profile uses far fewer samples and its numbers only check the pipeline.
