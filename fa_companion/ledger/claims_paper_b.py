"""Paper B's claims, as rows of :data:`fa_companion.ledger.claims.CLAIMS`:
``(id, paper, figure, statement, check, chapter)``; chapter by chapter, in the papers' order.

:data:`CHECKS` maps a claim id to its check: a pure function of arrays taken from the chapter's
stored results, returning ``(verdict, measured)`` (see :func:`fa_companion.ledger.claims.evaluate`).
"""

from collections.abc import Mapping, Sequence

import numpy as np

from ..measure.stats import ranksum

CH07, CH09, CH11, CH12 = ("07_initial_alignment", "09_soft_alignment", "11_corruption_robustness",
                          "12_adversarial_robustness")
CH08, CH10, CH13 = "08_trainability", "10_loss_landscape", "13_architectures_and_datasets"

SOURCES: dict[str, dict[str, str]] = {}
"""Claim id -> the paper's side of its record: ``quote`` (the sentence, verbatim), ``section``,
``reading`` (where the paper reads two ways), ``paper_value`` (the paper's own number, or "figure
only") and ``basis`` ("by construction" for an identity); see :class:`fa_companion.ledger.claims.Claim`."""

ROWS = (
    # ---- chapter 07: initial alignment (Paper B Fig 1, S1-S2) ----
    ("B-fig1d-weight-transport", "B", "Fig 1d",
     "FA and IFA move far fewer weights to the backward pathway than BP",
     "cost model: weights moved between the forward weights and the backward pathway, BP at every "
     "iteration, IFA once, FA never (an accounting identity, reproduced by construction)", CH07),
    ("B-fig1f-alignment-dynamics", "B", "Fig 1f/S1",
     "BP is exactly symmetric, FA's forward weights gradually align with B, IFA starts aligned and "
     "relaxes",
     "mean per-neuron angle W∠B in layers 1 and 2: FA's falls by > 1° and IFA 0°'s rises by > 1° "
     "over training in both layers (partly: otherwise; BP is 0° by definition)", CH07),
    ("B-fig1g-ifa-learns-like-bp", "B", "Fig 1g/S2",
     "IFA learns as fast as BP and faster than FA",
     "first epoch at which the mean test accuracy reaches 95% of BP's final one: IFA 0° at most "
     "one epoch after BP, and FA later than IFA 0° (or never)", CH07),
    ("B-fig1h-ifa-beats-fa", "B", "Fig 1h",
     "IFA's final test accuracy is above FA's, rank-sum P < 10⁻³",
     "mean final test accuracy IFA 0° > FA and two-sided rank-sum p < 10⁻³ over the networks", CH07),
    ("B-fig1h-ifa-matches-bp", "B", "Fig 1h",
     "IFA's final test accuracy is not significantly different from BP's (the paper: P = 0.082)",
     "two-sided rank-sum p ≥ 0.05 between the final test accuracies of BP and IFA 0°", CH07),
    # ---- chapter 09: soft alignment (Paper B Fig 4, S8-S9) ----
    ("B-fig4b-relax-tighten", "B", "Fig 4b/S8",
     "strong initial alignment relaxes during training, weak initial alignment tightens",
     "θ_init whose mean angle W∠B grows in layers 1 and 2 (relaxes) and whose angle shrinks in both "
     "(tightens): both sets non-empty and every relaxing θ_init below every tightening one "
     "(partly: one of the sets empty, or the sets interleave)", CH09),
    ("B-fig4cd-accuracy-rises", "B", "Fig 4c-d/S9",
     "accuracy rises with initial alignment (smaller θ_init)",
     "Spearman ρ(θ_init, final test accuracy) < 0 with p < 0.01 over all IFA networks", CH09),
    ("B-fig4cd-saturates", "B", "Fig 4c-d/S9",
     "accuracy saturates at strong initial alignment (smaller gains there)",
     "mean final test accuracy gained from the middle of the θ_init sweep to 0° is ≥ 0 and smaller "
     "than that gained from 90° to the middle", CH09),
    # ---- chapter 11: corruption robustness (Paper B Fig 6, S11) ----
    ("B-fig6c-mca-rises", "B", "Fig 6c",
     "at severity 1 the mean corruption accuracy rises as θ_init falls",
     "Spearman ρ(θ_init, mean corruption accuracy) < 0 with p < 0.05 over all IFA networks, "
     "severity 1", CH11),
    ("B-fig6b-every-corruption", "B", "Fig 6b",
     "the gain from initial alignment at severity 1 holds across all 15 corruption types",
     "mean accuracy of IFA at the smallest θ_init above FA's on each of the 15 corruptions at "
     "severity 1 (partly: on some, not reproduced: on none)", CH11),
    ("B-figS11-fa-below-bp", "B", "Fig S11",
     "FA is substantially less robust than BP, at every severity",
     "mean corruption accuracy BP > FA with two-sided rank-sum p < 0.05, at every severity "
     "(partly: at some)", CH11),
    ("B-figS11-alignment-towards-bp", "B", "Fig S11",
     "stronger initial alignment significantly improves robustness, towards BP's, at every severity",
     "Spearman ρ(θ_init, mean corruption accuracy) < 0 with p < 0.05 over all IFA networks and "
     "BP − IFA 0° gap below BP − FA gap, at every severity (partly: at some)", CH11),
    ("B-figS11-decline-points", "B", "Fig S11",
     "the decline with severity is significantly less pronounced with stronger initial alignment "
     "(§4.3, A.3.4)",
     "drop of the mean corruption accuracy from severity 1 to 5 (points): IFA 0° below FA with "
     "two-sided rank-sum p < 0.05", CH11),
    ("B-figS11-decline-fraction", "B", "Fig S11",
     "the decline with severity, as a fraction of the severity-1 accuracy, is less pronounced with "
     "stronger initial alignment",
     "the same drop divided by the severity-1 mean corruption accuracy: IFA 0° below FA with "
     "two-sided rank-sum p < 0.05", CH11),
    # ---- chapter 12: adversarial robustness (Paper B Fig 7, S12-S13) ----
    *((f"B-fig{panel}-{method}-ifa-beats-bp", "B", f"Fig {panel}",
       f"under {name}, IFA networks keep a significantly higher accuracy than BP",
       "at ε = 0.03, every IFA θ_init above BP with two-sided rank-sum p < 0.05, judged along the "
       "true input gradient, the network's feedback path and a transfer attack from another BP "
       "network: all three; not reproduced if only along the feedback path (gradient masking); "
       "partly: some angle along some path", CH12)
      for panel, method, name in (("7b", "fgsm", "FGSM"), ("S12a", "bim", "BIM"),
                                  ("S13a", "pgd", "PGD"))),
    *((f"B-fig{panel}-{method}-misalignment-helps", "B", f"Fig {panel}",
       f"under {name} (ε = 0.03) larger initial misalignment further improves robustness",
       "Spearman ρ(θ_init, accuracy at ε = 0.03) > 0 with p < 0.05 over all IFA networks, judged "
       "along the true input gradient, the feedback path and the transfer attack: all three; not "
       "reproduced if only along the feedback path (gradient masking); partly: one of the others",
       CH12)
      for panel, method, name in (("7c", "fgsm", "FGSM"), ("S12b", "bim", "BIM"),
                                  ("S13b", "pgd", "PGD"))),
    # ---- chapter 08: trainability (Paper B Fig 3, S5-S7) ----
    ("B-fig3a-trainable-region", "B", "Fig 3a/S5",
     "IFA trains over a wider region of the (a, b) init-scale grid than FA",
     "share of grid points whose maximum training accuracy reaches 80%: IFA's above FA's", CH08),
    ("B-fig3a-ifa-nearly-everywhere", "B", "Fig 3a/S5",
     "IFA is at least as good as FA in nearly all regions of the grid",
     "FA's maximum training accuracy above IFA's by > 1 point at ≤ 5% of the grid points "
     "(partly: at more)", CH08),
    ("B-fig3b-depth", "B", "Fig 3b/S6",
     "FA's accuracy falls with depth while IFA stays close to BP",
     "BP − FA test-accuracy gap larger at the deepest than at the shallowest network, and "
     "BP − IFA gap below min(5 points, the deepest FA gap) at every depth (partly: FA falls "
     "but IFA is not that close)", CH08),
    ("B-figS6-miscalibration", "B", "Fig S6",
     "in deep FA networks the test loss grows while the accuracy still rises",
     "deepest FA networks: mean final test loss above its minimum over epochs, and final test "
     "accuracy above epoch 1's", CH08),
    ("B-fig3c-data-size", "B", "Fig 3c/S7",
     "IFA lies above FA at every training-set size",
     "mean final test accuracy IFA > FA at every size (partly: at some)", CH08),
    # ---- chapter 10: loss landscapes (Paper B Fig 2, 5, S10) ----
    ("B-fig2bd-trajectory", "B", "Fig 2b-d",
     "FA's trajectory is longer and less direct than BP's and IFA's",
     "every FA network's path Σ‖Δθ‖ above every BP and IFA network's, and its directness "
     "‖θ₀ − θ_final‖ / path below all of theirs (partly: one of the two)", CH10),
    ("B-fig2fk-fa-sharper", "B", "Fig 2f-k",
     "FA's Hessian trace and top eigenvalue are higher than BP's throughout training",
     "FA's mean above BP's at ≥ 80% of the recorded epochs after initialization, for trace and "
     "for λ_max (partly: for one)", CH10),
    ("B-fig2fk-ifa-like-bp", "B", "Fig 2f-k",
     "IFA's trace and top eigenvalue stay low, like BP's",
     "IFA closer to BP than FA (log ratio) at ≥ 80% of the epochs and within a factor 1.25 of "
     "BP at ≥ 80% of them, for trace and λ_max (partly: closer only)", CH10),
    ("B-fig5a-landscape", "B", "Fig 5a/S10",
     "FA's landscape along the top-2 eigenvectors is sharper than BP's and IFA's, and smoother "
     "with more alignment",
     "mean rise of the test loss over the grid: FA above BP and IFA 0°, and Spearman "
     "ρ(θ_init, rise) > 0 with p < 0.05 (partly: the first only)", CH10),
    ("B-fig5b-spectrum", "B", "Fig 5b/S10",
     "FA's Hessian spectrum is shifted up and broader; alignment compresses it to BP's",
     "SLQ spread and right edge: FA above BP and IFA 0°, and IFA 0°'s spread within a factor "
     "1.25 of BP's (partly: FA above BP in one of them)", CH10),
    ("B-fig5c-trace-falls", "B", "Fig 5c", "the Hessian trace falls as alignment gets stronger",
     "Spearman ρ(θ_init, trace) > 0 with p < 0.05 over all analysed networks", CH10),
    ("B-fig5c-trace-plateau", "B", "Fig 5c", "… and plateaus beyond a moderate alignment",
     "falls, and the change over the strongly aligned half of the θ_init sweep is smaller "
     "than over the weakly aligned half", CH10),
    ("B-fig5d-lambda-falls", "B", "Fig 5d", "the top eigenvalue falls as alignment gets stronger",
     "Spearman ρ(θ_init, λ_max) > 0 with p < 0.05 over all analysed networks", CH10),
    ("B-fig5d-lambda-plateau", "B", "Fig 5d", "… and plateaus beyond a moderate alignment",
     "falls, and the change over the strongly aligned half of the θ_init sweep is smaller "
     "than over the weakly aligned half", CH10),
    # ---- chapter 13: architectures and datasets (Paper B Tables S1-S2, Figs S3-S4) ----
    ("B-tableS2-order", "B", "Table S2/Fig S4",
     "the MLP ranks FA < IFA 60° < IFA 30° < IFA 0° on every dataset",
     "mean best test accuracy non-decreasing along FA, IFA 60°, 30°, 0° (0.05-point slack) on "
     "every dataset run (partly: on some)", CH13),
    ("B-tableS2-ifa-near-bp", "B", "Table S2/Fig S4",
     "IFA 0° lies clearly above FA (by more than the networks' spread) and within about a point of "
     "BP on every dataset",
     "IFA 0° − FA > SD(IFA 0°) + SD(FA) and BP − IFA 0° < 1 point on every dataset run "
     "(partly: on some)", CH13),
    ("B-tableS1-ifa-above-fa", "B", "Table S1/Fig S3",
     "in both CNNs IFA is far above FA",
     "IFA 0° − FA > SD(IFA 0°) + SD(FA) for every CNN run (partly: for some)", CH13),
    ("B-tableS1-bp-above-ifa", "B", "Table S1/Fig S3",
     "in both CNNs BP stays above IFA (the gap shrinks, it does not close)",
     "mean BP > mean IFA 0° for every CNN run (partly: for some)", CH13),
)


