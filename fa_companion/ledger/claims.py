"""The claims ledger: every claim of the two papers that the book checks, and its verdict.

A claim is a :class:`Claim` record in :data:`CLAIMS`: its id, the paper, the figure or table, the
statement, how the book checks it (the statistic and the threshold, fixed before the book-profile
numbers were seen) and the chapter that checks it; and, from the paper's modules' ``SOURCES``, the
paper's own sentence (``quote``, verbatim, with its ``section``), the ``reading`` of the paper the
check takes where the paper can be read two ways (its text or its authors' code; two readings of an
equation), the paper's own number (``paper_value``: a value, a P value, a direction, or "figure
only") and the ``basis`` of the verdict ("measured", or "by construction" for an accounting
identity, which the counts keep apart). A chapter computes each check from its stored
results with :func:`evaluate`, which calls the claim's function in :data:`CHECKS` (pure functions
of arrays in :mod:`fa_companion.ledger.claims_paper_a` and :mod:`fa_companion.ledger.claims_paper_b`,
unit-tested on synthetic results that must pass and fail; every claim has one except Paper B's
weight-transport cost model, an accounting identity) and ends with :func:`report`, which prints
the verdicts and, at the book
profile, records them as ``book/_generated/claims/<chapter>.json`` (not committed: ``make book``
executes every chapter from ``book/results/`` first). The book's introduction shows the table of
all recorded outcomes, written at build time by the Sphinx extension
:mod:`fa_companion.tools.sphinx_verdicts`, so the table is generated from the stored results, never typed by hand.

Verdicts are one of :data:`VERDICTS`. An :class:`Outcome` may be ``provisional``: its verdict rests
on runs that did not meet the paper's protocol (stopped by a cap before the paper's stopping rule,
a network that never trained); the reason is recorded and the counts keep it apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from . import claims_paper_a, claims_paper_b
from .verdicts import VERDICTS, all_or_some, resolved_above, within_factor

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
    "summary",
    "read_outcomes",
    "verdict_table",
]

BASES = ("measured", "by construction")
"""What a verdict rests on: a measurement that could have failed, or an identity true by
construction (counted apart)."""

OUTCOMES_DIR = "book/_generated/claims"
"""Where :func:`report` records a chapter's outcomes at the book profile (relative to the repo)."""

TABLE = "book/_generated/verdicts.md"
"""The verdict table the introduction includes, written at build time (relative to the repo)."""


@dataclass(frozen=True)
class Claim:
    """One checkable claim of a paper (``paper`` "A" or "B").

    ``quote`` is the paper's sentence, verbatim (``section``: where it stands); ``statement`` says
    no more and no less than it, in the book's words; ``reading`` names the reading of the paper
    the check takes ("" where there is one reading); ``paper_value`` is the paper's own number
    for it (or "figure only"); ``basis`` is one of :data:`BASES`."""

    id: str
    paper: str
    figure: str
    statement: str
    check: str
    chapter: str
    quote: str = ""
    section: str = ""
    reading: str = ""
    paper_value: str = ""
    basis: str = "measured"


@dataclass(frozen=True)
class Outcome:
    """A claim with what the book measured and the verdict that follows from the claim's check;
    ``provisional`` says why the verdict is provisional ("" when the runs met the protocol);
    ``rests_on`` names the data the verdict rests on where a chapter checks a claim on more than
    one dataset (e.g. MNIST and Fashion-MNIST; "" otherwise)."""

    claim: Claim
    measured: str
    verdict: str
    provisional: str = ""
    rests_on: str = ""

    def line(self) -> str:
        """The line a chapter prints: figure, statement, reading, verdict, the paper's value and
        ours (and why the verdict is provisional, if it is)."""
        c = self.claim
        reading = ", ".join(x for x in (c.reading, self.rests_on) if x)
        reading = f" [{reading}]" if reading else ""
        basis = f" ({c.basis})" if c.basis != "measured" else ""
        line = (f"- {c.figure}: {c.statement}{reading}: {self.verdict}{basis}"
                f"  [paper: {c.paper_value or 'figure only'}; ours: {self.measured}]")
        return line + (f"  PROVISIONAL: {self.provisional}" if self.provisional else "")


def _claims(rows: Iterable[tuple[str, ...]], sources: Mapping[str, Mapping[str, str]]) -> dict[str, Claim]:
    """The registry from ``(id, paper, figure, statement, check, chapter)`` rows and each id's
    source fields (quote, section, reading, paper_value, basis)."""
    table = {}
    for row in rows:
        c = Claim(*row, **sources.get(row[0], {}))
        if c.id in table:
            raise ValueError(f"duplicate claim id {c.id!r}")
        if c.paper not in ("A", "B"):
            raise ValueError(f"claim {c.id!r}: paper must be 'A' or 'B', got {c.paper!r}")
        if c.basis not in BASES:
            raise ValueError(f"claim {c.id!r}: basis must be one of {BASES}, got {c.basis!r}")
        table[c.id] = c
    unknown = set(sources) - set(table)
    if unknown:
        raise ValueError(f"sources for unregistered claims: {sorted(unknown)}")
    return table


