"""Paper A's protocol, read twice: the paper's text and the authors' code, beside this book.

Paper A (RahmanSetayesh, Ghazizadeh, Marvasti 2021) states its settings in Methods §4.1-4.9, in
§2.1-2.6 and in Supplementary Notes 1-4; the captions of Figs 1-8, S1 and S2 are not in the text
we have, so where a setting was only in a caption the text column says the text is silent. The
authors published their code as Colab notebooks (GitHub, :data:`AUTHORS_REPO`); the version of
this paper is commit ``bd9e3d4`` (2021-07-23). A cell reference such as "Figure4.ipynb cell 11"
is the 0-based index in the notebook's ``cells`` list, markdown cells counted;
``my_modules/*.ipynb`` are the helper notebooks the figures import.
``Figures6_7_S2.ipynb`` (Figs 6, 7, S2) is listed at that commit but its content is missing from
the public history, so for chapter 05 only the shared modules can be cited.

:data:`PROTOCOL` holds one table per Paper A chapter (01-06), as data: one :class:`ProtocolRow`
per setting that matters, with what the text says (and where), what the code does (notebook and
cell), and what this book does at its book profile (including the readings it runs beside the
text's: the authors' code in chapters 03 and 06, MNIST beside Fashion-MNIST in 05 and 06). :func:`protocol_table` renders a chapter's table as Markdown; rows whose text
and code differ are marked ≠. The code column describes what the published figures' code did,
without judging why.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTHORS_REPO",
    "AUTHORS_COMMIT",
    "NOTEBOOKS",
    "UNAVAILABLE_NOTEBOOK",
    "ProtocolRow",
    "PROTOCOL",
    "DIFFERS_MARK",
    "chapter_key",
    "differing",
    "markdown_table",
    "protocol_table",
]

AUTHORS_REPO = ("ARahmansetayesh/The-underlying-mechanisms-of-alignment-in-error-backpropagation-"
                "through-arbitrary-weights")
"""The authors' GitHub repository (owner/name)."""

AUTHORS_COMMIT = "bd9e3d4"
"""The authors' repository commit whose notebooks match the paper version this book reproduces."""

NOTEBOOKS = (
    "Figure1_2.ipynb",
    "Figure3.ipynb",
    "Figure4.ipynb",
    "Figure5.ipynb",
    "Figure8_S3.ipynb",
    "Figure_S1.ipynb",
    "my_modules/my_coding.ipynb",
    "my_modules/my_dataset.ipynb",
    "my_modules/my_model.ipynb",
    "my_modules/my_signal_processing.ipynb",
    "my_modules/my_weight.ipynb",
)
"""The notebooks readable at :data:`AUTHORS_COMMIT` that the tables cite."""

UNAVAILABLE_NOTEBOOK = "Figures6_7_S2.ipynb"
"""Listed at :data:`AUTHORS_COMMIT`, but its blob is missing from the public history."""

DIFFERS_MARK = "≠"
"""The marker of a row whose paper text and authors' code differ."""

_NA_67 = ("Figures6_7_S2.ipynb: notebook unavailable at bd9e3d4 (blob missing from the public "
          "history)")


@dataclass(frozen=True)
class ProtocolRow:
    """One setting of one chapter: what the paper's text says (with its section), what the
    authors' code does (notebook and cell at :data:`AUTHORS_COMMIT`), and what this book does.

    ``differs`` is True where the code contradicts the text (including a result the text reports
    that no cell computes, and a plotting cell that changes the data it plots); it is False where
    they agree, where the text is silent, or where the notebook is unavailable.
    """

    setting: str
    text: str
    code: str
    book: str
    differs: bool = False

    def __post_init__(self) -> None:
        for name in ("setting", "text", "code", "book"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"ProtocolRow.{name} must not be empty ({self.setting!r})")


R = ProtocolRow

# --------------------------------------------------------------------------------------------
# Chapter 01: Fig 1 (§2.1, Supplementary Notes 2-3)
# --------------------------------------------------------------------------------------------

