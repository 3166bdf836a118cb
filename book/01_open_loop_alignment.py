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
# # Persisting error and input: alignment without learning
#
# *Paper A, §2.1 and Supplementary Notes 2-3; Fig 1.*
#
# **Verdicts in this chapter** (computed at its end): {glue:text}`verdict_summary`.
#
# Feedback alignment {cite}`lillicrap2016random` sends the output error back through a fixed random
# matrix B instead of the transposed forward weights, and the forward weights turn towards B.
# Paper A {cite}`rahmansetayesh_fa_wn` argues that this alignment needs no learning at all: it is
# what the update rule does to *any* error and input with the right statistics. Its first case
# is the simplest possible: a two-layer **linear** network (row vectors, Z₁ = XW₀, Y = Z₁W₁)
# whose feedback loop is cut open, driven by a **constant** random error E and a constant
# input X. Then ΔW₀,FA = ηXᵀEB is the same at every iteration, so W₀[k] = W₀[0] + kηXᵀEB
# (eq. S6), and ΔW₁ = ηW₀[k]ᵀXᵀE grows linearly in k, so that
#
# $$W_1[k \gg 1] \simeq c_2\, B^T E^T X X^T E \qquad \text{(eq. 1, S10)}.$$
#
# W₁ aligns with Bᵀ exactly as far as the positive semidefinite matrix M = EᵀXXᵀE preserves
# the direction of Bᵀ (Supp. Note 3). The claims we check (Paper A, Fig 1):
#
# 1. **Eq. 1, S7, S10**: W₀'s direction converges to XᵀEB and W₁'s to BᵀEᵀXXᵀE.
# 2. **§2.1**: for i.i.d. N(0, 1) elements, E(EᵀXXᵀE) = n_b n_i I.
# 3. **Fig 1B,D**: n_o > n_i leaves at least n_o − n_i zero eigenvalues and less alignment
#    (cond. 2 vs 1 and 6).
# 4. **Fig 1B,D**: a larger batch n_b gives more alignment (cond. 2 vs 3).
# 5. **Fig 1B,D**: a larger n_h does not change the mean angle (t-test p > 0.5) but narrows the
#    histogram (cond. 2 vs 5).
# 6. **Fig 1C, eq. 2-3**: ΔW₀,FA and ΔW₀,BP align too.
# 7. **Supp. Note 3**: for independent random A, B (100×100, N(0, 1)), AB∠A = 90°
#    (SD ±0.82°, one-sample t-test p > 0.5, n = 1000).
# 8. **Supp. Note 3**: a positive semidefinite transformation never turns a vector by 90° or
#    more; the arrangement of its eigenvalues sets how far it turns it.
#
# **What we run.** Everything here is synthetic and cheap, so the **book profile** uses the
# paper's sizes: 10 000 draws per histogram (1000 for claim 7, the paper's n), and 30
# repetitions × 2000 iterations (η = 0.003, the paper's rate for the open-loop runs of Fig 3; it
# states none for Fig 1) for the
# simulated networks, all repetitions of a condition in one batched simulation
# (`fa_companion.openloop.simulate`). The **ci profile** runs the same code with fewer draws,
# repetitions and iterations: its numbers only check the pipeline.
#
# **The conditions.** The text of Paper A names six dimension conditions for Fig 1 and says which
# pairs differ in which dimension, but the sizes themselves are in the figure, which we do not
# have. We chose sizes that make each comparison change *one* dimension of condition 2:

# %%
# %matplotlib inline
import numpy as np
from scipy import stats

import fa_companion
from fa_companion.ledger import claims
from fa_companion.figures import plotting, plotting_theory
from fa_companion.theory.openloop import (
    OpenLoopConfig,
    Process,
    openloop_run_config,
    psd_direction_angles,
    random_product_angles,
    run_openloop,
    run_persistent,
)
from fa_companion.store.results import chapter_store

fa_companion.seed_everything(0)
plotting.use_house_style()

# %% tags=["parameters"]
profile = "book"  # ci | book | paper; the values below are the book profile's
n_draws: "int[1]" = 10_000  # draws per histogram (Fig 1)
n_draws_supp: "int[1]" = 1_000  # Supplementary Note 3 (the paper's n)
n_reps: "int[1]" = 30  # simulated networks per condition
iterations: "int[1]" = 2000
eta: "positive" = 0.003
device: "device" = "auto"