# --------------------------------------------------------------------------------------------
# Checks: pure functions of stored results -> (verdict, measured)
# --------------------------------------------------------------------------------------------


def check_alignment_dynamics(fa_angle: np.ndarray, ifa_angle: np.ndarray,
                             layers: Sequence[int] = (1, 2)) -> tuple[str, str]:
    """Fig 1f: FA's W∠B falls by more than 1° and IFA 0°'s rises by more than 1° in every hidden
    layer. ``*_angle``: mean per-neuron angle (degrees), shape ``(epochs + 1, n_layers)``."""
    fa, ifa = np.asarray(fa_angle, dtype=float), np.asarray(ifa_angle, dtype=float)
    aligns = all(fa[-1, l] < fa[0, l] - 1.0 for l in layers)
    relaxes = all(ifa[-1, l] > ifa[0, l] + 1.0 for l in layers)
    measured = (f"layers {', '.join(map(str, layers))}: FA "
                + ", ".join(f"{fa[0, l]:.1f}° → {fa[-1, l]:.1f}°" for l in layers) + "; IFA 0° "
                + ", ".join(f"{ifa[0, l]:.1f}° → {ifa[-1, l]:.1f}°" for l in layers))
    return ("reproduced" if aligns and relaxes else "partly reproduced"), measured