_CH01 = (
    R("dimension conditions (n_i, n_h, n_o, n_b)",
      "§2.1 names the comparisons only (cond. 2 vs 1 and 6: n_o > n_i; 2 vs 3: n_b; 2 vs 5: n_h);"
      " the sizes were in the Fig 1 caption, absent from the text",
      "Figure1_2.ipynb cells 5-10 (labels cell 14): 1 (100, 100, 10, 100), 2 (100, 100, 100, 100),"
      " 3 (100, 100, 100, 500), 4 (900, 100, 100, 100), 5 (100, 10, 100, 100),"
      " 6 (10, 100, 100, 100)",
      "our sizes, each comparison changing one dimension of cond. 2: 1 (100, 100, 50, 100),"
      " 2 (20, 100, 50, 100), 3 n_b = 400, 4 n_b = 20 (our addition), 5 n_h = 400, 6 n_o = 10"),
    R("network and activation",
      "§2.1: two-layer linear network, constant E and X, feedback loop open",
      "Figure1_2.ipynb cells 5-12: linear closed forms are plotted; a ReLU variant (f'(0) = 1)"
      " is computed in cells 5-10 but not plotted",
      "linear closed forms for the histograms; a simulated linear open-loop network to show the"
      " convergence to them"),
    R("distributions of X, E, B",
      "§2.1: i.i.d. N(0, 1), E and X constant",
      "Figure1_2.ipynb cells 5-10: X, E, B ~ N(0, 1), all three redrawn for every sample;"
      " E and X constant within a sample",
      "X, E, B ~ N(0, 1), drawn afresh for every sample (and for every simulated network)"),
    R("samples per histogram",
      "§2.1: not stated for Fig 1",
      "Figure1_2.ipynb cells 5-10: sample_size = 10000 per condition",
      "10,000 draws per condition"),
    R("quantities (Fig 1B, C)",
      "§2.1 eq. 1-3: W₁[k≫1] ≃ c₂BᵀEᵀXXᵀE; ΔW₀,BP ≃ ηc₂XᵀEEᵀXXᵀEB vs ΔW₀,FA ≃ ηXᵀEB",
      "Figure1_2.ipynb cell 12: the closed forms Bᵀ∠BᵀEᵀXXᵀE and XᵀEB∠XᵀEEᵀXXᵀEB;"
      " no network is iterated",
      "histograms: the eq. S11 closed form Bᵀ∠BᵀEᵀXXᵀE; Fig 1C: ΔW₀,FA∠ΔW₀,BP from the"
      " simulated networks"),
    R("η, iterations, repetitions",
      "§2.1: not stated for Fig 1 (§4.3 gives η = 0.003 for Figs 3-4)",
      "Figure1_2.ipynb cells 5-12: none (closed forms only)",
      "simulation only: η = 0.003, 2000 iterations, 30 networks per condition"),
    R("eigenvalues (Fig 1D)",
      "§2.1, Supp. Note 3: the arrangement of the eigenvalues of EᵀXXᵀE sets the alignment",
      "Figure1_2.ipynb cell 4: one draw per condition of EᵀXXᵀE/(n_b n_i), np.linalg.eig,"
      " 30 bins",
      "the sorted eigenvalues of every draw divided by their mean: mean and 5th-95th percentile"),
    R("angle",
      "§4.5 eq. 33: arccos of the Frobenius cosine, degrees",
      "my_modules/my_weight.ipynb cell 0: eq. 33 (cosine clipped to [−1, 1])",
      "eq. 33"),
    R("histogram window",
      "§2.1: not stated",
      "Figure1_2.ipynb cell 12: plt.xlim(10, 95) on both angle histograms (axis crop)",
      "the full range of the angles"),
    R("statistics: n_h (cond. 2 vs 5)",
      "§2.1: no significant effect on the mean, t-test p > 0.5",
      "Figure1_2.ipynb: no cell computes a t-test (no scipy or stats import)",
      "Welch two-sample t-test on 10,000 angles per condition, Levene's test for the spread;"
      " 'no difference' when p ≥ 0.05",
      differs=True),
    R("statistics: AB∠A (Supp. Note 3)",
      "Supp. Note 3: A, B 100×100 N(0, 1): 90°, SD ±0.82°, one-sample t-test p > 0.5, n = 1000",
      "Figure1_2.ipynb: no cell computes AB∠A or its test",
      "1000 draws of 100×100 N(0, 1) A, B; one-sample t-test against 90°",
      differs=True),
)

# --------------------------------------------------------------------------------------------
# Chapter 02: Fig 2 and Fig 3 (§2.2, §4.3, §4.7)
# --------------------------------------------------------------------------------------------

