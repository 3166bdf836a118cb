"""The claims ledger: registry integrity, check functions on synthetic results that must pass and
fail, recording at the book profile only, and the generated verdict table."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fa_companion.ledger import claims
from fa_companion.tools import sphinx_verdicts

REPO = Path(__file__).resolve().parent.parent


def test_registry_is_consistent_with_the_book():
    chapters = {p.stem for p in (REPO / "book").glob("[0-9][0-9]_*.py")}
    for cid, c in claims.CLAIMS.items():
        assert c.id == cid and c.paper in ("A", "B")
        assert c.chapter in chapters, f"{cid}: no chapter {c.chapter}"
        assert c.statement and c.check and c.figure


def test_every_chapter_reports_only_its_registered_claims():
    for path in sorted((REPO / "book").glob("[0-9][0-9]_*.py")):
        ids = re.findall(r'claims\.(?:outcome|evaluate)\(\s*f?"([^"]+)"', path.read_text())
        for cid in ids:
            if "{" in cid:  # an f-string id: expand over the registry's ids of that pattern
                pattern = re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(cid))
                matches = [k for k in claims.CLAIMS if re.fullmatch(pattern, k)]
                assert matches, f"{path.name}: no registered claim matches {cid!r}"
                assert all(claims.CLAIMS[k].chapter == path.stem for k in matches)
            else:
                assert claims.claim(cid).chapter == path.stem, f"{path.name}: {cid}"


def test_all_or_some():
    assert claims.all_or_some([True, True]) == "reproduced"
    assert claims.all_or_some([True, False]) == "partly reproduced"
    assert claims.all_or_some([False, False]) == "not reproduced"
    assert claims.all_or_some(iter([True])) == "reproduced"  # any iterable
    with pytest.raises(ValueError):
        claims.all_or_some([])


def test_resolved_above_needs_more_than_the_sum_of_sds():
    assert claims.resolved_above([10.0, 10.2, 9.8], [8.0, 8.2, 7.8])  # 2 > 0.2 + 0.2
    assert not claims.resolved_above([10.0, 11.0, 9.0], [9.0, 10.0, 8.0])  # 1 < 1 + 1
    assert not claims.resolved_above([8.0, 8.2, 7.8], [10.0, 10.2, 9.8])  # below, not above
    assert claims.resolved_above([5.0], [4.0])  # single networks: SD 0


def test_within_factor():
    assert claims.within_factor(1.2) and claims.within_factor(1 / 1.2)
    assert not claims.within_factor(1.3) and not claims.within_factor(0.7)
    assert claims.within_factor(1.9, factor=2.0)
    with pytest.raises(ValueError, match="factor"):
        claims.within_factor(1.0, factor=0.5)


def test_outcome_validates_id_and_verdict():
    o = claims.outcome("B-fig5c-trace-falls", "reproduced", "ρ = 0.93")
    assert o.claim.figure == "Fig 5c" and "reproduced  [paper: " in o.line()
    assert o.line().endswith("; ours: ρ = 0.93]") and not o.provisional
    p = claims.outcome("B-fig5c-trace-falls", "reproduced", "ρ = 0.93", provisional="capped at 60 epochs")
    assert p.line().endswith("PROVISIONAL: capped at 60 epochs")
    with pytest.raises(ValueError, match="not one of"):
        claims.outcome("B-fig5c-trace-falls", "mostly", "")
    with pytest.raises(KeyError, match="registered claims"):
        claims.outcome("no-such-claim", "reproduced", "")


def test_report_prints_always_and_records_only_at_the_book_profile(tmp_path, capsys):
    outs = [claims.outcome("B-fig5c-trace-falls", "reproduced", "ρ = 0.93"),
            claims.outcome("B-fig5d-lambda-falls", "not reproduced", "ρ = 0.1")]
    claims.report("10_loss_landscape", "ci", outs, root=tmp_path)
    assert capsys.readouterr().out.count("\n- ") + 1 == 2
    assert not (tmp_path / claims.OUTCOMES_DIR).exists()
    claims.report("10_loss_landscape", "book", outs, root=tmp_path)
    rows = json.loads((tmp_path / claims.OUTCOMES_DIR / "10_loss_landscape.json").read_text())
    assert [r["verdict"] for r in rows] == ["reproduced", "not reproduced"]
    assert claims.read_outcomes(tmp_path) == rows
    with pytest.raises(ValueError, match="other chapters"):
        claims.report("08_trainability", "book", outs, root=tmp_path)
    with pytest.raises(ValueError, match="twice on the same data"):
        claims.report("10_loss_landscape", "book", outs + outs[:1], root=tmp_path)


def test_verdict_table_counts_links_and_escapes():
    rows = [{"paper": "B", "figure": "Fig 5c", "statement": "a | b", "verdict": "reproduced",
             "measured": "x", "chapter": "10_loss_landscape"},
            {"paper": "B", "figure": "Fig 3a", "statement": "c", "verdict": "partly reproduced",
             "measured": "y", "chapter": "08_trainability", "reading": "text", "paper_value": "P < 0.01"},
            {"paper": "B", "figure": "Fig 3b", "statement": "d", "verdict": "not reproduced",
             "measured": "z", "chapter": "08_trainability", "provisional": "capped", "reading": "text"},
            {"paper": "B", "figure": "Fig 1d", "statement": "e", "verdict": "reproduced",
             "measured": "w", "chapter": "08_trainability", "basis": "by construction"}]
    for i, r in enumerate(rows):
        r["id"] = f"c{i}"
    table = claims.verdict_table(rows, ["07_initial_alignment", "08_trainability", "10_loss_landscape"])
    assert ("**4 claims checked:** 1 reproduced, 1 partly reproduced, 0 not reproduced, 0 not testable "
            "here; besides these, 1 provisional") in table and "1 true by construction" in table
    assert "a \\| b" in table and "{doc}`10_loss_landscape`" in table
    # the per-chapter overview: 3 claims in chapter 08, one of each kind
    assert "| {doc}`08_trainability` | B | 3 | 0 | 1 | 0 | 0 | 1 | 1 |" in table
    assert "| B | text | 2 | 0 | 1 | 0 | 0 | 1 | 0 |" in table  # counts per reading shared by 2 claims
    rows[2]["reading"] = "another"  # a reading of one sentence only: in the full table, not counted
    assert "| B | text |" not in claims.verdict_table(rows)
    assert "| P < 0.01 | y |" in table and "| figure only | x |" in table
    assert "(provisional: capped)" in table and "(by construction)" in table
    assert "not yet in this ledger" in table and "{doc}`07_initial_alignment`." in table


def test_sphinx_hook_writes_the_table_from_recorded_outcomes(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "10_loss_landscape.py").write_text("")
    (tmp_path / "_toc.yml").write_text("root: book/intro\nchapters:\n  - file: book/10_loss_landscape.ipynb\n")
    claims.report("10_loss_landscape", "book",
                  [claims.outcome("B-fig5c-trace-falls", "reproduced", "ρ = 0.93")], root=tmp_path)
    sphinx_verdicts._builder_inited(SimpleNamespace(srcdir=str(tmp_path)))
    table = (tmp_path / claims.TABLE).read_text()
    assert "**1 claim checked:** 1 reproduced" in table and "not yet in this ledger" not in table
    assert json.loads((tmp_path / claims.OUTCOMES_DIR / "10_loss_landscape.json").read_text())[0]["quote"] \
        == claims.CLAIMS["B-fig5c-trace-falls"].quote


# ---- claims with a package check function: synthetic results that must pass and fail ----


def test_evaluate_needs_a_registered_check():
    with pytest.raises(KeyError, match="no check function"):
        claims.evaluate("B-fig1d-weight-transport")  # a cost model, not a statistic
    # every other claim of both papers is checked by a package function
    assert set(claims.CLAIMS) - set(claims.CHECKS) == {"B-fig1d-weight-transport"}
    assert set(claims.CHECKS) <= set(claims.CLAIMS)


def test_check_alignment_dynamics():
    epochs = np.linspace(0, 1, 31)[:, None] * np.ones((1, 3))
    fa_aligning, ifa_relaxing = 90 - 10 * epochs, 15 * epochs
    assert claims.evaluate("B-fig1f-alignment-dynamics", fa_angle=fa_aligning,
                           ifa_angle=ifa_relaxing).verdict == "reproduced"
    flat = np.full((31, 3), 90.0)
    o = claims.evaluate("B-fig1f-alignment-dynamics", fa_angle=flat, ifa_angle=ifa_relaxing)
    assert o.verdict == "partly reproduced" and "90.0° → 90.0°" in o.measured
    # the opposite dynamics: FA's angle grows, IFA's alignment tightens further (it cannot: it
    # starts at 0°, so it stays there)
    o = claims.evaluate("B-fig1f-alignment-dynamics", fa_angle=80 + 10 * epochs, ifa_angle=0 * epochs)
    assert o.verdict == "not reproduced"


def test_check_learns_like_bp():
    ok = {"BP": 3, "FA": 14, "IFA 0°": 4}
    assert claims.evaluate("B-fig1g-ifa-learns-like-bp", epochs_to_target=ok).verdict == "reproduced"
    slow_ifa = {"BP": 3, "FA": 14, "IFA 0°": 9}
    assert claims.evaluate("B-fig1g-ifa-learns-like-bp", epochs_to_target=slow_ifa).verdict == "not reproduced"
    fa_as_fast = {"BP": 3, "FA": 3, "IFA 0°": 3}
    assert claims.evaluate("B-fig1g-ifa-learns-like-bp", epochs_to_target=fa_as_fast).verdict == "not reproduced"


def test_check_fig1h_rank_sums():
    bp = 89.0 + 0.1 * np.arange(10)
    ifa = bp + 0.05  # interleaved with BP: rank-sum p ≈ 0.85
    fa = bp - 2.0  # every FA network below every IFA network: exact p = 2/C(20, 10) ≈ 1e-5
    assert claims.evaluate("B-fig1h-ifa-beats-fa", ifa=ifa, fa=fa).verdict == "reproduced"
    # 3 networks per group cannot reach p < 1e-3, however separated
    assert claims.evaluate("B-fig1h-ifa-beats-fa", ifa=ifa[:3], fa=fa[:3]).verdict == "not reproduced"
    assert claims.evaluate("B-fig1h-ifa-beats-fa", ifa=fa, fa=ifa).verdict == "not reproduced"
    assert claims.evaluate("B-fig1h-ifa-matches-bp", ifa=ifa, bp=bp).verdict == "reproduced"
    o = claims.evaluate("B-fig1h-ifa-matches-bp", ifa=fa, bp=bp)
    assert o.verdict == "not reproduced" and "below BP" in o.measured


def test_check_relax_tighten():
    thetas = [0, 30, 60, 90]
    ordered = np.array([[0, 5, 4], [0, 2, 1], [0, -1, -2], [0, -3, -1]])  # layer 0 ignored
    assert claims.evaluate("B-fig4b-relax-tighten", thetas=thetas, angle_change=ordered).verdict == "reproduced"
    interleaved = np.array([[0, -1, -1], [0, 2, 1], [0, -1, -2], [0, 3, 1]])
    assert claims.evaluate("B-fig4b-relax-tighten", thetas=thetas,
                           angle_change=interleaved).verdict == "partly reproduced"
    mixed = np.array([[0, 1, -1]] * 4)  # no θ changes the same way in both layers
    assert claims.evaluate("B-fig4b-relax-tighten", thetas=thetas, angle_change=mixed).verdict == "not reproduced"


def test_check_accuracy_rises_and_saturates():
    thetas = [0, 20, 40, 60]
    saturating = [np.array([88.8, 88.9, 88.7]), np.array([88.7, 88.6, 88.8]),
                  np.array([88.0, 88.1, 87.9]), np.array([86.9, 87.0, 87.1])]
    assert claims.evaluate("B-fig4cd-accuracy-rises", thetas=thetas, final_test=saturating).verdict == "reproduced"
    assert claims.evaluate("B-fig4cd-saturates", thetas=thetas, final_test=saturating).verdict == "reproduced"
    flat = [np.array([88.0, 88.1, 87.9])] * 4
    assert claims.evaluate("B-fig4cd-accuracy-rises", thetas=thetas, final_test=flat).verdict == "not reproduced"
    # gains concentrated at the strongest alignment: no saturation
    steepening = [np.array([m - 0.1, m, m + 0.1]) for m in (90.0, 88.0, 87.9, 87.8)]
    assert claims.evaluate("B-fig4cd-saturates", thetas=thetas, final_test=steepening).verdict == "not reproduced"


def test_check_trainability_grid():
    fa = np.array([[85.0, 85.0], [40.0, 40.0]])
    ifa = np.array([[90.0, 90.0], [82.0, 82.0]])
    assert claims.evaluate("B-fig3a-trainable-region", fa_scores=fa, ifa_scores=ifa).verdict == "reproduced"
    assert claims.evaluate("B-fig3a-trainable-region", fa_scores=ifa, ifa_scores=fa).verdict == "not reproduced"
    ev = claims.evaluate
    both = dict(fa_scores=fa, ifa_scores=ifa, fa_test=fa - 5, ifa_test=ifa - 5)
    assert ev("B-fig3a-ifa-nearly-everywhere", **both).verdict == "reproduced"
    tied = ifa.copy()
    tied[0, 0] = fa[0, 0]  # both rules equal at 1 of 4 points: IFA ahead at 75% < 90%
    o = ev("B-fig3a-ifa-nearly-everywhere", **{**both, "ifa_scores": tied})
    assert o.verdict == "partly reproduced" and "training: IFA ahead at 75%, FA at 0%" in o.measured
    # where both rules coincide everywhere, "at least as good" holds, "outperformed" does not
    assert ev("B-fig3a-ifa-nearly-everywhere", fa_scores=fa, ifa_scores=fa, fa_test=fa,
              ifa_test=fa).verdict == "not reproduced"
    fa_ahead = dict(both, fa_test=np.array([[95.0, 95.0], [30.0, 30.0]]), ifa_test=np.array([[85.0, 85.0], [40.0, 40.0]]))
    assert ev("B-fig3a-ifa-nearly-everywhere", **fa_ahead).verdict == "not reproduced"


def test_check_depth():
    depths = [2, 6, 10]
    bp = [np.array([85.0, 85.2])] * 3
    fa_falls = [np.array([83.0, 83.2]), np.array([60.0, 62.0]), np.array([35.0, 36.0])]
    ifa_close = [np.array([84.8, 85.0])] * 3
    ifa_far = [np.array([84.8, 85.0]), np.array([70.0, 71.0]), np.array([70.0, 71.0])]
    ev = claims.evaluate
    assert ev("B-fig3b-depth", depths=depths, bp=bp, fa=fa_falls, ifa=ifa_close).verdict == "reproduced"
    assert ev("B-fig3b-depth", depths=depths, bp=bp, fa=fa_falls, ifa=ifa_far).verdict == "partly reproduced"
    assert ev("B-fig3b-depth", depths=depths, bp=bp, fa=ifa_close, ifa=ifa_close).verdict == "not reproduced"


def test_check_miscalibration_and_data_size():
    epochs = np.arange(31, dtype=float)[:, None] * np.ones((1, 3))
    blow_up = 2.0 + epochs ** 2 / 10  # FA at depth 10: the training loss grows ~50-fold
    acc = 10 + epochs  # still rising
    ev = claims.evaluate
    assert ev("B-figS6-miscalibration", train_loss=blow_up, train_acc=acc, depth=10).verdict == "reproduced"
    # ordinary overfitting (BP, IFA): the training loss keeps falling, whatever the test loss does
    overfit = 2.0 / (1 + epochs)
    assert ev("B-figS6-miscalibration", train_loss=overfit, train_acc=acc, depth=10).verdict == "not reproduced"
    wobble = 1.0 + 0.3 * (epochs % 2)  # ends 1.3× its minimum: noise, not a blow-up
    assert ev("B-figS6-miscalibration", train_loss=wobble, train_acc=acc, depth=10).verdict == "not reproduced"
    assert ev("B-figS6-miscalibration", train_loss=blow_up, train_acc=acc[::-1], depth=10).verdict == "not reproduced"
    fa, ifa = [np.array([10.0]), np.array([60.0])], [np.array([60.0]), np.array([80.0])]
    assert ev("B-fig3c-data-size", fa=fa, ifa=ifa).verdict == "reproduced"
    assert ev("B-fig3c-data-size", fa=fa, ifa=[np.array([60.0]), np.array([50.0])]).verdict == "partly reproduced"
    assert ev("B-fig3c-data-size", fa=ifa, ifa=fa).verdict == "not reproduced"


def test_check_tables_s1_s2():
    good = {"BP": np.array([89.7, 89.6, 89.8]), "FA 90°": np.array([88.8, 88.9, 88.7]),
            "IFA 60°": np.array([89.3, 89.2, 89.4]), "IFA 30°": np.array([89.4, 89.5, 89.5]),
            "IFA 0°": np.array([89.5, 89.6, 89.5])}
    swapped = {**good, "IFA 30°": good["IFA 0°"] + 0.5}  # 30° above 0° by more than the slack
    ev = claims.evaluate
    assert ev("B-tableS2-order", best={"a": good, "b": good}).verdict == "reproduced"
    o = ev("B-tableS2-order", best={"a": good, "b": swapped})
    assert o.verdict == "partly reproduced" and o.measured == "ordered on a of 2"
    assert ev("B-tableS2-order", best={"b": swapped}).verdict == "not reproduced"
    assert ev("B-tableS2-ifa-near-bp", best={"a": good}).verdict == "reproduced"
    far_from_bp = {**good, "BP": good["BP"] + 2.0}
    # "in some cases reaching BP": one dataset near BP is enough
    assert ev("B-tableS2-ifa-near-bp", best={"a": good, "b": far_from_bp}).verdict == "reproduced"
    assert ev("B-tableS2-ifa-near-bp", best={"b": far_from_bp}).verdict == "partly reproduced"
    fa_level = {**good, "FA 90°": good["IFA 0°"]}
    assert ev("B-tableS2-ifa-near-bp", best={"a": good, "b": fa_level}).verdict == "partly reproduced"
    assert ev("B-tableS2-ifa-near-bp", best={"b": fa_level}).verdict == "not reproduced"
    cnn = {"BP": np.array([86.3, 86.4]), "FA 90°": np.array([60.0, 52.0]), "IFA 0°": np.array([83.0, 83.5])}
    noisy_fa = {**cnn, "FA 90°": np.array([60.0, 90.0])}  # mean 75, SD 21: not resolved
    assert ev("B-tableS1-ifa-above-fa", best={"lenet": cnn}).verdict == "reproduced"
    assert ev("B-tableS1-ifa-above-fa", best={"lenet": cnn, "alexnet": noisy_fa}).verdict == "partly reproduced"
    assert ev("B-tableS1-bp-above-ifa", best={"lenet": cnn}).verdict == "reproduced"
    ifa_top = {**cnn, "IFA 0°": np.array([87.0, 87.5])}
    assert ev("B-tableS1-bp-above-ifa", best={"lenet": ifa_top}).verdict == "not reproduced"


def test_check_trajectory():
    path = {"BP": np.array([80.0, 82.0]), "FA": np.array([100.0, 110.0]), "IFA": np.array([78.0, 79.0])}
    straight = {"BP": np.array([40.0, 41.0]), "FA": np.array([20.0, 22.0]), "IFA": np.array([39.0, 39.5])}
    ev = claims.evaluate
    assert ev("B-fig2bd-trajectory", path=path, displacement=straight).verdict == "reproduced"
    far = {**straight, "FA": np.array([60.0, 66.0])}  # FA longer but as direct as the others
    assert ev("B-fig2bd-trajectory", path=path, displacement=far).verdict == "partly reproduced"
    assert ev("B-fig2bd-trajectory", path=path, displacement=path).verdict == "partly reproduced"
    assert ev("B-fig2bd-trajectory", path={**path, "FA": path["BP"]},
              displacement={**straight, "FA": straight["BP"]}).verdict == "not reproduced"


def test_check_curvature_through_training():
    epochs = np.array([0, 1, 5, 10])
    ones = np.ones((4, 3))
    bp = 100 * ones
    data = dict(trace={"BP": bp, "FA": 1000 * ones, "IFA": 110 * ones},
                lam={"BP": bp, "FA": 1000 * ones, "IFA": 110 * ones}, epochs=epochs)
    ev = claims.evaluate
    assert ev("B-fig2fk-fa-sharper", **data).verdict == "reproduced"
    assert ev("B-fig2fk-ifa-like-bp", **data).verdict == "reproduced"
    ifa_twice = {**data, "lam": {**data["lam"], "IFA": 200 * ones}}  # closer than FA, not within 1.25
    assert ev("B-fig2fk-ifa-like-bp", **ifa_twice).verdict == "partly reproduced"
    fa_low_lam = {**data, "lam": {**data["lam"], "FA": 90 * ones}}
    assert ev("B-fig2fk-fa-sharper", **fa_low_lam).verdict == "partly reproduced"
    same = dict(trace={"BP": bp, "FA": bp, "IFA": 500 * ones}, lam={"BP": bp, "FA": bp, "IFA": 500 * ones},
                epochs=epochs)
    assert ev("B-fig2fk-fa-sharper", **same).verdict == "not reproduced"
    assert ev("B-fig2fk-ifa-like-bp", **same).verdict == "not reproduced"


def test_check_landscape_and_spectrum():
    thetas = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    rising = [5.0 + t / 10 for t in thetas]
    ev = claims.evaluate
    assert ev("B-fig5a-landscape", thetas=thetas, rise=rising, bp=4.5).verdict == "reproduced"
    # smoother with alignment, but IFA 0° not comparable to BP (5.0 vs 3.0: 1.67×)
    o = ev("B-fig5a-landscape", thetas=thetas, rise=rising, bp=3.0)
    assert o.verdict == "partly reproduced" and "1.67×" in o.measured
    jagged = [5.0, 9.0, 4.0, 8.0, 3.0, 7.0, 2.0, 6.0, 1.0, 9.5]  # FA sharpest, no trend
    assert ev("B-fig5a-landscape", thetas=thetas, rise=jagged, bp=4.5).verdict == "partly reproduced"
    assert ev("B-fig5a-landscape", thetas=thetas, rise=rising[::-1], bp=3.0).verdict == "not reproduced"
    spread, edge = {"BP": 0.10, "IFA 0°": 0.11, "FA": 2.7}, {"BP": 72.0, "IFA 0°": 80.0, "FA": 1700.0}
    assert ev("B-fig5b-spectrum", spread=spread, edge=edge).verdict == "reproduced"
    assert ev("B-fig5b-spectrum", spread={**spread, "IFA 0°": 0.19}, edge=edge).verdict == "partly reproduced"
    assert ev("B-fig5b-spectrum", spread={**spread, "FA": 0.05},
              edge={**edge, "FA": 50.0}).verdict == "not reproduced"


def test_check_curvature_falls_and_plateaus():
    thetas = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    plateau = [np.array([m - 50, m, m + 50]) for m in (700, 710, 720, 730, 740, 800, 1000, 1300, 1800, 4000)]
    steady = [np.array([m - 5, m, m + 5]) for m in np.linspace(700, 4000, 10)]
    ev = claims.evaluate
    assert ev("B-fig5c-trace-falls", thetas=thetas, values=plateau).verdict == "reproduced"
    assert ev("B-fig5c-trace-plateau", thetas=thetas, values=plateau).verdict == "reproduced"
    assert ev("B-fig5d-lambda-falls", thetas=thetas, values=steady).verdict == "reproduced"
    rising_at_strong = [np.array([m - 5, m, m + 5]) for m in (4000, 1000, 900, 800, 700, 690, 680, 670, 660, 650)]
    assert ev("B-fig5d-lambda-falls", thetas=thetas, values=rising_at_strong).verdict == "not reproduced"
    assert ev("B-fig5d-lambda-plateau", thetas=thetas, values=rising_at_strong).verdict == "not reproduced"
    # a convex decrease that keeps falling beyond the networks' spread: no plateau
    convex = [np.array([m - 5, m, m + 5]) for m in 700 * 1.25 ** np.arange(10)]
    assert ev("B-fig5c-trace-falls", thetas=thetas, values=convex).verdict == "reproduced"
    o = ev("B-fig5c-trace-plateau", thetas=thetas, values=convex)
    assert o.verdict == "not reproduced" and "SD there 5.0" in o.measured


def test_check_corruption_claims():
    thetas, sev = [0, 30, 60, 90], [1, 2, 3, 4, 5]
    k = 5
    base = np.linspace(0.80, 0.60, 5)[:, None, None]  # mCA falls with severity
    step = np.array([0.0, -0.005, -0.01, -0.02])[None, :, None]  # falls with θ_init
    noise = 0.001 * np.arange(k)[None, None, :]
    mca_ifa = base + step + noise  # (S, θ, K)
    mca_bp = mca_ifa[:, 0] + 0.01
    ev = claims.evaluate
    assert ev("B-fig6c-mca-rises", thetas=thetas, mca_ifa=mca_ifa, severities=sev).verdict == "reproduced"
    o = ev("B-fig6c-mca-rises", thetas=thetas, mca_ifa=mca_ifa[:, ::-1], severities=sev)
    assert o.verdict == "not reproduced" and "significantly the opposite" in o.measured
    assert ev("B-figS11-fa-below-bp", mca_fa=mca_ifa[:, -1], mca_bp=mca_bp, severities=sev).verdict == "reproduced"
    assert ev("B-figS11-alignment-towards-bp", thetas=thetas, mca_ifa=mca_ifa, mca_bp=mca_bp,
              severities=sev).verdict == "reproduced"
    mixed = mca_ifa.copy()
    mixed[1:] = mixed[1:, ::-1]  # the trend reverses beyond severity 1
    assert ev("B-figS11-alignment-towards-bp", thetas=thetas, mca_ifa=mixed, mca_bp=mca_bp,
              severities=sev).verdict == "partly reproduced"
    # IFA loses 0.20 from severity 1 to 5, FA 0.30: smaller decline in points and in fraction
    ifa0 = np.linspace(0.80, 0.60, 5)[:, None] + noise[0]
    fa = np.linspace(0.78, 0.48, 5)[:, None] + noise[0]
    assert ev("B-figS11-decline-points", mca_ifa0=ifa0, mca_fa=fa, severities=sev).verdict == "reproduced"
    assert ev("B-figS11-decline-fraction", mca_ifa0=ifa0, mca_fa=fa, severities=sev).verdict == "reproduced"
    assert ev("B-figS11-decline-points", mca_ifa0=fa, mca_fa=ifa0, severities=sev).verdict == "not reproduced"
    per_type = np.repeat(mca_ifa[0][None], 15, axis=0)  # (15, θ, K): every type rises with alignment
    assert ev("B-fig6b-every-corruption", thetas=thetas, acc_ifa=per_type, severity=1).verdict == "reproduced"
    some = per_type.copy()
    some[3] = some[3, ::-1]  # one type falls with alignment
    o = ev("B-fig6b-every-corruption", thetas=thetas, acc_ifa=some, severity=1)
    assert o.verdict == "partly reproduced" and "14/15 types, significantly falls on 1" in o.measured
    flat = np.full((15, 4, k), 0.8) + noise  # higher means nowhere: no trend on any type
    assert ev("B-fig6b-every-corruption", thetas=thetas, acc_ifa=flat, severity=1).verdict == "not reproduced"
    # means ordered but within noise (not significant): not reproduced either
    tiny = flat + np.array([0.0, -1e-4, -2e-4, -3e-4])[None, :, None] + 0.01 * np.random.default_rng(0).random((15, 4, k))
    assert ev("B-fig6b-every-corruption", thetas=thetas, acc_ifa=tiny, severity=1).verdict != "reproduced"


def test_check_attack_claims_and_gradient_masking():
    thetas, k = [0.0, 30.0, 60.0, 90.0], 5
    noise = 0.002 * np.arange(k)
    robust = np.array([0.45, 0.50, 0.55, 0.60])[:, None] + noise  # rises with θ, all above BP
    bp = 0.40 + noise
    flat = np.full((4, k), 0.40) + noise  # no better than BP, no trend
    ev = claims.evaluate
    everywhere = dict(ifa={"true": robust, "feedback": robust, "transfer": robust},
                      bp={"true": bp, "feedback": bp, "transfer": bp})
    assert ev("B-fig7b-fgsm-ifa-beats-bp", thetas=thetas, **everywhere).verdict == "reproduced"
    assert ev("B-fig7c-fgsm-misalignment-helps", thetas=thetas, **everywhere).verdict == "reproduced"
    masked = dict(ifa={"true": flat, "feedback": robust, "transfer": flat},
                  bp={"true": bp, "feedback": bp, "transfer": bp})
    o = ev("B-figS12a-bim-ifa-beats-bp", thetas=thetas, **masked)
    assert o.verdict == "not reproduced" and "gradient masking" in o.measured
    o = ev("B-figS13b-pgd-misalignment-helps", thetas=thetas, **masked)
    assert o.verdict == "not reproduced" and "gradient masking" in o.measured
    some = dict(ifa={"true": np.vstack([flat[:2], robust[2:]]), "feedback": flat, "transfer": flat},
                bp={"true": bp, "feedback": bp, "transfer": bp})
    o = ev("B-fig7b-fgsm-ifa-beats-bp", thetas=thetas, **some)
    assert o.verdict == "partly reproduced" and "true: only 60°, 90°" in o.measured
    nowhere = dict(ifa={"true": flat, "feedback": flat, "transfer": flat},
                   bp={"true": bp, "feedback": bp, "transfer": bp})
    assert ev("B-fig7b-fgsm-ifa-beats-bp", thetas=thetas, **nowhere).verdict == "not reproduced"
    # the transfer path (a BP source: confounded by dissimilarity) is shown but never judged
    transfer_only = dict(ifa={"true": flat, "feedback": flat, "transfer": robust},
                         bp={"true": bp, "feedback": bp, "transfer": bp})
    o = ev("B-fig7b-fgsm-ifa-beats-bp", thetas=thetas, **transfer_only)
    assert o.verdict == "not reproduced" and "transfer (confounded, not judged): yes" in o.measured
    o = ev("B-fig7c-fgsm-misalignment-helps", thetas=thetas, **transfer_only)
    assert o.verdict == "not reproduced"


def test_readings_of_paper_a_are_recorded_per_claim():
    # chapter 03: every claim under the text's two readings of δ₂ and the authors' code
    for base in ("A-fig4ad-wn-beta", "A-figs1-case3-wn-more-aligned"):
        readings = {claims.CLAIMS[f"{base}-{sfx}"].reading for sfx in ("eq5", "delta-e", "code")}
        assert readings == {"text, δ₂ = E ⊙ f'(Z₂) (eq. 5)", "text, δ₂ = E", "authors' code"}
    # chapter 06: the Fig 8 claims that involve FA + WN, with B normalized (text) or as drawn (code)
    assert claims.CLAIMS["A-fig8a-fa-comparable-wn"].reading.startswith("text")
    assert claims.CLAIMS["A-fig8a-fa-comparable-wn-code"].reading.startswith("authors' code")
    assert claims.CHECKS["A-fig8a-fa-comparable-wn-code"] is claims.CHECKS["A-fig8a-fa-comparable-wn"]


def test_one_claim_on_two_datasets_is_two_outcomes(tmp_path, capsys):
    bp, bp_wn = np.array([90.0, 91.0]), np.array([80.0, 81.0])
    outs = [claims.evaluate("A-fig6h-wn-bp-error", bp=100 - bp, bp_wn=100 - bp_wn, rests_on=on)
            for on in ("MNIST", "Fashion-MNIST")]
    claims.report("05_deep_fa_with_wn", "book", outs, root=tmp_path)
    assert "[MNIST]" in capsys.readouterr().out
    rows = claims.read_outcomes(tmp_path)
    assert [r["rests_on"] for r in rows] == ["MNIST", "Fashion-MNIST"]
    table = claims.verdict_table(rows)
    assert "**2 verdicts on 1 claim (a claim checked on two datasets has a verdict for each):**" in table
    with pytest.raises(ValueError, match="twice on the same data"):
        claims.report("05_deep_fa_with_wn", "book", outs + outs[:1], root=tmp_path)