# %%
from fa_companion.params import apply_profile

apply_profile("01_open_loop_alignment", globals())  # values at the profile, unless given with -p

# %%
CONDITIONS = {  # our sizes; what each condition changes relative to condition 2
    1: (dict(n_i=100, n_h=100, n_o=50, n_b=100), "n_i = 100 > n_o"),
    2: (dict(n_i=20, n_h=100, n_o=50, n_b=100), "reference: n_o = 50 > n_i = 20"),
    3: (dict(n_i=20, n_h=100, n_o=50, n_b=400), "larger batch n_b = 400"),
    4: (dict(n_i=20, n_h=100, n_o=50, n_b=20), "smaller batch n_b = 20 < n_o"),
    5: (dict(n_i=20, n_h=400, n_o=50, n_b=100), "larger hidden layer n_h = 400"),
    6: (dict(n_i=20, n_h=100, n_o=10, n_b=100), "fewer outputs n_o = 10 < n_i"),
}
for c, (dims, what) in CONDITIONS.items():
    print(f"cond. {c}: " + ", ".join(f"{k}={v}" for k, v in dims.items()) + f"   ({what})")

store = chapter_store("01_open_loop_alignment", profile)
draws = {c: store.get_or_compute("persistent", {**dims, "n_draws": n_draws, "seed": 100 + c},
                                 lambda cfg: run_persistent(cfg, device=device))
         for c, (dims, _) in CONDITIONS.items()}


def sim_config(dims, seed):
    cfg = OpenLoopConfig(**dims, eta=eta, iterations=iterations, activation="linear",
                         error=Process("constant"), input=Process("constant"), track_asymptote=True)
    return openloop_run_config(cfg, reps=n_reps, seed=seed, final_window=1, ma=1,
                               keep=("angle_w1_bt", "angle_w1_bm", "angle_w0_xeb", "angle_dw0"))


sims = {c: store.get_or_compute("linear_constant", sim_config(dims, c),
                                lambda cfg: run_openloop(cfg, device=device))
        for c, (dims, _) in CONDITIONS.items()}

# %% tags=["nbval-ignore-output", "hide-input"]
wall = sum(r.provenance.get("wall_time_s") or 0 for r in [*draws.values(), *sims.values()])
p = sims[1].provenance
print(f"computed on {p.get('device')} in {wall:.1f} s (torch {p.get('torch')}, "
      f"commit {str(p.get('git_commit'))[:10]})")

# %% [markdown]
# ## Eq. 1, S7, S10: where W₀ and W₁ go
#
# Each condition simulates `n_reps` networks with W₀, W₁, B, E and X drawn i.i.d. N(0, 1), E and
# X held fixed. Left: W₁∠Bᵀ (mean ± SEM over networks) approaching its eq. S11 value. Right: the
# distance of W₀ from XᵀEB and of W₁ from BᵀEᵀXXᵀE (condition 1; log-log axes). Both should fall
# like 1/k: W₀[k] = W₀[0] + kηXᵀEB exactly, and W₁[k] = W₁[0] + kηW₀[0]ᵀXᵀE + η²k(k−1)/2·BᵀM.

# %% tags=["hide-input"]
x = sims[1].arrays["iteration"]
panels = [
    ("W₁∠Bᵀ", "angle (°)",
     {f"cond. {c}": (x, r.arrays["angle_w1_bt_mean"], r.arrays["angle_w1_bt_sem"]) for c, r in sims.items()}),
    ("distance from the asymptotes (eq. S7, S10)", "angle (°)",
     {**{f"W₀∠XᵀEB, cond. {c}": (x[1:], r.arrays["angle_w0_xeb_mean"][1:], r.arrays["angle_w0_xeb_sem"][1:])
         for c, r in list(sims.items())[:1]},
      **{f"W₁∠BᵀEᵀXXᵀE, cond. {c}": (x[1:], r.arrays["angle_w1_bm_mean"][1:], r.arrays["angle_w1_bm_sem"][1:])
         for c, r in list(sims.items())[:1]}}),
]
fig = plotting_theory.fig_trace_panels(panels, logy=[False, True], logx=[False, True])