_CH02 = (
    R("Fig 2 dimensions",
      "§4.3: n_i = n_h = 100, n_b = 20, n_o = 50",
      "Figure1_2.ipynb cell 17: N_input = N_hidden = 100, N_output = 50, N_batch = 20",
      "n_i = n_h = 100, n_b = 20, n_o = 50"),
    R("Fig 2 draws per condition",
      "§2.2: n = 10000",
      "Figure1_2.ipynb cell 17: sample_size = 10000",
      "10,000 draws per condition"),
    R("Fig 2 conditions 1-4, 6",
      "§2.2: 1 all i.i.d. N(0, 1); 2 E[1] = E[0]; 3 E, X ~ N(0.5, 1); 4 as 3 with another"
      " distribution of B; 6 an all-ones transformation",
      "Figure1_2.ipynb cells 18-24, 28: 1 all i.i.d. N(0, 1); 2 E2 = E1; 3 randn + 0.5;"
      " 4 B ~ N(0.5, 1);"
      " 6 E = X = all ones, B ~ N(0, 1)",
      "1 all i.i.d. N(0, 1); 2 E[1] = E[0]; 3 E, X ~ N(0.5, 1); 4 B ~ N(0.5, 1); 6 M¹"
      " replaced by the all-ones matrix J"),
    R("Fig 2 condition 5",
      "not described in the surviving text",
      "Figure1_2.ipynb cell 26 (legend cell 38): E, X ~ U(0, 1) (torch.rand), B ~ N(0, 1)",
      "our own condition: E[1] = E[0] and X[1] = X[0] (the persistent case of §2.1)"),
    R("Fig 2D random masks",
      "§2.2: an independent random 0/1 matrix (p = 0.5) for each element-wise product of eq. 5",
      "Figure1_2.ipynb cells 18-28: masks (Z ≥ 0), Z ~ N(0, 1); the same mask Z1_2 for both"
      " hidden-layer f' factors; δ = E ⊙ f'(Z2) with an output mask",
      "two independent masks for the hidden-layer products; δ₂ = E (no output mask)",
      differs=True),
    R("Fig 2 quantities",
      "§2.2 eq. 27-31: M¹ = E[0]ᵀX[0]X[1]ᵀE[1]; Bᵀ∠BᵀM¹, its symmetric and skew parts,"
      " ‖BᵀM_skew‖/‖BᵀM_sym‖",
      "Figure1_2.ipynb cells 18-28: M = E1ᵀX_1X_2ᵀE2; Bᵀ∠BᵀM, Bᵀ∠BᵀM_sym, Bᵀ∠BᵀM_skew,"
      " ‖BᵀM_skew‖/‖BᵀM_sym‖",
      "Bᵀ∠BᵀM¹, Bᵀ∠BᵀM¹_sym, Bᵀ∠BᵀM¹_skew, ‖BᵀM¹_skew‖/‖BᵀM¹_sym‖, plus the mean of M¹ in"
      " cond. 3 against"
      " 0.0625 n_i n_b² J"),
    R("Fig 2E eigenvalues",
      "§2.2: eigenvalues of M_sym",
      "Figure1_2.ipynb cells 35-36: one draw per condition of M/(n_b n_i)",
      "the sorted eigenvalues of M¹_sym, mean over all draws, divided by the largest"),
    R("Fig 2 plot windows",
      "§2.2: not stated",
      "Figure1_2.ipynb cells 32-33: plt.xlim(59, 101) on the angle histograms (axis crop);"
      " cond. 6 left out of the M_sym and ratio plots (cells 31-32)",
      "the full range; conds 5 and 6 left out of the ratio plot"),
    R("Fig 2 statistics",
      "§2.2: conds 1 and 2 one-sample t-test p > 0.5, n = 10000",
      "Figure1_2.ipynb: no cell computes a t-test",
      "one-sample t-test against 90° on 10,000 angles; 'no alignment' when p ≥ 0.05",
      differs=True),
    R("{f'(Z) ⊙ B}∠B",
      "§2.2: 45°, SD ±0.66°, one-sample t-test p > 0.5, n = 1000 (Z, B 100×100 N(0, 1))",
      "Figure1_2.ipynb: no cell computes it",
      "1000 draws of 100×100 Z, B ~ N(0, 1), ReLU with f'(0) = 1; one-sample t-test against 45°",
      differs=True),
    R("Fig 3 architecture",
      "§4.3: n_i = n_h = n_b = 100, n_o = 10; no bias (§4.1)",
      "Figure3.ipynb cell 1: N_input = N_hidden = N_batch = 100, N_output = 10; no bias",
      "n_i = n_h = n_b = 100, n_o = 10; no bias"),
    R("Fig 3 activation",
      "§4.3: ReLU, f'(0) = 1",
      "Figure3.ipynb cells 3, 9: ReLU, f' = (x ≥ 0), so f'(0) = 1",
      "ReLU at the hidden and output layers, f'(0) = 1"),
    R("Fig 3 initial scales",
      "§4.3: W₀, W₁, B ~ N(0, 1)",
      "Figure3.ipynb cells 3-9: W0, W1, B, X ~ N(0, 1), drawn per repetition",
      "W₀, W₁, B, E, X ~ N(0, 1) (N(0.5, 1) for E, X in case 4), drawn per repetition"),
    R("Fig 3 η",
      "§4.3: η = 0.003",
      "Figure3.ipynb cell 1: lr = 0.002",
      "η = 0.003",
      differs=True),
    R("Fig 3 iterations, repetitions",
      "§4.7: 30 repetitions; iterations not stated",
      "Figure3.ipynb cell 1: N_epoch = 2000 iterations, N_repeat = 30",
      "2000 iterations, 30 repetitions (one batched simulation per case)"),
    R("Fig 3 error and input processes",
      "§2.2: case 1 E, X fixed; 2 E redrawn every iteration; 3 every two iterations;"
      " 4 E, X ~ N(0.5, 1) redrawn every iteration",
      "Figure3.ipynb cells 7, 3, 5, 9 (cases 1-4); in cell 9 the pair drawn before the loop is"
      " overwritten, so the first pair used is the second drawn",
      "the four cases; the first E (and X) used is the first drawn"),
    R("output error δ₂",
      "eq. 5, 17: δ₂ = E ⊙ f'(Z₂), E imposed",
      "Figure3.ipynb cells 3-9: delta2 = E ⊙ f'(Z2)",
      "as written, δ₂ = E ⊙ f'(Z₂); a second run with δ₂ = E for case 2's update angle"),
    R("BP reference ΔW₀,BP",
      "eq. 16: δ₁,BP = δ₂W₁[k]ᵀ ⊙ f'(Z₁), W₁ before its update",
      "Figure3.ipynb cells 3-9: W0 and W1 are updated first, then delta1_bp uses the updated W1;"
      " W₁∠Bᵀ and the update angle are recorded after the update",
      "ΔW₀,BP from the same state as ΔW₀,FA (W₁[k], before the update)",
      differs=True),
    R("angles and smoothing",
      "§4.5 eq. 33; §4.7: ΔW traces passed through a moving average of length 60",
      "my_modules/my_weight.ipynb cell 0 (eq. 33); Figure3.ipynb cell 14: trailing moving average"
      " of 60 (my_modules/my_signal_processing.ipynb cell 2) of the mean over repetitions,"
      " band unsmoothed",
      "eq. 33; centred moving average of 60 in each repetition, then mean ± SEM"),
    R("Fig 3A band",
      "§4.7: shaded areas are ±SEM",
      "Figure3.ipynb cell 13: the 'every 2 iterations' band is x.std(dim=0), the SD over the 30"
      " repetitions; the other traces use SD/√n",
      "±SEM for every trace",
      differs=True),
    R("repetitions with NaN",
      "not discussed",
      "Figure3.ipynb cells 13-14: repetitions with a NaN are dropped from the mean; the SEM still"
      " divides by √30",
      "a repetition whose outputs all died has no update angle: dropped from the ΔW₀ averages"
      " and counted"),
    R("Fig 3 final value and test",
      "§2.2: traces only ('alignment happened', 'no alignment is expected')",
      "Figure3.ipynb: traces only, no test",
      "final = mean of the last 200 iterations of each repetition; one-sample t-test against 90°"
      " over repetitions"),
)