CLAIMS: dict[str, Claim] = _claims((*claims_paper_a.ROWS, *claims_paper_b.ROWS),
                                   {**claims_paper_a.SOURCES, **claims_paper_b.SOURCES})
"""Every claim the book checks, by id."""


def claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id`` (a ``KeyError`` naming the chapter's valid ids if absent)."""
    if claim_id not in CLAIMS:
        raise KeyError(f"unknown claim {claim_id!r}; registered claims: {', '.join(CLAIMS)}")
    return CLAIMS[claim_id]


# --------------------------------------------------------------------------------------------
# Check functions: pure functions of arrays computed from stored results
# --------------------------------------------------------------------------------------------


CHECKS = {**claims_paper_a.CHECKS, **claims_paper_b.CHECKS}
"""Claim id -> its check, a pure function of arrays from stored results returning
``(verdict, measured)``."""


def evaluate(claim_id: str, *, provisional: str = "", rests_on: str = "", **data) -> Outcome:
    """The :class:`Outcome` of ``claim_id``'s registered check (:data:`CHECKS`) on ``data``;
    ``provisional``: why the runs behind it fall short of the paper's protocol, if they do;
    ``rests_on``: the data it rests on, where the chapter checks the claim on several."""
    claim(claim_id)
    if claim_id not in CHECKS:
        raise KeyError(f"claim {claim_id!r} has no check function; claims with one: {', '.join(CHECKS)}")
    verdict, measured = CHECKS[claim_id](**data)
    return outcome(claim_id, verdict, measured, provisional=provisional, rests_on=rests_on)


def outcome(claim_id: str, verdict: str, measured: str, *, provisional: str = "",
            rests_on: str = "") -> Outcome:
    """The :class:`Outcome` of a registered claim; ``verdict`` must be one of :data:`VERDICTS`."""
    if verdict not in VERDICTS:
        raise ValueError(f"claim {claim_id!r}: verdict {verdict!r} is not one of {VERDICTS}")
    return Outcome(claim(claim_id), measured, verdict, provisional, rests_on)


# --------------------------------------------------------------------------------------------
# Recording and the verdict table
# --------------------------------------------------------------------------------------------


def _repo() -> Path:
    from ..store.results import repo_root

    return repo_root()


def report(chapter: str, profile: str, outcomes: Sequence[Outcome], *,
           root: str | Path | None = None) -> None:
    """Print a chapter's verdicts and, at the ``book`` profile, record them for the verdict table
    (``<root>/book/_generated/claims/<chapter>.json``; ``root`` defaults to the repository).

    Every outcome must belong to ``chapter`` and no claim may be reported twice."""
    ids = [(o.claim.id, o.rests_on) for o in outcomes]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i, _ in ids if ids.count((i, _)) > 1})
        raise ValueError(f"{chapter}: claims reported twice on the same data: {twice}")
    foreign = [o.claim.id for o in outcomes if o.claim.chapter != chapter]
    if foreign:
        raise ValueError(f"{chapter}: claims of other chapters reported here: {foreign}")
    for o in outcomes:
        print(o.line())
    _glue_summary(outcomes)
    if profile != "book":
        return
    path = Path(root or _repo()) / OUTCOMES_DIR / f"{chapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = [{**asdict(o.claim), "measured": o.measured, "verdict": o.verdict,
               "provisional": o.provisional, "rests_on": o.rests_on} for o in outcomes]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def summary(outcomes: Sequence[Outcome]) -> str:
    """One line on a chapter's verdicts: how many checked, per verdict (measured, not provisional),
    then how many provisional and by construction, e.g. "12 verdicts: 9 reproduced, 2 partly
    reproduced, 1 not reproduced; 1 provisional"."""
    rows = [{"verdict": o.verdict, "basis": o.claim.basis, "provisional": o.provisional} for o in outcomes]
    n, *per_verdict, provisional, by_construction = _counts(rows)
    text = f"{n} verdict{'' if n == 1 else 's'}: " + ", ".join(
        f"{k} {v}" for v, k in zip(VERDICTS, per_verdict) if k)
    apart = [f"{k} {what}" for k, what in ((provisional, "provisional"), (by_construction, "by construction")) if k]
    return text + (f"; besides these, {' and '.join(apart)}" if apart else "")


SUMMARY_KEY = "verdict_summary"
"""The name under which :func:`report` glues :func:`summary` into the chapter (MyST-NB's ``glue``),
so that the chapter's first paragraph shows it with ``{glue:text}`verdict_summary```."""


def _glue_summary(outcomes: Sequence[Outcome]) -> None:
    try:
        from myst_nb import glue
    except ImportError:  # the book's extra is not installed: nothing to glue into
        return
    glue(SUMMARY_KEY, summary(outcomes), display=False)