# %%
w0_final = max(float(r.arrays["angle_w0_xeb_final"].max()) for r in sims.values())
w1_final = max(float(r.arrays["angle_w1_bm_final"].max()) for r in sims.values())


def loglog_slope(r, name):
    """Slope of log(angle) against log(k) over the last three quarters of the run (1/k: −1)."""
    k = r.arrays["iteration"]
    sel = k >= max(k[-1] // 4, 1)
    return float(np.polyfit(np.log(k[sel]), np.log(r.arrays[f"{name}_mean"][sel]), 1)[0])


slopes = [loglog_slope(r, n) for r in sims.values() for n in ("angle_w0_xeb", "angle_w1_bm")]
print(f"after {iterations} iterations, over all conditions and networks: "
      f"max W₀∠XᵀEB = {w0_final:.3f}°, max W₁∠BᵀEᵀXXᵀE = {w1_final:.3f}°")
print(f"log-log slopes of the mean distances (1/k decay: −1): {min(slopes):.3f} … {max(slopes):.3f}")
for c, r in sims.items():
    sim = r.arrays["angle_w1_bt_final"]
    print(f"cond. {c}: simulated final W₁∠Bᵀ = {sim.mean():5.2f} ± {stats.sem(sim):.2f}°   "
          f"eq. S11 over {n_draws} draws: {draws[c].summary['angle_mean']:5.2f} ± "
          f"{draws[c].summary['angle_sd']:.2f}° (SD)")

# %% [markdown]
# ## Fig 1B, D: histograms of W₁∠Bᵀ and the eigenvalues of EᵀXXᵀE
#
# With W₁ ∥ BᵀEᵀXXᵀE established, the final angle of each network is the eq. S11 angle of its
# own draw of B, E and X, so the histograms below use `n_draws` fresh draws per condition rather
# than simulated networks. The spectra (right of the histograms) are the eigenvalues of EᵀXXᵀE,
# largest first, divided by their mean (line: average over draws; band: 5th-95th percentile);
# a transformation with all eigenvalues equal (the dotted line at 1) would preserve Bᵀ exactly.

# %% tags=["hide-input"]
fig = plotting_theory.fig_angle_histograms(
    {"W₁[k≫1]∠Bᵀ = BᵀEᵀXXᵀE∠Bᵀ (eq. S11)": {f"cond. {c}: {CONDITIONS[c][1]}": r.arrays["angle"]
                                           for c, r in draws.items()}},
    xlabel="angle (°)", reference=None, ncols=1, panel_size=(7.0, 3.0), bins=120, legend="outside")

# %% tags=["hide-input"]
fig = plotting_theory.fig_eigen_arrangement(
    {f"cond. {c}": {"mean": r.arrays["eig_mean"], "lo": r.arrays["eig_q"][0], "hi": r.arrays["eig_q"][2]}
     for c, r in draws.items()}, title="eigenvalues of EᵀXXᵀE (Fig 1B, D)")

# %% tags=["hide-input"]
for c, r in draws.items():
    dims = CONDITIONS[c][0]
    print(f"cond. {c}: angle {r.summary['angle_mean']:6.2f} ± {r.summary['angle_sd']:.2f}° (mean ± SD)   "
          f"zero eigenvalues: at least {r.summary['zeros_min']:2d} "
          f"(n_o − min(n_i, n_b) = {max(dims['n_o'] - min(dims['n_i'], dims['n_b']), 0)})")

# %% [markdown]
# ### Claim 2: E(EᵀXXᵀE) = n_b n_i I
#
# The Monte Carlo mean of EᵀXXᵀE/(n_b n_i) over the draws of each condition, compared with the
# identity element by element (|z| = |mean − I| / standard error; with n_o² elements per
# condition, |z| up to about 4 is chance).

# %% tags=["hide-input"]
for c, r in draws.items():
    print(f"cond. {c}: max |mean − I| = {r.summary['m_max_abs_dev']:.3f}, max |z| = {r.summary['m_max_abs_z']:.2f}")

# %% [markdown]
# ### Claims 3-5: which dimensions matter
#
# Welch two-sample t-tests on the angles (two-sided); for the spread, Levene's test.

# %%
ang = {c: r.arrays["angle"].astype(float) for c, r in draws.items()}


def welch(a, b):
    return stats.ttest_ind(ang[a], ang[b], equal_var=False).pvalue


def fmt_p(p):
    """"= p" with two significant digits, or "< 1e-16" (smaller p-values underflow)."""
    return f"= {p:.2g}" if p >= 1e-16 else "< 1e-16"


p21, p26, p23, p24, p25 = (welch(2, c) for c in (1, 6, 3, 4, 5))
lev25 = stats.levene(ang[2], ang[5]).pvalue
sd2, sd5 = ang[2].std(ddof=1), ang[5].std(ddof=1)
print(f"n_o > n_i: cond. 2 {ang[2].mean():.2f}° vs cond. 1 {ang[1].mean():.2f}° (p {fmt_p(p21)}), "
      f"vs cond. 6 {ang[6].mean():.2f}° (p {fmt_p(p26)})")
print(f"n_b: cond. 3 (n_b = 400) {ang[3].mean():.2f}° vs cond. 2 (n_b = 100) {ang[2].mean():.2f}° (p {fmt_p(p23)}); "
      f"cond. 4 (n_b = 20) {ang[4].mean():.2f}° (p {fmt_p(p24)})")
print(f"n_h: cond. 5 (n_h = 400) {ang[5].mean():.3f}° vs cond. 2 (n_h = 100) {ang[2].mean():.3f}°: "
      f"Welch p {fmt_p(p25)}; SD {sd5:.3f}° vs {sd2:.3f}° (Levene p {fmt_p(lev25)})")

# %% [markdown]
# ## Fig 1C: the updates align too
#
# From the same simulations: the angle between the FA update of W₀ and the BP update at the same
# state, ΔW₀,FA∠ΔW₀,BP. Once W₁ ∥ BᵀM, ΔW₀,BP = ηXᵀEW₁ᵀ ∝ (XᵀEEᵀX)XᵀEB, a positive semidefinite
# transformation of ΔW₀,FA ∝ XᵀEB (eq. 2-3).

# %%
fig = plotting_theory.fig_trace_panels(
    [("ΔW₀,FA∠ΔW₀,BP (linear, constant E and X)", "angle (°)",
      {f"cond. {c}": (x[:-1], r.arrays["angle_dw0_mean"], r.arrays["angle_dw0_sem"]) for c, r in sims.items()})],
    ncols=1, panel_size=(5.5, 3.0))
dw0_start = {c: float(r.arrays["angle_dw0_mean"][0]) for c, r in sims.items()}
dw0_final = {c: float(r.summary["angle_dw0_final_mean"]) for c, r in sims.items()}
for c in sims:
    print(f"cond. {c}: ΔW₀,FA∠ΔW₀,BP {dw0_start[c]:5.1f}° at k = 0 → {dw0_final[c]:5.1f}° at the end")

# %% [markdown]
# ## Supplementary Note 3: why a positive semidefinite transformation aligns
#
# Left: AB∠A for independent random A, B ∈ R^{100×100} (no special structure: 90° on average).
# Right: the angle between a random vector v and Mv for a random positive semidefinite M = GᵀG
# (50×50, rank 50 and rank 10), a random symmetric but indefinite M, and a random non-symmetric M.

# %%
ab = store.get_or_compute("random_product", {"n": n_draws_supp, "size": 100, "seed": 7},
                          lambda cfg: {"arrays": {"angle": random_product_angles(cfg["n"], cfg["size"], seed=cfg["seed"], device=device)}})
psd_full = psd_direction_angles(n_draws_supp, dim=50, rank=50, seed=8, device=device)
psd_low = psd_direction_angles(n_draws_supp, dim=50, rank=10, seed=9, device=device)
fig = plotting_theory.fig_angle_histograms(
    {"AB∠A, A and B 100×100": {"": ab.arrays["angle"]},
     "v∠Mv, M 50×50": {"PSD, rank 50": psd_full["psd"], "PSD, rank 10": psd_low["psd"],
                              "symmetric indefinite": psd_full["indefinite"], "random": psd_full["random"]}},
    xlabel="angle (°)", ncols=2, share_x=False, panel_size=(3.6, 2.6), legend="outside")

# %%
a = ab.arrays["angle"].astype(float)
t_ab = stats.ttest_1samp(a, 90.0)
print(f"AB∠A: mean {a.mean():.3f}°, SD {a.std(ddof=1):.3f}° (paper: 90°, SD 0.82°), "
      f"one-sample t-test vs 90°: p {fmt_p(t_ab.pvalue)} (n = {a.size})")
for name, d in (("PSD rank 50", psd_full["psd"]), ("PSD rank 10", psd_low["psd"]),
                ("indefinite", psd_full["indefinite"]), ("random", psd_full["random"])):
    print(f"v∠Mv, {name:11s}: mean {d.mean():5.1f}°, max {d.max():6.1f}°, share ≥ 90°: {np.mean(d >= 90):.3f}")

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

Markdown(protocol_table("01_open_loop_alignment"))

# %% [markdown]
# ## Verdicts
#
# Computed from the results above (at the ci profile they reflect a small run). For the
# paper's "p > 0.5" statements we call a claim of *no difference* reproduced when our test is not
# significant at the 5% level: under the null hypothesis a p-value is uniform, so p > 0.5 itself
# happens half of the time and is not a property of the data.

# %%
sizes = {c: d for c, (d, _) in CONDITIONS.items()}
claims.report("01_open_loop_alignment", profile, [
    claims.evaluate("A-eq1-asymptotes", iteration=x,
                    w0_distance=[r.arrays["angle_w0_xeb_mean"] for r in sims.values()],
                    w1_distance=[r.arrays["angle_w1_bm_mean"] for r in sims.values()],
                    w0_final=w0_final, w1_final=w1_final, iterations=iterations),
    claims.evaluate("A-sec21-expected-m", max_abs_z=[r.summary["m_max_abs_z"] for r in draws.values()]),
    claims.evaluate("A-fig1bd-outputs-exceed-inputs", angles=ang,
                    zeros_min={c: r.summary["zeros_min"] for c, r in draws.items()},
                    n_o={c: d["n_o"] for c, d in sizes.items()}, n_i={c: d["n_i"] for c, d in sizes.items()}),
    claims.evaluate("A-fig1bd-batch-size", angles={sizes[c]["n_b"]: ang[c] for c in (4, 2, 3)}),
    claims.evaluate("A-fig1bd-hidden-width", narrow=ang[2], wide=ang[5]),
    claims.evaluate("A-fig1c-updates-align", start=dw0_start, final=dw0_final),
    claims.evaluate("A-suppnote3-random-product-90", angles=a),
    claims.evaluate("A-suppnote3-psd-below-90", psd_full_rank=psd_full["psd"], psd_low_rank=psd_low["psd"],
                    indefinite=psd_full["indefinite"]),
])

# %% [markdown]
# ## Discussion
#
# The open-loop linear case is exactly solvable, and the simulation confirms the closed form of
# Supplementary Note 2: the direction of W₁ becomes that of BᵀEᵀXXᵀE, so the final alignment is
# a property of the *transformation* M = EᵀXXᵀE alone. What sets it is the arrangement of M's
# eigenvalues: for n_b, n_h → ∞ the angle tends to arccos(mean λ / rms λ) of M's eigenvalues λ
# (a short calculation: ⟨Bᵀ, BᵀM⟩ ≈ n_h tr M and ‖BᵀM‖² ≈ n_h tr M²), so every zero
# eigenvalue (n_o > n_i, or n_b < n_o) and every spread of the non-zero ones costs alignment. The
# hidden width n_h enters only through the sampling of B, so it changes the spread of the
# histogram and, at most, the mean by a term of order 1/n_h. Whether that small bias shows up
# depends on the number of draws: with our 10 000 draws per condition the printed Welch test
# says whether it does.
#
# **Where we differ from the paper, and why.** The paper's Fig 1 sizes are not in its text; the
# six conditions above are ours, chosen so that each comparison changes one dimension, and
# condition 4 (n_b < n_o) is our own addition to the n_b comparison. The histograms use the
# eq. S11 angle of fresh draws, justified by the simulated convergence shown first, rather than
# 10 000 simulated networks. The 1/k convergence means "k ≫ 1" is already reached after a few
# hundred iterations at η = 0.003; the paper does not state its η or k for Fig 1.