# --------------------------------------------------------------------------------------------
# Chapter 03: Fig 4 and Fig S1 (§2.3, §4.3-4.7, Supplementary Note 1)
# --------------------------------------------------------------------------------------------

_PLANNED_03 = "authors'-code reading: "

_CH03 = (
    R("architecture and activation",
      "§4.3, Supp. Note 1: n_i = n_h = n_b = 100, n_o = 10, ReLU with f'(0) = 1, no bias",
      "Figure4.ipynb cells 3-9, Figure_S1.ipynb cells 4-12: 100-100-10, N_batch = 100, ReLU"
      " with f' = (x ≥ 0), so f'(0) = 1; no bias",
      "n_i = n_h = n_b = 100, n_o = 10, ReLU with f'(0) = 1 (hidden and output), no bias"),
    R("initial scales",
      "§4.3, Supp. Note 1: W₀, W₁, B (and X, E) ~ N(0, 1)",
      "Figure4.ipynb cells 3-9, Figure_S1.ipynb cells 4-12: W0, W1, B, X, E ~ N(0, 1)",
      "W₀, W₁, B, X, E ~ N(0, 1), drawn per repetition"),
    R("η and iterations, Fig 4A-B (β sweep)",
      "§4.3: η = 0.003; iterations not stated",
      "Figure4.ipynb cells 3, 5: lr = 0.001, N_epoch = 4000",
      "η = 0.003, 4000 iterations; " + _PLANNED_03 + "η = 0.001, 4000 iterations",
      differs=True),
    R("η and iterations, Fig 4C-D (β_X sweep)",
      "§4.3: η = 0.003; iterations not stated",
      "Figure4.ipynb cells 7, 9: lr = 0.002, N_epoch = 7000",
      "η = 0.003, 4000 iterations; " + _PLANNED_03 + "η = 0.002, 7000 iterations",
      differs=True),
    R("η and iterations, Fig S1",
      "Supp. Note 1: η = 0.003; iterations not stated",
      "Figure_S1.ipynb cells 4-12: lr = 0.002, N_epoch = 1500",
      "η = 0.003, 2000 iterations; " + _PLANNED_03 + "η = 0.002, 1500 iterations",
      differs=True),
    R("repetitions",
      "§4.7: 30 (Figs 3-4); Fig S1 not stated",
      "Figure4.ipynb cells 3-9: Repetition = 30; Figure_S1.ipynb cells 4-12: one unseeded run"
      " per case",
      "30 repetitions for Fig 4 and for every Fig S1 case"),
    R("β and β_X values",
      "§2.3: β from 0 to 1 with β_X = 1; β_X from 0 to 1 with β = 0.8",
      "Figure4.ipynb cells 3-9: [0, 0.2, 0.4, 0.6, 0.8, 1]; beta = 0.8 in cells 7, 9",
      "β, β_X ∈ {0, 0.2, 0.4, 0.6, 0.8, 1}; β = 0.8 in the β_X sweep"),
    R("AR(1) processes",
      "eq. 6-7: E[k] = βE[k−1] + (1−β)N[k−1], the same for X; E[0], X[0], N ~ N(0, 1)",
      "Figure4.ipynb cells 3-9: E = E·β + randn·(1−β) before use, so the first E used is E[1]"
      " (X likewise in cells 7, 9)",
      "E[k] = βE[k−1] + (1−β)N[k−1] (and X with β_X); the first E used is E[0]"),
    R("WN targets and timing",
      "§2.3, §4.4 eq. 32: every column of every W (the input weights of one neuron) rescaled to"
      " γ = 1 at each iteration",
      "Figure4.ipynb cells 5, 9: W0, W1 at initialization and after every update;"
      " Figure_S1.ipynb cells 8, 10, 12: at initialization, then only for i > 3",
      "W₀ and W₁ at initialization and after every update, in every figure",
      differs=True),
    R("B normalization under WN",
      "§4.4: every column of B normalized to γ at the beginning",
      "Figure4.ipynb cells 5, 9 and Figure_S1.ipynb cells 8, 10, 12: B left as drawn"
      " (column norms about √10)",
      "B's columns normalized to γ at initialization; " + _PLANNED_03 + "B left as drawn",
      differs=True),
    R("order of operations, BP reference",
      "eq. 16: ΔW₀,BP from W₁[k], before its update",
      "Figure4.ipynb cell 5: update, normalize, then delta1_bp from the normalized W1; cells 3,"
      " 7, 9: delta1_bp from the updated W1 (cell 9: before normalizing);"
      " Figure_S1.ipynb cells 4-12: updated W1, W₁∠Bᵀ recorded before that iteration's"
      " normalization",
      "ΔW₀,BP from the same state as ΔW₀,FA (before the update); " + _PLANNED_03
      + "after the W₁ update",
      differs=True),
    R("output error δ₂",
      "eq. 5, 17: δ₂ = E ⊙ f'(Z₂)",
      "Figure4.ipynb cells 3-9, Figure_S1.ipynb cells 4-12: delta2 = E ⊙ f'(Z2)",
      "two readings, the same random numbers: as written (δ₂ = E ⊙ f'(Z₂)) and δ₂ = E"),
    R("angles measured",
      "§4.5 eq. 33: W₁∠Bᵀ and ΔW₀,FA∠ΔW₀,BP",
      "my_modules/my_weight.ipynb cell 0 (eq. 33), called from Figure4.ipynb cells 3-9",
      "eq. 33; final value of a repetition = mean of its last 200 iterations"),
    R("Fig 4A-D smoothing and bands",
      "§4.7: ΔW traces through a moving average of 60; ±SEM; 30 repetitions",
      "Figure4.ipynb cells 11, 13: trailing moving average of 60 on the mean over repetitions,"
      " band SD/√30 unsmoothed; repetitions with NaN dropped; W₁∠Bᵀ unsmoothed",
      "centred moving average of 60 in each repetition, then mean ± SEM"),
    R("Fig 4B plotting cell",
      "§4.7: the traces are moving averages of the computed angles",
      "Figure4.ipynb cell 11: the plotting cell subtracts 0.003° per iteration (iii·0.003: 0° at"
      " k = 0, 12° at k = 3999) from the β = 0 + WN ΔW₀,FA∠ΔW₀,BP trace; cell 13 (Fig 4C-D) adds"
      " no offset",
      "every trace plotted as computed, no offset",
      differs=True),
    R("Fig 4E autocorrelation",
      "§4.6 eq. 34: ACF(τ) averaged over all N − |τ| products",
      "Figure4.ipynb cell 16: a scalar AR(1) of 80000 steps started at e = 0, the β = 1 constant"
      " set to 0.7; the average of the first 5000 products only; no mean subtraction",
      "eq. 34 over the elements of E (4000 steps, the first 100 dropped), divided by ACF(0),"
      " beside β^|τ|",
      differs=True),
    R("Fig S1 cases",
      "Supp. Note 1: E redrawn every 2 (case 1), 3 (2), 3 + WN γ = 1 (3), 2 + WN γ = 1 (4),"
      " 2 + WN γ = 0.7 (5); X constant",
      "Figure_S1.ipynb cells 4, 6, 8, 10, 12: cases 1-5: i % 2, i % 3, i % 3 + WN 1,"
      " i % 2 + WN 1, i % 2 + WN 0.7",
      "cases 1-5: E redrawn every 2, 3, 3 + WN γ = 1, 2 + WN γ = 1, 2 + WN γ = 0.7;"
      " X constant"),
    R("Fig S1 alignment terms",
      "eq. 21-22, 25: T¹_aln, T¹_sup and their running sums",
      "Figure_S1.ipynb cells 4-12: from the stored W0[k−1], δ2[k−1], Z1[k−1]; sums from"
      " iteration 4; cells 6 and 8 prepend a 90 to each T list",
      "eq. 21-22 at every k ≥ 1; sums from k = 1"),
    R("Fig S1 'ΔW₁∠Bᵀ' dots",
      "Supp. Note 1: ΔW₁ provides considerable alignment (case 3), slightly more (case 5)",
      "Figure_S1.ipynb cells 4, 10 (cases 1, 4): angle(dw1, Bᵀ); cells 6, 8, 12 (cases 2, 3, 5):"
      " the green dots labelled ΔW₁∠Bᵀ are (T¹_aln + T¹_sup)∠Bᵀ",
      "ΔW₁∠Bᵀ itself (moving average of 60) in every case; ‖ΔW₁ − T¹_aln − T¹_sup‖/‖ΔW₁‖"
      " recorded",
      differs=True),
    R("statistics",
      "§2.3: β and β_X 'had a significant effect'; no test named",
      "Figure4.ipynb, Figure_S1.ipynb: no cell computes a test",
      "one-way ANOVA and Spearman ρ over β (β_X); Welch t-test WN vs no WN; one-sample t-tests"
      " against 90° over repetitions",
      differs=True),
)

