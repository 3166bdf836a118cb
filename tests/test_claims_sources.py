"""Paper A's claim records against the paper: every claim quotes its sentence (found verbatim in
the paper's text), names its section and the paper's own value, and every check can fail."""

import re
from pathlib import Path

import pytest

from fa_companion.ledger import claims, claims_paper_a

PAPER_A = Path(__file__).resolve().parents[2] / "shared" / "papers" / "fa_weight_normalization.txt"
A_CLAIMS = [c for c in claims.CLAIMS.values() if c.paper == "A"]


def _normalise(text: str) -> str:
    """Whitespace collapsed, TeX's ``$`` dropped and words hyphenated across a line break joined."""
    text = re.sub(r"(\w)-\s+(\w)", r"\1-\2", text.replace("$", ""))
    return re.sub(r"\s+", " ", text).strip()


def test_every_paper_a_claim_has_its_source():
    missing = [c.id for c in A_CLAIMS if not (c.quote.strip() and c.section.strip() and c.paper_value.strip())]
    assert not missing, f"claims without quote, section or paper value: {missing}"
    assert {c.basis for c in A_CLAIMS} <= set(claims.BASES)


def test_reading_variants_share_their_base_quote():
    for cid, *_ in claims_paper_a._CH03:
        quotes = {claims.CLAIMS[f"{cid}-{sfx}"].quote for sfx, _ in claims_paper_a.CH03_READINGS}
        assert len(quotes) == 1, cid
    for cid, *_ in claims_paper_a._FIG8_WN:
        assert claims.CLAIMS[cid].quote == claims.CLAIMS[f"{cid}-code"].quote


def test_identities_are_labelled_by_construction():
    by_construction = {c.id for c in A_CLAIMS if c.basis == "by construction"}
    assert {"A-eq31-skew-90", "A-eq1-asymptotes", "A-sec21-expected-m", "A-sec22-cond3-expected-m",
            "A-fig2e-all-ones", "A-fig4e-acf"} <= by_construction


@pytest.mark.skipif(not PAPER_A.is_file(), reason="the paper's text is not in this checkout's shared/")
def test_every_paper_a_quote_is_in_the_paper():
    paper = _normalise(PAPER_A.read_text(encoding="utf-8"))
    absent = [c.id for c in A_CLAIMS if _normalise(c.quote) not in paper]
    assert not absent, f"quotes not found verbatim in Paper A: {absent}"


def test_normalise():
    assert _normalise("high-\n\n \ndimensionality of $B^T$") == "high-dimensionality of B^T"
    assert _normalise("a  b\nc") == "a b c"
