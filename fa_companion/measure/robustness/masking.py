"""The gradient-masking checklist (Athalye, Carlini & Wagner 2018, §3.1 "obfuscated gradients";
Carlini et al. 2019, "On evaluating adversarial robustness"), applied to one network (or the mean
of an ensemble) attacked along one gradient path (Paper B §4.4, A.4: chapter 12).

Each row compares two measured accuracies under attack and passes or fails; a network whose
robustness comes from a gradient that points the attack the wrong way (masking) fails some:

1. **iterative attacks stronger than single-step**: the best iterative attack (BIM, PGD, PGD with
   restarts, APGD-CE, APGD-DLR) leaves at most the accuracy FGSM leaves (+ ``tol``);
2. **white-box stronger than black-box**: the best white-box attack leaves at most the accuracy the
   transfer attack leaves (+ ``tol``);
3. **unbounded ε reaches zero accuracy**: the best white-box attack at the largest ε leaves at most
   ``zero`` accuracy;
4. **random noise weaker than the attack**: random ±ε signs leave more accuracy than the best
   white-box attack, by more than ``margin`` (5 points by default: attacks with random starts and
   restarts are, on a gradient that carries nothing, the best of several random draws, a little
   stronger than one draw of noise);
5. **gradient-free attack no stronger than gradient attacks**: Square (which only queries scores)
   leaves at least the accuracy of the best white-box attack (− ``tol``).

"Best" means the lowest accuracy. All accuracies are fractions in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CHECKS", "CheckRow", "REQUIRED", "masking_checklist", "passes"]

CHECKS = (
    "iterative stronger than single-step",
    "white-box stronger than transfer",
    "unbounded ε reaches zero accuracy",
    "random noise weaker than the attack",
    "gradient-free no stronger than gradient",
)
"""The rows of :func:`masking_checklist`, in order (Athalye et al. 2018, §3.1)."""

REQUIRED = ("fgsm", "iterative", "transfer", "noise", "gradient_free", "unbounded")
"""The accuracies :func:`masking_checklist` needs."""


@dataclass(frozen=True)
class CheckRow:
    """One row: the check, the two accuracies it compares (``attack`` and its ``reference``, or
    the accuracy and the threshold for row 3), and whether it passed."""

    check: str
    attack: float
    reference: float
    passed: bool
    text: str


def masking_checklist(acc: Mapping[str, float], *, tol: float = 0.01, margin: float = 0.05,
                      zero: float = 0.01) -> list[CheckRow]:
    """The five rows of the checklist from accuracies under attack (fractions): ``fgsm`` (single
    step), ``iterative`` (the lowest of the iterative gradient attacks), ``transfer`` (the lowest
    transfer attack), ``noise`` (random ±ε signs), ``gradient_free`` (Square), all at one ε, and
    ``unbounded`` (the lowest gradient attack at the largest ε). ``tol``: the margin (fraction) a
    comparison of two attacks allows either way; ``margin``: how much more than random noise the
    attack must remove; ``zero``: the accuracy that counts as zero."""
    missing = [k for k in REQUIRED if k not in acc]
    if missing:
        raise ValueError(f"masking_checklist needs accuracies {REQUIRED}; missing {missing}")
    a = {k: float(acc[k]) for k in REQUIRED}
    bad = {k: v for k, v in a.items() if not (math.isfinite(v) and 0.0 <= v <= 1.0)}
    if bad:
        raise ValueError(f"accuracies must be fractions in [0, 1], got {bad}")
    if not all(0 <= v < 1 for v in (tol, margin, zero)):
        raise ValueError(f"tol, margin and zero must be in [0, 1), got tol={tol}, margin={margin}, "
                         f"zero={zero}")
    white = min(a["fgsm"], a["iterative"])

    def pct(v: float) -> str:
        return f"{100 * v:.1f}%"

    rows = [
        (a["iterative"], a["fgsm"], a["iterative"] <= a["fgsm"] + tol,
         f"iterative {pct(a['iterative'])} vs FGSM {pct(a['fgsm'])}"),
        (white, a["transfer"], white <= a["transfer"] + tol,
         f"white-box {pct(white)} vs transfer {pct(a['transfer'])}"),
        (a["unbounded"], zero, a["unbounded"] <= zero,
         f"white-box at the largest ε {pct(a['unbounded'])} (zero: ≤ {pct(zero)})"),
        (white, a["noise"], white < a["noise"] - margin,
         f"white-box {pct(white)} vs noise {pct(a['noise'])}"),
        (a["gradient_free"], white, a["gradient_free"] >= white - tol,
         f"Square {pct(a['gradient_free'])} vs white-box {pct(white)}"),
    ]
    return [CheckRow(check, att, ref, bool(ok), text) for check, (att, ref, ok, text) in zip(CHECKS, rows)]


def passes(rows: list[CheckRow]) -> bool:
    """True when every row of a checklist passed (no sign of gradient masking)."""
    return all(r.passed for r in rows)