# --------------------------------------------------------------------------------------------
# Chapter 04: Fig 5 (§2.4, §4.8)
# --------------------------------------------------------------------------------------------

_CH04 = (
    R("matrix sizes",
      "§2.4: B₂ ∈ R^{30×15}, B₁ ∈ R^{15×40}",
      "Figure5.ipynb cells 6, 12: size1 = 30, size2 = 15, size3 = 40",
      "B₂ 30×15, B₁ 15×40"),
    R("drawing (θ₁, θ₂)",
      "§4.8: B unit; A unit, Gram-Schmidt against B; Wᵀ = r₁A + r₂B normalized, r ~ N(0, 1):"
      " θ ~ U(0°, 180°)",
      "Figure5.ipynb cell 3: that generator (heat map); cell 4: the same with r₂ = |r₂|,"
      " θ ~ U(0°, 90°), used for the histograms",
      "§4.8 with A renormalized after Gram-Schmidt; fixed angles as W = cos θ B + sin θ A"),
    R("samples",
      "§2.4, §4.8: not stated",
      "Figure5.ipynb cell 6: heat map N_iter = 500000; cell 12: histograms N = 1000000",
      "40,000 linear + 40,000 masked uniform draws; 1000 per fixed angle pair (71 diagonal,"
      " 57 special)"),
    R("nonlinear version (eq. 12)",
      "§2.4 eq. 12: ReLU masks f'(Z₂), Z₂ 30×15 and f'(Z₁), Z₁ 30×40, on both products",
      "Figure5.ipynb cells 6, 12: masks (randn ≥ 0), the same masks on both products"
      " (the labels Z1, Z2 swapped)",
      "masks (Z ≥ 0), f'(0) = 1, the same on both products; drawn independently of the linear"
      " samples"),
    R("heat map (Fig 5B)",
      "§2.4: θ₃ over the (θ₁, θ₂) plane",
      "Figure5.ipynb cell 6: mean and variance of θ₃ in 5° bins; plots cells 9-10",
      "mean θ₃ in 5° bins, with our first-order prediction cos θ₃ ≈ cos θ₁ cos θ₂"),
    R("Fig 5A red histogram",
      "§2.4: θ₃ < min(θ₁, θ₂) 'only occurred in the case of 85° < θ₁, θ₂ < 90°'",
      "Figure5.ipynb cells 12, 19: the red histogram is 80° < θ₁, θ₂ < 90°",
      "diagonal θ₁ = θ₂ = θ fixed, red θ = 87.5°; the fraction with θ₃ < θ along the diagonal",
      differs=True),
    R("plotting-cell shifts",
      "§2.4: histograms of θ₃",
      "Figure5.ipynb cell 15: the θ > 85° trace is plotted at xx + 0.05; cell 17: the θ < 5°"
      " trace at xx − 0.5; cells 15-16 crop the x axis",
      "histograms plotted as computed",
      differs=True),
    R("angle",
      "§4.5 eq. 33",
      "my_modules/my_weight.ipynb cell 0 (eq. 33)",
      "eq. 33 in float64"),
    R("statistics",
      "§2.4: masks change the variance, not the mean (t-test, p > 0.1)",
      "Figure5.ipynb: no cell computes a test (cell 12 prints progress counters only)",
      "Welch two-sample t-test on independent linear and masked draws, per diagonal angle and"
      " for the uniform populations",
      differs=True),
)