def check_learns_like_bp(epochs_to_target: Mapping[str, float]) -> tuple[str, str]:
    """Fig 1g: IFA 0° reaches 95% of BP's final test accuracy within one epoch of BP, and FA
    takes longer than IFA 0°. ``epochs_to_target``: epochs per condition ("BP", "FA", "IFA 0°")."""
    e = epochs_to_target
    ok = e["IFA 0°"] <= e["BP"] + 1 and not e["FA"] <= e["IFA 0°"]
    return (("reproduced" if ok else "not reproduced"),
            "epochs to 95% of BP's final test accuracy: " + ", ".join(f"{k} {v:g}" for k, v in e.items()))


def check_ifa_beats_fa(ifa: Sequence[float], fa: Sequence[float]) -> tuple[str, str]:
    """Fig 1h: mean final test accuracy of IFA above FA's, two-sided rank-sum p < 10⁻³."""
    ifa, fa = np.asarray(ifa, dtype=float), np.asarray(fa, dtype=float)
    p = ranksum(fa, ifa)
    ok = ifa.mean() > fa.mean() and p < 1e-3
    return ("reproduced" if ok else "not reproduced"), f"IFA {ifa.mean():.2f}% vs FA {fa.mean():.2f}%, p = {p:.2g}"


def check_ifa_matches_bp(ifa: Sequence[float], bp: Sequence[float]) -> tuple[str, str]:
    """Fig 1h: IFA's and BP's final test accuracies not significantly different (rank-sum p ≥ 0.05)."""
    ifa, bp = np.asarray(ifa, dtype=float), np.asarray(bp, dtype=float)
    p = ranksum(bp, ifa)
    mi, mb = ifa.mean(), bp.mean()
    return (("reproduced" if p >= 0.05 else "not reproduced"),
            f"IFA {mi:.2f}% vs BP {mb:.2f}% (IFA {'below' if mi < mb else 'above'} BP by "
            f"{abs(mb - mi):.2f} points), p = {p:.2g}")


def check_relax_tighten(thetas: Sequence[float], angle_change: np.ndarray) -> tuple[str, str]:
    """Fig 4b/S8: θ_init whose mean angle W∠B grows in every hidden layer (relaxes) and whose angle
    shrinks in every hidden layer (tightens): both non-empty, every relaxing θ below every
    tightening one. ``angle_change``: final − initial mean angle, shape ``(len(thetas), n_layers)``
    with layer 0 (whose B is unused) first and ignored."""
    change = np.asarray(angle_change, dtype=float)[:, 1:]
    relaxes = [t for t, c in zip(thetas, change) if c.min() > 0]
    tightens = [t for t, c in zip(thetas, change) if c.max() < 0]
    if relaxes and tightens and max(relaxes) < min(tightens):
        verdict = "reproduced"
    else:
        verdict = "partly reproduced" if relaxes or tightens else "not reproduced"
    return verdict, f"relaxes for θ_init ∈ {relaxes}, tightens for θ_init ∈ {tightens}"