def read_outcomes(root: str | Path | None = None) -> list[dict]:
    """Every recorded outcome under ``<root>/book/_generated/claims/``, in chapter order."""
    folder = Path(root or _repo()) / OUTCOMES_DIR
    rows: list[dict] = []
    for path in sorted(folder.glob("*.json")):
        rows.extend(json.loads(path.read_text(encoding="utf-8")))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _counted(row: Mapping) -> bool:
    """Whether a recorded outcome enters the verdict counts: measured, not provisional."""
    return row.get("basis", "measured") == "measured" and not row.get("provisional")


def _counts(rows: Sequence[Mapping]) -> list[int]:
    """[n claims, *per verdict of the counted rows, provisional, by construction]."""
    counted = [r for r in rows if _counted(r)]
    return [len(rows), *(sum(r["verdict"] == v for r in counted) for v in VERDICTS),
            sum(bool(r.get("provisional")) for r in rows),
            sum(r.get("basis", "measured") != "measured" for r in rows)]


_COUNT_HEAD = ("verdicts", *VERDICTS, "provisional", "by construction")


def verdict_table(rows: Sequence[Mapping], chapters: Sequence[str] | None = None) -> str:
    """The Markdown verdict ledger of ``rows`` (as from :func:`read_outcomes`).

    First the totals, then a per-chapter overview (linked), then counts per reading of the papers
    (where a claim is checked under two readings, each is a claim of its own), then every claim,
    grouped by chapter, with its reading, verdict, the paper's value and ours. Verdict counts
    include only measured, non-provisional outcomes; provisional and by-construction outcomes are
    counted apart. ``chapters`` (the published ones) lists those without recorded outcomes."""
    total = _counts(rows)
    n_claims = len({r.get("id", i) for i, r in enumerate(rows)})
    head = (f"{total[0]} claim{'' if total[0] == 1 else 's'} checked" if n_claims == total[0] else
            f"{total[0]} verdicts on {n_claims} claim{'' if n_claims == 1 else 's'} (a claim checked on two "
            "datasets has a verdict for each)")
    lines = [f"**{head}:** "
             + ", ".join(f"{n} {v}" for v, n in zip(VERDICTS, total[1:5]))
             + f"; besides these, {total[5]} provisional (runs short of the paper's protocol) and "
             f"{total[6]} true by construction.", ""]
    by_chapter: dict[str, list[Mapping]] = {}
    for r in rows:
        by_chapter.setdefault(r["chapter"], []).append(r)
    lines += ["| chapter | paper | " + " | ".join(_COUNT_HEAD) + " |",
              "|---|---|" + "---:|" * len(_COUNT_HEAD)]
    for chapter, rs in by_chapter.items():
        papers = "".join(sorted({r["paper"] for r in rs}))
        lines.append(f"| {{doc}}`{chapter}` | {papers} | " + " | ".join(map(str, _counts(rs))) + " |")
    readings: dict[tuple[str, str], list[Mapping]] = {}
    for r in rows:
        if r.get("reading"):
            readings.setdefault((r["paper"], r["reading"]), []).append(r)
    # the readings that several claims share (the paper's text against its authors' code, two
    # readings of an equation); a reading of one ambiguous sentence stands in the full table only
    readings = {k: rs for k, rs in readings.items() if len({r.get("id") for r in rs}) > 1}
    if readings:
        lines += ["", "Verdicts per reading of a paper, where several claims are checked under more than "
                  "one (each reading's verdicts are listed in the full table below):", "",
                  "| paper | reading | " + " | ".join(_COUNT_HEAD) + " |",
                  "|---|---|" + "---:|" * len(_COUNT_HEAD)]
        for (paper, reading), rs in sorted(readings.items()):
            lines.append(f"| {paper} | {_cell(reading)} | " + " | ".join(map(str, _counts(rs))) + " |")
    for chapter, rs in by_chapter.items():
        lines += ["", f"**{{doc}}`{chapter}`**", "",
                  "| figure | claim | reading, data | verdict | paper | ours |", "|---|---|---|---|---|---|"]
        for r in rs:
            verdict = f"**{r['verdict']}**"
            if r.get("basis", "measured") != "measured":
                verdict += f" ({r['basis']})"
            if r.get("provisional"):
                verdict += f" (provisional: {_cell(r['provisional'])})"
            reading = ", ".join(x for x in (r.get("reading", ""), r.get("rests_on", "")) if x)
            lines.append(f"| {_cell(r['figure'])} | {_cell(r['statement'])} | {_cell(reading)} | "
                         f"{verdict} | {_cell(r.get('paper_value') or 'figure only')} | {_cell(r['measured'])} |")
    missing = [c for c in (chapters or []) if c not in by_chapter]
    if missing:
        lines += ["", "Chapters whose verdicts are not yet in this ledger (see the verdicts at the end "
                  "of each chapter): " + ", ".join(f"{{doc}}`{c}`" for c in missing) + "."]
    return "\n".join(lines) + "\n"