# --------------------------------------------------------------------------------------------
# Chapter 05: Figs 6-7 (§2.5, §4.1, §4.3-4.7, §4.9)
# --------------------------------------------------------------------------------------------

_MNIST_PLANNED = ("also MNIST as mnist_t10k (MNIST's official test set split"
                  " 8,000/2,000, stratified, seed 0; 15×15 by the cv2-style resize), with the same"
                  " number of SGD iterations")

_CH05 = (
    R("data",
      "§2.5, §4.3: MNIST; the training set in 60 mini-batches",
      _NA_67 + "; my_modules/my_dataset.ipynb cell 1: torchvision MNIST, 60,000/10,000",
      "Fashion-MNIST 60,000/10,000; " + _MNIST_PLANNED),
    R("preprocessing",
      "§4.3: resized to 15×15, vectorized to 225, pixels divided by 255",
      _NA_67 + "; my_modules/my_dataset.ipynb cell 1: ÷255, then cv2.resize(img, (15, 15))"
      " (INTER_LINEAR: bilinear, no antialiasing); the torchvision Resize is never applied;"
      " no standardization",
      "Fashion-MNIST: bilinear with antialiasing, ÷255, no standardization; MNIST:"
      " bilinear at half-pixel centres without antialiasing (as cv2.resize) on the uint8 image,"
      " then ÷255"),
    R("mini-batch order",
      "§2.5: 60 mini-batches; shuffling not stated",
      _NA_67 + "; my_modules/my_dataset.ipynb cell 1: DataLoader(shuffle=False): the same order"
      " every epoch",
      "batches of 1000 in a fixed order, never shuffled"),
    R("architecture",
      "§2.5, §4.3: five layers, 225 inputs, width 50 (100 in Fig 6E-F); no bias (§4.1)",
      _NA_67 + "; my_modules/my_model.ipynb cell 2: bias=False gives a zero bias",
      "225-50-50-50-50-50, no biases; width 100 with 10-hot codes"),
    R("activation, f'(0)",
      "§4.3: f = tanh(ReLU); f'(0) not stated",
      _NA_67 + "; my_modules/my_model.ipynb cell 2: tanh(relu(z)), f' = (z > 0)·sech²(z),"
      " so f'(0) = 0",
      "tanh∘ReLU on every layer including the output, f'(0) = 0"),
    R("initial scales",
      "§4.3: W and B ~ N(0, 0.1)",
      _NA_67 + "; my_modules/my_model.ipynb cell 2: randn·0.1, i.e. std 0.1",
      "W and B ~ N(0, 0.1²) (std 0.1); network i starts from the same W, B in every condition"),
    R("η",
      "§4.3: η = 0.005 (Supp. Note 4: η > 0.0005 may not converge)",
      _NA_67,
      "η = 5e-4; η = 0.005 run for 10 epochs beside it (it stops at chance)"),
    R("error and loss",
      "§4.1: E = Y* − Y, loss ½ΣᵢΣⱼE²ᵢⱼ summed over the batch",
      _NA_67 + "; my_modules/my_model.ipynb cell 2: δ and ΔW summed over the batch",
      "E = Y* − Y, summed loss"),
    R("codes",
      "§4.9: mutually exclusive 5-hot (width 50) or 10-hot (width 100) codes",
      _NA_67 + "; my_modules/my_coding.ipynb cell 2 (codes), cell 4 (decoding: argmax of"
      " activity·codeᵀ)",
      "mutually exclusive n-hot codes per network seed; decoded by argmax of output·codeᵀ"),
    R("epochs and repetitions",
      "§4.7: 10 repetitions; epochs not in the surviving text",
      _NA_67,
      "5 networks per condition, 50 epochs (3000 iterations)"),
    R("WN (neuron-wise)",
      "§2.5, §4.4 eq. 32: γ = 1 at each iteration; B's columns normalized at the beginning",
      _NA_67 + "; my_modules/my_model.ipynb cell 2 provides column_normalize_W and"
      " column_normalize_B",
      "W projected at initialization and after every step; B's columns normalized to γ once"),
    R("layer-wise norm, B-norm matching",
      "§2.5: W_ℓ ← γ_ℓW_ℓ/‖W_ℓ‖, γ_ℓ = 7.07; B_ℓ ← B_ℓ‖W_ℓ‖/‖B_ℓ‖ each iteration",
      _NA_67 + "; my_modules/my_model.ipynb cell 2 provides normalize_W and"
      " match_B_norm_to_W_norm",
      "layer-wise W_ℓ ← γ_ℓW_ℓ/‖W_ℓ‖ with γ_ℓ = 7.07 and B_ℓ ← B_ℓ‖W_ℓ‖/‖B_ℓ‖, each after"
      " every step"),
    R("BP reference",
      "§4.1: ΔW_BP computed at each iteration for comparison only",
      _NA_67,
      "ΔW_ℓ,BP from the same forward pass and state as ΔW_ℓ,FA, before the update"),
    R("angles and smoothing",
      "§4.5 eq. 33; §4.7: moving average of 60 on ΔW traces, ±SEM of 10 repetitions",
      _NA_67 + "; my_modules/my_signal_processing.ipynb cell 2: trailing moving average of 60",
      "eq. 33 at every iteration for the first 300, then every 10; trailing average over 60"
      " iterations; ±SEM over networks"),
    R("test accuracy",
      "§2.5: test error (Fig 6H)",
      _NA_67,
      "full test set at initialization and after every epoch"),
    R("autocorrelograms (Fig 7A-B)",
      "§4.6 eq. 34: average over all N − |τ| products",
      _NA_67 + "; my_modules/my_signal_processing.ipynb cell 1: no mean subtraction; with"
      " N_sample, only the first N_sample products",
      "eq. 34 over all products, no mean subtraction, ÷ACF(0); 4 random elements per layer,"
      " lags ≤ 200"),
    R("alignment terms (Fig 7C-D)",
      "§2.5: T¹, T⁶⁰ and T¹_sup (eq. 21-22); the layer plotted not stated",
      _NA_67,
      "T¹, T^P (P = mini-batches per epoch) and T¹_sup for ℓ = 1 … 4 at the record points"),
    R("statistics",
      "§2.5: traces, no tests",
      _NA_67,
      "each network's second-half mean angle; rank-sum tests across networks"),
)