def check_accuracy_rises(thetas: Sequence[float], final_test: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 4c-d: Spearman ρ(θ_init, final test accuracy) < 0 with p < 0.01 over all networks
    (``final_test[i]``: the networks' accuracies at ``thetas[i]``)."""
    from scipy import stats

    theta_rep = np.repeat(np.asarray(thetas, dtype=float), [len(v) for v in final_test])
    rho, p = stats.spearmanr(theta_rep, np.concatenate([np.asarray(v, dtype=float) for v in final_test]))
    return (("reproduced" if rho < 0 and p < 0.01 else "not reproduced"),
            f"Spearman ρ(θ_init, test accuracy) = {rho:.2f} (p = {p:.1g})")


def check_saturates(thetas: Sequence[float], final_test: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 4c-d: the mean accuracy gained from the middle of the θ_init sweep to its strongest
    alignment (``thetas[0]``) is ≥ 0 and smaller than that gained from the weakest (``thetas[-1]``)
    to the middle."""
    means = np.array([np.mean(v) for v in final_test])
    half = len(thetas) // 2
    strong, weak = means[0] - means[half - 1], means[half - 1] - means[-1]
    return (("reproduced" if 0 <= strong < weak else "not reproduced"),
            f"gain {thetas[-1]}° → {thetas[half - 1]}°: {weak:.2f} points, "
            f"{thetas[half - 1]}° → {thetas[0]}°: {strong:.2f}")


def check_trainable_region(fa_scores: np.ndarray, ifa_scores: np.ndarray,
                           threshold: float = 80.0) -> tuple[str, str]:
    """Fig 3a/S5: the share of (a, b) grid points whose maximum training accuracy reaches
    ``threshold`` (%) is larger for IFA than for FA."""
    fa, ifa = float(np.mean(np.asarray(fa_scores) >= threshold)), float(np.mean(np.asarray(ifa_scores) >= threshold))
    return (("reproduced" if ifa > fa else "not reproduced"),
            f"IFA {100 * ifa:.0f}% vs FA {100 * fa:.0f}% of the grid")


def check_ifa_nearly_everywhere(fa_scores: np.ndarray, ifa_scores: np.ndarray) -> tuple[str, str]:
    """Fig 3a/S5: FA's score above IFA's by more than 1 point at ≤ 5% of the grid points
    (partly reproduced at more)."""
    fa, ifa = np.asarray(fa_scores, dtype=float), np.asarray(ifa_scores, dtype=float)
    fa_wins, ifa_wins = float(np.mean(fa > ifa + 1.0)), float(np.mean(ifa > fa + 1.0))
    return (("reproduced" if fa_wins <= 0.05 else "partly reproduced"),
            f"FA ahead at {100 * fa_wins:.0f}%, IFA ahead at {100 * ifa_wins:.0f}% of the grid")


def check_depth(depths: Sequence[int], bp: Sequence[np.ndarray], fa: Sequence[np.ndarray],
                ifa: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 3b/S6: the BP − FA gap in mean final test accuracy is larger at the deepest than at the
    shallowest network, and BP − IFA stays below min(5 points, the deepest FA gap) at every depth
    (partly reproduced when only the first holds). ``bp[i]`` etc.: the networks at ``depths[i]``."""
    gap_fa = [np.mean(b) - np.mean(f) for b, f in zip(bp, fa)]
    gap_ifa = [np.mean(b) - np.mean(i) for b, i in zip(bp, ifa)]
    falls, close = gap_fa[-1] > gap_fa[0], max(gap_ifa) < min(5.0, gap_fa[-1])
    verdict = ("reproduced" if close else "partly reproduced") if falls else "not reproduced"
    return verdict, (f"BP − FA {gap_fa[0]:.1f} → {gap_fa[-1]:.1f} points from depth {depths[0]} to "
                     f"{depths[-1]}; BP − IFA ≤ {max(gap_ifa):.1f}")


def check_miscalibration(test_loss: np.ndarray, test_acc: np.ndarray, depth: int) -> tuple[str, str]:
    """Fig S6: in the deepest FA networks the mean test loss ends above its minimum over epochs
    while the mean test accuracy ends above its epoch-1 value. Arrays ``(epochs + 1, networks)``."""
    loss, acc = np.asarray(test_loss, dtype=float), np.asarray(test_acc, dtype=float)
    loss_rises = bool(np.nanmean(loss[-1]) > np.nanmin(np.nanmean(loss, -1)))
    acc_rises = bool(np.nanmean(acc[-1]) > np.nanmean(acc[1]))
    return (("reproduced" if loss_rises and acc_rises else "not reproduced"),
            f"depth {depth}: loss ends above its minimum: {loss_rises}, accuracy above epoch 1: {acc_rises}")


def check_data_size(fa: Sequence[np.ndarray], ifa: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 3c/S7: mean final test accuracy of IFA above FA's at every training-set size (partly
    reproduced at some)."""
    above = [bool(np.mean(i) > np.mean(f)) for i, f in zip(ifa, fa)]
    verdict = "reproduced" if all(above) else ("partly reproduced" if any(above) else "not reproduced")
    return verdict, f"IFA above FA at {sum(above)} of {len(above)} sizes"


# ---- chapter 11: corruptions. mca arrays: mean corruption accuracy (fraction), (severities, K) ----

_SIG = 0.05


def _direction(ok_direction: bool, p: float) -> tuple[str, str]:
    """A directional claim: reproduced only with the right direction and p < 0.05; the note
    says what fell short."""
    if ok_direction:
        return ("reproduced", "") if p < _SIG else ("not reproduced", "; same direction, not significant")
    return "not reproduced", "; significantly the opposite" if p < _SIG else "; opposite direction, n.s."


def _count(n_ok: int, n_all: int) -> str:
    return "reproduced" if n_ok == n_all else "not reproduced" if n_ok == 0 else "partly reproduced"


def _fmt(values, spec: str) -> str:
    return ", ".join(format(v, spec) for v in values)


def _mca_trend(thetas, mca_ifa_sev):
    """Spearman ρ(θ_init, mCA) over all IFA networks at one severity; ``mca_ifa_sev``: (θ, K)."""
    from scipy import stats

    m = np.asarray(mca_ifa_sev, dtype=float)
    return stats.spearmanr(np.repeat(np.asarray(thetas, dtype=float), m.shape[-1]), m.ravel())


def check_mca_rises(thetas: Sequence[float], mca_ifa: np.ndarray, severities: Sequence[int]) -> tuple[str, str]:
    """Fig 6c: at the mildest severity, Spearman ρ(θ_init, mCA) < 0 with p < 0.05 over all IFA
    networks. ``mca_ifa``: (severities, len(thetas), K)."""
    rho, p = _mca_trend(thetas, np.asarray(mca_ifa)[0])
    verdict, note = _direction(rho < 0, p)
    return verdict, f"severity {severities[0]}: Spearman ρ(θ_init, mCA) = {rho:+.2f} (p = {p:.2g}){note}"


def check_every_corruption(acc_ifa0: np.ndarray, acc_fa: np.ndarray, severity: int) -> tuple[str, str]:
    """Fig 6b: IFA 0°'s mean accuracy above FA's on every corruption at the mildest severity
    (partly: on some). ``acc_*``: (corruptions, K)."""
    above = np.asarray(acc_ifa0, dtype=float).mean(-1) > np.asarray(acc_fa, dtype=float).mean(-1)
    return (_verdict(list(above)),
            f"IFA 0° above FA on {int(above.sum())}/{above.size} corruptions at severity {severity}")


def check_fa_below_bp(mca_fa: np.ndarray, mca_bp: np.ndarray, severities: Sequence[int]) -> tuple[str, str]:
    """Fig S11: at each severity, FA's mCA below BP's with rank-sum p < 0.05; reproduced at every
    severity, partly at some."""
    fa, bp = np.asarray(mca_fa, dtype=float), np.asarray(mca_bp, dtype=float)
    gaps = [100 * (b.mean() - f.mean()) for f, b in zip(fa, bp)]
    ps = [ranksum(f, b) for f, b in zip(fa, bp)]
    n_ok = sum(g > 0 and p < _SIG for g, p in zip(gaps, ps))
    return _count(n_ok, len(gaps)), (f"at {n_ok}/{len(gaps)} severities; BP − FA {_fmt(gaps, '+.1f')} "
                                     f"points (p = {_fmt(ps, '.2g')})")


def check_towards_bp(thetas: Sequence[float], mca_ifa: np.ndarray, mca_bp: np.ndarray,
                     severities: Sequence[int]) -> tuple[str, str]:
    """Fig S11: at each severity, mCA rises as θ_init falls (Spearman ρ < 0, p < 0.05) and the BP
    gap of IFA at ``thetas[0]`` is smaller than at ``thetas[-1]``; reproduced at every severity,
    partly at some."""
    m, bp = np.asarray(mca_ifa, dtype=float), np.asarray(mca_bp, dtype=float)
    rhos, ps, n_ok = [], [], 0
    for i in range(m.shape[0]):
        rho, p = _mca_trend(thetas, m[i])
        gap0, gap90 = bp[i].mean() - m[i, 0].mean(), bp[i].mean() - m[i, -1].mean()
        rhos.append(rho)
        ps.append(p)
        n_ok += bool(rho < 0 and p < _SIG and gap0 < gap90)
    return _count(n_ok, m.shape[0]), (f"at {n_ok}/{m.shape[0]} severities; ρ(θ_init, mCA) {_fmt(rhos, '+.2f')} "
                                      f"(p = {_fmt(ps, '.2g')})")


def _decline(mca_ifa0, mca_fa, relative: bool):
    a, f = np.asarray(mca_ifa0, dtype=float), np.asarray(mca_fa, dtype=float)
    d0, d90 = a[0] - a[-1], f[0] - f[-1]
    if relative:
        d0, d90 = d0 / a[0], d90 / f[0]
    return d0, d90, ranksum(d0, d90)


def check_decline_points(mca_ifa0: np.ndarray, mca_fa: np.ndarray, severities: Sequence[int]) -> tuple[str, str]:
    """§4.3/A.3.4: the drop of mCA from the mildest to the strongest severity is smaller for IFA 0°
    than for FA (rank-sum p < 0.05)."""
    d0, d90, p = _decline(mca_ifa0, mca_fa, relative=False)
    verdict, note = _direction(d0.mean() < d90.mean(), p)
    return verdict, (f"drop from severity {severities[0]} to {severities[-1]}: IFA 0° {100 * d0.mean():.1f}, "
                     f"FA {100 * d90.mean():.1f} points (p = {p:.2g}){note}")


def check_decline_fraction(mca_ifa0: np.ndarray, mca_fa: np.ndarray, severities: Sequence[int]) -> tuple[str, str]:
    """§4.3/A.3.4, relative: the same drop as a fraction of the mildest severity's mCA is smaller
    for IFA 0° than for FA (rank-sum p < 0.05)."""
    d0, d90, p = _decline(mca_ifa0, mca_fa, relative=True)
    verdict, note = _direction(d0.mean() < d90.mean(), p)
    return verdict, (f"drop / severity-{severities[0]} mCA: IFA 0° {100 * d0.mean():.1f}%, "
                     f"FA {100 * d90.mean():.1f}% (p = {p:.2g}){note}")


# ---- chapter 12: attacks. Per attack path ("true", "feedback", "transfer"): accuracies under
# attack at one ε, ifa[path] of shape (len(thetas), K) and bp[path] of shape (K,) ----


def _attack_tests(thetas, ifa, bp):
    from scipy import stats

    tests = {}
    for mode, data in ifa.items():
        data, ref = np.asarray(data, dtype=float), np.asarray(bp[mode], dtype=float)
        above = {t: (100 * (d.mean() - ref.mean()), ranksum(d, ref)) for t, d in zip(thetas, data)}
        rho, p = stats.spearmanr(np.repeat(np.asarray(thetas, dtype=float), data.shape[-1]), data.ravel())
        tests[mode] = dict(above=above, rho=rho, p_rho=p)
    return tests


def _robust_vs_bp(t) -> str:
    wins = [th for th, (d, pv) in t["above"].items() if d > 0 and pv < _SIG]
    losses = [th for th, (d, pv) in t["above"].items() if d < 0 and pv < _SIG]
    if len(wins) == len(t["above"]):
        return "yes"
    if wins:
        return f"only {', '.join(f'{w:g}°' for w in wins)}" + (
            f"; below BP: {', '.join(f'{w:g}°' for w in losses)}" if losses else "")
    return f"no (below BP: {', '.join(f'{w:g}°' for w in losses)})" if losses else "no (n.s.)"


def _trend_vs_theta(t) -> str:
    if t["rho"] > 0 and t["p_rho"] < _SIG:
        return "yes"
    return "no (the opposite)" if t["rho"] < 0 and t["p_rho"] < _SIG else "no (n.s.)"


def _judged(tests, fn) -> tuple[str, str]:
    """One claim judged along every attack path: reproduced when it holds along all, not
    reproduced when only along the network's own feedback path (gradient masking) or nowhere,
    partly reproduced otherwise."""
    per_mode = {mode: fn(t) for mode, t in tests.items()}
    unmasked = [v for m, v in per_mode.items() if m != "feedback"]
    note = ""
    if all(v == "yes" for v in per_mode.values()):
        overall = "reproduced"
    elif per_mode.get("feedback") == "yes" and not any(v.startswith(("yes", "only")) for v in unmasked):
        overall, note = "not reproduced", "only along the feedback path (gradient masking); "
    elif per_mode.get("feedback") == "yes" or any(v.startswith(("yes", "only")) for v in per_mode.values()):
        overall = "partly reproduced"
    else:
        overall = "not reproduced"
    if fn is _trend_vs_theta:
        per_mode = {m: f"ρ = {t['rho']:+.2f} (p = {t['p_rho']:.1g})" for m, t in tests.items()}
    return overall, note + "; ".join(f"{m}: {v}" for m, v in per_mode.items())


def check_ifa_beats_bp_under_attack(thetas: Sequence[float], ifa: Mapping[str, np.ndarray],
                                    bp: Mapping[str, np.ndarray]) -> tuple[str, str]:
    """Figs 7b, S12a, S13a: at every θ_init, IFA's accuracy under attack above BP's with rank-sum
    p < 0.05, judged along each attack path (see the module's chapter-12 note)."""
    return _judged(_attack_tests(thetas, ifa, bp), _robust_vs_bp)


def check_misalignment_helps(thetas: Sequence[float], ifa: Mapping[str, np.ndarray],
                             bp: Mapping[str, np.ndarray]) -> tuple[str, str]:
    """Figs 7c, S12b, S13b: Spearman ρ(θ_init, accuracy under attack) > 0 with p < 0.05, judged
    along each attack path."""
    return _judged(_attack_tests(thetas, ifa, bp), _trend_vs_theta)


def check_trajectory(path: Mapping[str, np.ndarray], displacement: Mapping[str, np.ndarray]) -> tuple[str, str]:
    """Fig 2b-d: every FA network's path Σ‖Δθ‖ above every BP and IFA network's, and its directness
    ‖θ₀ − θ_final‖ / path below all of theirs (partly: one of the two). Arrays per rule
    ("BP", "FA", "IFA"), one value per network."""
    d = {k: np.asarray(displacement[k], dtype=float) / np.asarray(path[k], dtype=float) for k in path}
    p = {k: np.asarray(v, dtype=float) for k, v in path.items()}
    less_direct = d["FA"].max() < min(d["BP"].min(), d["IFA"].min())
    longer = p["FA"].min() > max(p["BP"].max(), p["IFA"].max())
    return _verdict([longer, less_direct]), (
        f"path FA {p['FA'].mean():.1f} vs BP {p['BP'].mean():.1f}, IFA {p['IFA'].mean():.1f}; "
        f"directness FA {d['FA'].mean():.3f} vs BP {d['BP'].mean():.3f}, IFA {d['IFA'].mean():.3f}")


def _curvature_ratios(trace, lam, epochs):
    """Per quantity (trace, λ_max): the FA/BP and IFA/BP ratios of the mean over networks at the
    recorded epochs after initialization."""
    later = np.asarray(epochs) > 0
    out = {}
    for name, curves in (("trace", trace), ("λ_max", lam)):
        mean = {k: np.asarray(v, dtype=float).mean(-1)[later] for k, v in curves.items()}
        out[name] = (mean["FA"] / mean["BP"], mean["IFA"] / mean["BP"])
    return out


def check_fa_sharper(trace: Mapping[str, np.ndarray], lam: Mapping[str, np.ndarray],
                     epochs: np.ndarray) -> tuple[str, str]:
    """Fig 2f-k: FA's mean above BP's at ≥ 80% of the recorded epochs after initialization, for
    the Hessian trace and for λ_max (partly: for one). ``trace[rule]``, ``lam[rule]``: shape
    ``(len(epochs), networks)``."""
    r = _curvature_ratios(trace, lam, epochs)
    higher = [float(np.mean(fa > 1.0)) >= 0.8 for fa, _ in r.values()]
    return _verdict(higher), (f"FA/BP trace {r['trace'][0].min():.1f}-{r['trace'][0].max():.1f}×, "
                              f"λ_max {r['λ_max'][0].min():.1f}-{r['λ_max'][0].max():.1f}×")


def check_ifa_like_bp(trace: Mapping[str, np.ndarray], lam: Mapping[str, np.ndarray],
                      epochs: np.ndarray) -> tuple[str, str]:
    """Fig 2f-k: IFA closer to BP than FA (in log ratio) at ≥ 80% of the epochs after
    initialization and within a factor 1.25 of BP at ≥ 80% of them, for trace and λ_max (partly:
    closer only, for at least one)."""
    from .verdicts import within_factor

    r = _curvature_ratios(trace, lam, epochs)
    closer = {k: float(np.mean(np.abs(np.log(ifa)) < np.abs(np.log(fa)))) >= 0.8 for k, (fa, ifa) in r.items()}
    near = {k: float(np.mean([within_factor(x) for x in ifa])) >= 0.8 for k, (_, ifa) in r.items()}
    if all(closer[k] and near[k] for k in r):
        verdict = "reproduced"
    else:
        verdict = "partly reproduced" if any(closer.values()) else "not reproduced"
    return verdict, (f"IFA/BP trace {r['trace'][1].min():.2f}-{r['trace'][1].max():.2f}×, "
                     f"λ_max {r['λ_max'][1].min():.2f}-{r['λ_max'][1].max():.2f}×")


def check_landscape(thetas: Sequence[float], rise: Sequence[float], bp: float) -> tuple[str, str]:
    """Fig 5a: the mean rise of the test loss over the top-2-eigenvector grid is larger for FA
    (``rise[-1]``, θ_init = 90°) than for BP and IFA 0° (``rise[0]``), and Spearman ρ(θ_init, rise)
    > 0 with permutation p < 0.05 (partly: the first only)."""
    from ..measure.stats import spearman

    rise = [float(x) for x in rise]
    rho, p = spearman(thetas, rise)
    sharper = rise[-1] > max(bp, rise[0])
    verdict = ("reproduced" if rho > 0 and p < 0.05 else "partly reproduced") if sharper else "not reproduced"
    return verdict, f"rise FA {rise[-1]:.2f}, BP {bp:.2f}, IFA 0° {rise[0]:.2f}; ρ = {rho:.2f} (p = {p:.1g})"


def check_spectrum(spread: Mapping[str, float], edge: Mapping[str, float]) -> tuple[str, str]:
    """Fig 5b: FA's SLQ spread and right edge above BP's and IFA 0°'s, and IFA 0°'s spread within
    a factor 1.25 of BP's (partly: FA above BP in spread or edge)."""
    from .verdicts import within_factor

    s, e = spread, edge
    if (s["FA"] > max(s["BP"], s["IFA 0°"]) and e["FA"] > max(e["BP"], e["IFA 0°"])
            and within_factor(s["IFA 0°"] / s["BP"])):
        verdict = "reproduced"
    else:
        verdict = "partly reproduced" if s["FA"] > s["BP"] or e["FA"] > e["BP"] else "not reproduced"
    return verdict, (f"spread FA {s['FA']:.2f}, BP {s['BP']:.2f}, IFA 0° {s['IFA 0°']:.2f}; "
                     f"right edge FA {e['FA']:.0f}, BP {e['BP']:.0f}, IFA 0° {e['IFA 0°']:.0f}")


def _trend(thetas, values):
    from ..measure.stats import spearman

    theta_rep = np.repeat(np.asarray(thetas, dtype=float), [len(v) for v in values])
    rho, p = spearman(theta_rep, np.concatenate([np.asarray(v, dtype=float) for v in values]))
    means = np.array([np.mean(v) for v in values])
    mid = len(thetas) // 2
    return rho, p, means[-1] - means[mid - 1], means[mid - 1] - means[0], mid


def check_curvature_falls(thetas: Sequence[float], values: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 5c-d: Spearman ρ(θ_init, value) > 0 with permutation p < 0.05 over all analysed networks
    (``values[i]``: the networks' trace or λ_max at ``thetas[i]``)."""
    rho, p, *_ = _trend(thetas, values)
    return ("reproduced" if rho > 0 and p < 0.05 else "not reproduced"), f"ρ = {rho:.2f} (p = {p:.1g})"


def check_curvature_plateau(thetas: Sequence[float], values: Sequence[np.ndarray]) -> tuple[str, str]:
    """Fig 5c-d: falls (:func:`check_curvature_falls`), and the change of the mean from the middle
    of the sweep (``thetas[len // 2 - 1]``) to ``thetas[0]`` is smaller in size than from
    ``thetas[-1]`` to the middle."""
    rho, p, drop_weak, drop_strong, mid = _trend(thetas, values)
    ok = rho > 0 and p < 0.05 and abs(drop_strong) < drop_weak
    return (("reproduced" if ok else "not reproduced"),
            f"{thetas[-1]}°→{thetas[mid - 1]}°: {-drop_weak:+.1f}, then →{thetas[0]}°: {-drop_strong:+.1f}")


def _gaps(best: Mapping[str, Mapping[str, np.ndarray]], a: str, b: str) -> str:
    return ", ".join(f"{k} {np.mean(v[a]) - np.mean(v[b]):+.2f}" for k, v in best.items())


def _verdict(flags: Sequence[bool]) -> str:
    from .verdicts import all_or_some

    return all_or_some(flags)


def check_tables2_order(best: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[str, str]:
    """Table S2: per dataset, mean best test accuracy non-decreasing along FA 90°, IFA 60°, 30°,
    0° (0.05-point slack); reproduced on every dataset, partly on some. ``best[dataset][condition]``:
    the networks' early-stopping scores."""
    order = ["FA 90°", "IFA 60°", "IFA 30°", "IFA 0°"]
    ordered = {}
    for ds, res in best.items():
        means = [np.mean(res[k]) for k in order]
        ordered[ds] = all(a <= b + 0.05 for a, b in zip(means, means[1:]))
    return (_verdict(list(ordered.values())),
            "ordered on " + (", ".join(k for k, v in ordered.items() if v) or "no dataset") + f" of {len(ordered)}")


def check_tables2_ifa_near_bp(best: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[str, str]:
    """Table S2: per dataset, IFA 0° clearly above FA (:func:`fa_companion.ledger.claims.resolved_above`) and
    BP − IFA 0° < 1 point; reproduced on every dataset, partly on some."""
    from .verdicts import resolved_above

    flags = [resolved_above(r["IFA 0°"], r["FA 90°"]) and np.mean(r["BP"]) - np.mean(r["IFA 0°"]) < 1.0
             for r in best.values()]
    return (_verdict(flags),
            f"IFA 0° − FA: {_gaps(best, 'IFA 0°', 'FA 90°')}; BP − IFA 0°: {_gaps(best, 'BP', 'IFA 0°')} points")


def check_tables1_ifa_above_fa(best: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[str, str]:
    """Table S1: per CNN, IFA 0° far above FA (:func:`fa_companion.ledger.claims.resolved_above`)."""
    from .verdicts import resolved_above

    return (_verdict([resolved_above(r["IFA 0°"], r["FA 90°"]) for r in best.values()]),
            f"IFA 0° − FA: {_gaps(best, 'IFA 0°', 'FA 90°')} points")


def check_tables1_bp_above_ifa(best: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[str, str]:
    """Table S1: per CNN, mean BP above mean IFA 0°."""
    return (_verdict([np.mean(r["BP"]) > np.mean(r["IFA 0°"]) for r in best.values()]),
            f"BP − IFA 0°: {_gaps(best, 'BP', 'IFA 0°')} points")


CHECKS = {
    **{f"B-fig{panel}-{method}-ifa-beats-bp": check_ifa_beats_bp_under_attack
       for panel, method in (("7b", "fgsm"), ("S12a", "bim"), ("S13a", "pgd"))},
    **{f"B-fig{panel}-{method}-misalignment-helps": check_misalignment_helps
       for panel, method in (("7c", "fgsm"), ("S12b", "bim"), ("S13b", "pgd"))},
    "B-fig6c-mca-rises": check_mca_rises,
    "B-fig6b-every-corruption": check_every_corruption,
    "B-figS11-fa-below-bp": check_fa_below_bp,
    "B-figS11-alignment-towards-bp": check_towards_bp,
    "B-figS11-decline-points": check_decline_points,
    "B-figS11-decline-fraction": check_decline_fraction,
    "B-fig2bd-trajectory": check_trajectory,
    "B-fig2fk-fa-sharper": check_fa_sharper,
    "B-fig2fk-ifa-like-bp": check_ifa_like_bp,
    "B-fig5a-landscape": check_landscape,
    "B-fig5b-spectrum": check_spectrum,
    "B-fig5c-trace-falls": check_curvature_falls,
    "B-fig5c-trace-plateau": check_curvature_plateau,
    "B-fig5d-lambda-falls": check_curvature_falls,
    "B-fig5d-lambda-plateau": check_curvature_plateau,
    "B-tableS2-order": check_tables2_order,
    "B-tableS2-ifa-near-bp": check_tables2_ifa_near_bp,
    "B-tableS1-ifa-above-fa": check_tables1_ifa_above_fa,
    "B-tableS1-bp-above-ifa": check_tables1_bp_above_ifa,
    "B-fig3a-trainable-region": check_trainable_region,
    "B-fig3a-ifa-nearly-everywhere": check_ifa_nearly_everywhere,
    "B-fig3b-depth": check_depth,
    "B-figS6-miscalibration": check_miscalibration,
    "B-fig3c-data-size": check_data_size,
    "B-fig4b-relax-tighten": check_relax_tighten,
    "B-fig4cd-accuracy-rises": check_accuracy_rises,
    "B-fig4cd-saturates": check_saturates,
    "B-fig1f-alignment-dynamics": check_alignment_dynamics,
    "B-fig1g-ifa-learns-like-bp": check_learns_like_bp,
    "B-fig1h-ifa-beats-fa": check_ifa_beats_fa,
    "B-fig1h-ifa-matches-bp": check_ifa_matches_bp,
}
"""The claims whose check is a package function so far (the others are computed in their chapter)."""
