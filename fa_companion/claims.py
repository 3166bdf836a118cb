"""The claims ledger: every claim of the two papers that the book checks, and its verdict.

A claim is a :class:`Claim` record in :data:`CLAIMS`: its id, the paper, the figure or table, the
statement, how the book checks it (the statistic and the threshold, fixed before the book-profile
numbers were seen) and the chapter that checks it. A chapter computes each check from its stored
results with :func:`evaluate`, which calls the claim's function in :data:`CHECKS` (pure functions
of arrays in :mod:`fa_companion.claims_paper_a` and :mod:`fa_companion.claims_paper_b`,
unit-tested on synthetic results that must pass and fail; every claim has one except Paper B's
weight-transport cost model, an accounting identity) and ends with :func:`report`, which prints
the verdicts and, at the book
profile, records them as ``book/_generated/claims/<chapter>.json`` (not committed: ``make book``
executes every chapter from ``book/results/`` first). The book's introduction shows the table of
all recorded outcomes, written at build time by this module acting as a Sphinx extension
(:func:`setup`), so the table is generated from the stored results, never typed by hand.

Verdicts are one of :data:`VERDICTS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__, claims_paper_a, claims_paper_b

__all__ = [
    "VERDICTS",
    "Claim",
    "Outcome",
    "CLAIMS",
    "claim",
    "all_or_some",
    "resolved_above",
    "within_factor",
    "CHECKS",
    "evaluate",
    "outcome",
    "report",
    "read_outcomes",
    "verdict_table",
    "setup",
]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not testable here")
"""The four verdicts, from best to worst agreement with the paper."""

OUTCOMES_DIR = "book/_generated/claims"
"""Where :func:`report` records a chapter's outcomes at the book profile (relative to the repo)."""

TABLE = "book/_generated/verdicts.md"
"""The verdict table the introduction includes, written at build time (relative to the repo)."""


@dataclass(frozen=True)
class Claim:
    """One checkable claim of a paper (``paper`` "A" or "B")."""

    id: str
    paper: str
    figure: str
    statement: str
    check: str
    chapter: str


@dataclass(frozen=True)
class Outcome:
    """A claim with what the book measured and the verdict that follows from the claim's check."""

    claim: Claim
    measured: str
    verdict: str

    def line(self) -> str:
        """The line a chapter prints: figure, statement, verdict, measured value."""
        return f"- {self.claim.figure}: {self.claim.statement}: {self.verdict}  [{self.measured}]"


def _claims(*rows: tuple[str, str, str, str, str, str]) -> dict[str, Claim]:
    table = {}
    for row in rows:
        c = Claim(*row)
        if c.id in table:
            raise ValueError(f"duplicate claim id {c.id!r}")
        if c.paper not in ("A", "B"):
            raise ValueError(f"claim {c.id!r}: paper must be 'A' or 'B', got {c.paper!r}")
        table[c.id] = c
    return table


CLAIMS: dict[str, Claim] = _claims(*claims_paper_a.ROWS, *claims_paper_b.ROWS)
"""Every claim the book checks, by id."""


def claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id`` (a ``KeyError`` naming the chapter's valid ids if absent)."""
    if claim_id not in CLAIMS:
        raise KeyError(f"unknown claim {claim_id!r}; registered claims: {', '.join(CLAIMS)}")
    return CLAIMS[claim_id]


# --------------------------------------------------------------------------------------------
# Check functions: pure functions of arrays computed from stored results
# --------------------------------------------------------------------------------------------


def all_or_some(flags: Iterable[bool]) -> str:
    """"reproduced" if every flag holds, "partly reproduced" if some do, else "not reproduced"."""
    flags = [bool(f) for f in flags]
    if not flags:
        raise ValueError("all_or_some needs at least one flag")
    if all(flags):
        return VERDICTS[0]
    return VERDICTS[1] if any(flags) else VERDICTS[2]


def resolved_above(x: Sequence[float], y: Sequence[float]) -> bool:
    """Mean of ``x`` above mean of ``y`` by more than SD(x) + SD(y) (sample SDs): the criterion for
    "clearly above" with 2-3 networks per condition, where a rank-sum test cannot reach p < 0.05."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    sx = x.std(ddof=1) if x.size > 1 else 0.0
    sy = y.std(ddof=1) if y.size > 1 else 0.0
    return bool(x.mean() - y.mean() > sx + sy)


def within_factor(ratio: float, factor: float = 1.25) -> bool:
    """``1/factor ≤ ratio ≤ factor``."""
    if not factor >= 1:
        raise ValueError(f"factor must be ≥ 1, got {factor}")
    return bool(1 / factor <= ratio <= factor)


CHECKS = {**claims_paper_a.CHECKS, **claims_paper_b.CHECKS}
"""Claim id -> its check, a pure function of arrays from stored results returning
``(verdict, measured)``."""


def evaluate(claim_id: str, **data) -> Outcome:
    """The :class:`Outcome` of ``claim_id``'s registered check (:data:`CHECKS`) on ``data``."""
    claim(claim_id)
    if claim_id not in CHECKS:
        raise KeyError(f"claim {claim_id!r} has no check function; claims with one: {', '.join(CHECKS)}")
    verdict, measured = CHECKS[claim_id](**data)
    return outcome(claim_id, verdict, measured)


def outcome(claim_id: str, verdict: str, measured: str) -> Outcome:
    """The :class:`Outcome` of a registered claim; ``verdict`` must be one of :data:`VERDICTS`."""
    if verdict not in VERDICTS:
        raise ValueError(f"claim {claim_id!r}: verdict {verdict!r} is not one of {VERDICTS}")
    return Outcome(claim(claim_id), measured, verdict)


# --------------------------------------------------------------------------------------------
# Recording and the verdict table
# --------------------------------------------------------------------------------------------


def _repo() -> Path:
    from .results import repo_root

    return repo_root()


def report(chapter: str, profile: str, outcomes: Sequence[Outcome], *,
           root: str | Path | None = None) -> None:
    """Print a chapter's verdicts and, at the ``book`` profile, record them for the verdict table
    (``<root>/book/_generated/claims/<chapter>.json``; ``root`` defaults to the repository).

    Every outcome must belong to ``chapter`` and no claim may be reported twice."""
    ids = [o.claim.id for o in outcomes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{chapter}: claims reported twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    foreign = [o.claim.id for o in outcomes if o.claim.chapter != chapter]
    if foreign:
        raise ValueError(f"{chapter}: claims of other chapters reported here: {foreign}")
    for o in outcomes:
        print(o.line())
    if profile != "book":
        return
    path = Path(root or _repo()) / OUTCOMES_DIR / f"{chapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = [{**asdict(o.claim), "measured": o.measured, "verdict": o.verdict} for o in outcomes]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def read_outcomes(root: str | Path | None = None) -> list[dict]:
    """Every recorded outcome under ``<root>/book/_generated/claims/``, in chapter order."""
    folder = Path(root or _repo()) / OUTCOMES_DIR
    rows: list[dict] = []
    for path in sorted(folder.glob("*.json")):
        rows.extend(json.loads(path.read_text(encoding="utf-8")))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def verdict_table(rows: Sequence[Mapping], chapters: Sequence[str] | None = None) -> str:
    """The Markdown verdict table of ``rows`` (as from :func:`read_outcomes`): counts per verdict,
    then one row per claim with a link to its chapter. ``chapters`` (the published ones) lists
    those without recorded outcomes."""
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    lines = [f"**{len(rows)} claim{'' if len(rows) == 1 else 's'} checked:** "
             + ", ".join(f"{n} {v}" for v, n in counts.items()) + ".", ""]
    lines += ["| paper | figure | claim | verdict | measured | chapter |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['paper']} | {_cell(r['figure'])} | {_cell(r['statement'])} | "
                     f"**{r['verdict']}** | {_cell(r['measured'])} | {{doc}}`{r['chapter']}` |")
    missing = [c for c in (chapters or []) if c not in {r["chapter"] for r in rows}]
    if missing:
        lines += ["", "Chapters whose verdicts are not yet in this ledger (see the verdicts at the end "
                  "of each chapter): " + ", ".join(f"{{doc}}`{c}`" for c in missing) + "."]
    return "\n".join(lines) + "\n"


def _builder_inited(app) -> None:
    from .book import toc_chapters

    srcdir = Path(app.srcdir)
    rows = read_outcomes(srcdir)
    table = verdict_table(rows, toc_chapters(srcdir / "book"))
    # {doc} targets are relative to the including page (book/intro.md)
    path = srcdir / TABLE
    if not (path.is_file() and path.read_text(encoding="utf-8") == table):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(table, encoding="utf-8")


def setup(app) -> dict:
    """Sphinx extension entry point: write :data:`TABLE` from the recorded outcomes when the builder
    starts (``make book`` has just executed the chapters, which recorded them)."""
    app.connect("builder-inited", _builder_inited)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