# --------------------------------------------------------------------------------------------
# Chapter 06: Fig 8, Figs S2-S3 (§2.6, §4.3, §4.9, Supplementary Note 4)
# --------------------------------------------------------------------------------------------

_CH06 = (
    R("data and preprocessing",
      "§2.6, §4.3: MNIST, 15×15, ÷255",
      "Figure8_S3.ipynb cells 4, 6 via my_modules/my_dataset.ipynb cell 1: 60,000/10,000, ÷255"
      " then cv2.resize (bilinear, no antialiasing), no standardization",
      "Fashion-MNIST 60,000/10,000, bilinear with antialiasing, ÷255; " + _MNIST_PLANNED),
    R("mini-batches",
      "§2.5: 60 mini-batches; shuffling not stated",
      "Figure8_S3.ipynb cells 4, 6: batch_size = 1000; my_modules/my_dataset.ipynb cell 1:"
      " shuffle=False",
      "batches of 1000 in a fixed order"),
    R("architecture",
      "§2.6, §4.3: five layers, width 50; no bias (§4.1)",
      "Figure8_S3.ipynb cell 6: [225, 50, 50, 50, 50, 50]; bias=False in the runs (cells 8-11)",
      "225-50-50-50-50-50, no biases"),
    R("activation, f'(0)",
      "§4.3: f = tanh(ReLU); f'(0) not stated",
      "my_modules/my_model.ipynb cell 2: f' = (z > 0)·sech²(z), f'(0) = 0",
      "tanh∘ReLU, f'(0) = 0"),
    R("initial scales",
      "§4.3: W and B ~ N(0, 0.1)",
      "Figure8_S3.ipynb cell 6 via my_modules/my_model.ipynb cell 2: std 0.1",
      "std 0.1"),
    R("η",
      "§4.3: η = 0.003 for Fig 8; Supp. Note 4: η > 0.0005 may not converge",
      "Figure8_S3.ipynb cells 8-11: lr = 0.0003",
      "η = 3e-4",
      differs=True),
    R("WN",
      "§2.6, §4.3 eq. 32: γ = 0.6 at each iteration",
      "Figure8_S3.ipynb cell 6: column_normalize_W(0.6) at initialization and after every"
      " step_W, all five W",
      "γ = 0.6, W projected at initialization and after every step"),
    R("B normalization under WN",
      "§4.4: B's columns normalized to γ at the beginning",
      "Figure8_S3.ipynb cell 6: B never normalized",
      "B's columns normalized to γ at initialization; authors'-code reading: B left"
      " as drawn",
      differs=True),
    R("error and loss",
      "§4.1: E = Y* − Y, ½ΣE² summed",
      "Figure8_S3.ipynb cell 6: E = y_n − L_f with 0/1 5-hot targets, summed over 1000 samples",
      "E = Y* − Y, summed"),
    R("phases",
      "§2.6, §4.9: 100 epochs, new codes at epoch 100, 100 more epochs",
      "Figure8_S3.ipynb cell 6: 100 epochs, new 5-hot codes, 100 more epochs; a new random"
      " code per repetition and phase",
      "100 + 100 epochs; new codes from each network's seed at epoch 100"),
    R("repetitions",
      "§4.7: 10",
      "Figure8_S3.ipynb cells 8-11: N_repeat = 10",
      "5 networks per condition"),
    R("test accuracy timing",
      "Fig S3 caption: final test accuracy at epoch 200",
      "Figure8_S3.ipynb cell 6: measured at the start of each epoch, before its training; the"
      " state after epoch 200 is not measured",
      "at initialization and after every epoch (point 200 follows the last epoch)",
      differs=True),
    R("Fig 8A band",
      "§4.7: shaded areas are ±SEM",
      "Figure8_S3.ipynb cell 13: x.std/√10 + 0.7 for all four traces",
      "±SEM (SD/√n)",
      differs=True),
    R("Fig 8B histogram",
      "§2.6: internal state Z₅ of the last layer at epoch 100",
      "Figure8_S3.ipynb cell 14: list_Z_99 loaded from directories named '(NoIBN)', which the"
      " function of cell 6 does not write; repetition 0, its last training mini-batch",
      "Z₅ of 100 test images of every network at the switch, from the Fig 8A runs",
      differs=True),
    R("Fig S2",
      "§2.5: alignment and test error over γ",
      _NA_67,
      "read from the first phase of the Fig S3 runs: test accuracy and mean ΔW angle"),
    R("Fig S3 grid",
      "Supp. Note 4: η = 0.0005 and 0.0003, different γ, with and without label smoothing",
      "Figure8_S3.ipynb cells 16-24: γ ∈ {none, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5} × η × LS, FA"
      " (cells 16-19) and BP (cells 21-24), 10 repetitions; no saved output, cell 27 loads"
      " results from disk",
      "FA only, the same γ and η grid, LS on and off; 5 networks, 10 + 10 epochs"),
    R("label smoothing",
      "Supp. Note 4: ones → 0.95, zeros → 0.05",
      "Figure8_S3.ipynb cell 6: y·0.95 + 0.05, so ones → 1.0 and zeros → 0.05",
      "ones → 0.95, zeros → 0.05",
      differs=True),
    R("Fig S3 statistic",
      "Fig S3 caption: final test accuracy at epoch 200, median and min/max (n = 10)",
      "Figure8_S3.ipynb cell 27: per repetition the mean of the last 10 start-of-epoch"
      " accuracies; median, min, max over 10",
      "test accuracy after the last epoch; median and min-max over 5 networks",
      differs=True),
    R("statistics",
      "§2.6: traces, no tests",
      "Figure8_S3.ipynb: no cell computes a test",
      "rank-sum tests between conditions across networks; 'recovers' = phase-2 accuracy within"
      " one point of phase 1"),
)

PROTOCOL: dict[str, tuple[ProtocolRow, ...]] = {
    "01_open_loop_alignment": _CH01,
    "02_alignment_terms": _CH02,
    "03_autocorrelation_and_wn": _CH03,
    "04_angle_composition": _CH04,
    "05_deep_fa_with_wn": _CH05,
    "06_flexibility": _CH06,
}
"""Paper A's protocol per chapter stem (chapters 01-06): one :class:`ProtocolRow` per setting."""

del R


def chapter_key(chapter: str) -> str:
    """The :data:`PROTOCOL` key for ``chapter``: a chapter stem, a file name
    (``"03_autocorrelation_and_wn.py"``) or its number (``"03"``)."""
    stem = chapter.rsplit("/", 1)[-1].removesuffix(".py").removesuffix(".ipynb")
    if stem in PROTOCOL:
        return stem
    matches = [k for k in PROTOCOL if k.split("_", 1)[0] == stem.split("_", 1)[0]]
    if len(matches) == 1:
        return matches[0]
    raise KeyError(f"no protocol table for {chapter!r}; chapters: {sorted(PROTOCOL)}")


def differing(chapter: str) -> list[str]:
    """The settings of ``chapter`` whose paper text and authors' code differ."""
    return [row.setting for row in PROTOCOL[chapter_key(chapter)] if row.differs]


def _cell(text: str) -> str:
    """A Markdown table cell: one line, pipes and asterisks escaped."""
    return " ".join(str(text).split()).replace("|", r"\|").replace("*", r"\*")


def markdown_table(rows: tuple[ProtocolRow, ...] | list[ProtocolRow]) -> str:
    """``rows`` as a Markdown table with columns (marker) | setting | paper text | authors' code
    | this book; the marker column holds :data:`DIFFERS_MARK` where text and code differ."""
    lines = ["|  | setting | paper text | authors' code | this book |",
             "|---|---|---|---|---|"]
    for row in rows:
        mark = DIFFERS_MARK if row.differs else ""
        cells = (mark, row.setting, row.text, row.code, row.book)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def protocol_table(chapter: str, *, legend: bool = True) -> str:
    """Paper A's protocol for ``chapter`` (see :func:`chapter_key`) as a Markdown table: paper
    text (section), authors' code (notebook and cell at :data:`AUTHORS_COMMIT`) and this book,
    one row per setting, ≠ where text and code differ. ``legend`` appends a line saying so."""
    table = markdown_table(PROTOCOL[chapter_key(chapter)])
    if not legend:
        return table
    return (table + "\n\n" + f"{DIFFERS_MARK}: the paper's text and the authors' code differ. "
            f"Code: the authors' notebooks at commit {AUTHORS_COMMIT}, cells counted from 0 "
            "(markdown cells included).")
