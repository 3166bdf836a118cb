"""Paper A's protocol tables (fa_companion.protocol): complete, cited, rendered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fa_companion.ledger import protocol
from fa_companion.ledger.protocol import PROTOCOL, ProtocolRow, markdown_table, protocol_table

BOOK = Path(__file__).resolve().parents[1] / "book"
PAPER_A_CHAPTERS = ("01", "02", "03", "04", "05", "06")
NOTEBOOK = re.compile(r"[A-Za-z0-9_/]+\.ipynb")


def table_lines(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("|")]


def test_every_paper_a_chapter_has_a_table():
    stems = sorted(p.stem for p in BOOK.glob("0[1-6]_*.py"))
    assert [s[:2] for s in stems] == list(PAPER_A_CHAPTERS)
    assert sorted(PROTOCOL) == stems
    for stem in stems:
        assert len(PROTOCOL[stem]) >= 5, stem


@pytest.mark.parametrize("chapter", sorted(PROTOCOL))
def test_rows_are_complete(chapter):
    settings = [row.setting for row in PROTOCOL[chapter]]
    assert len(settings) == len(set(settings)), f"duplicate settings in {chapter}"
    for row in PROTOCOL[chapter]:
        assert isinstance(row, ProtocolRow)
        for field in ("setting", "text", "code", "book"):
            assert getattr(row, field).strip(), (chapter, row.setting, field)
        assert isinstance(row.differs, bool)


@pytest.mark.parametrize("chapter", sorted(PROTOCOL))
def test_code_column_cites_known_notebooks(chapter):
    known = set(protocol.NOTEBOOKS)
    for row in PROTOCOL[chapter]:
        named = NOTEBOOK.findall(row.code)
        assert named or "unavailable" in row.code, (chapter, row.setting)
        for nb in named:
            if nb == protocol.UNAVAILABLE_NOTEBOOK:
                assert "unavailable" in row.code, (chapter, row.setting)
            else:
                assert nb in known, (chapter, row.setting, nb)
        if re.search(r"\bcells?\b", row.code):
            assert named, (chapter, row.setting)


def test_known_notebooks():
    figures = {nb for nb in protocol.NOTEBOOKS if not nb.startswith("my_modules/")}
    assert figures == {"Figure1_2.ipynb", "Figure3.ipynb", "Figure4.ipynb", "Figure5.ipynb",
                       "Figure8_S3.ipynb", "Figure_S1.ipynb"}
    assert protocol.UNAVAILABLE_NOTEBOOK not in protocol.NOTEBOOKS


def test_chapter_05_code_is_marked_unavailable():
    rows = PROTOCOL["05_deep_fa_with_wn"]
    assert all(protocol.UNAVAILABLE_NOTEBOOK in r.code or "my_modules/" in r.code for r in rows)
    assert not any(r.differs for r in rows if "my_modules/" not in r.code)


def test_known_differences_are_flagged():
    """The plotting-cell changes and text/code splits named in issue 14 carry the ≠ flag."""
    expected = {
        "02_alignment_terms": ("Fig 3 η", "Fig 3A band", "BP reference ΔW₀,BP"),
        "03_autocorrelation_and_wn": ("Fig 4B plotting cell", "B normalization under WN",
                                      "Fig S1 'ΔW₁∠Bᵀ' dots", "order of operations, BP reference"),
        "06_flexibility": ("Fig 8A band", "Fig 8B histogram", "label smoothing",
                           "Fig S3 statistic", "B normalization under WN", "η"),
    }
    for chapter, settings in expected.items():
        flagged = protocol.differing(chapter)
        for s in settings:
            assert s in flagged, (chapter, s)
    ch03 = PROTOCOL["03_autocorrelation_and_wn"]
    drift = next(r for r in ch03 if r.setting == "Fig 4B plotting cell")
    assert "Figure4.ipynb cell 11" in drift.code and "0.003" in drift.code
    band = next(r for r in PROTOCOL["06_flexibility"] if r.setting == "Fig 8A band")
    assert "Figure8_S3.ipynb cell 13" in band.code and "0.7" in band.code


@pytest.mark.parametrize("chapter", sorted(PROTOCOL))
def test_table_renders_one_line_per_row(chapter):
    md = protocol_table(chapter, legend=False)
    lines = table_lines(md)
    rows = PROTOCOL[chapter]
    assert len(lines) == 2 + len(rows)
    assert lines[0].startswith("|  | setting | paper text | authors' code | this book |")
    for line, row in zip(lines[2:], rows):
        # five cells, so six unescaped pipes
        assert len(re.findall(r"(?<!\\)\|", line)) == 6, line
        assert line.startswith("| ≠ |") == row.differs
    assert protocol_table(chapter).startswith(md)


def test_pipes_are_escaped_and_lines_joined():
    row = ProtocolRow("a | b", "‖W‖ = |w|", "Figure3.ipynb cell 1:\nx | y", "E = Y* − Y",
                      differs=True)
    md = markdown_table([row, ProtocolRow("s", "t", "Figure4.ipynb cell 2", "b")])
    lines = md.splitlines()
    assert len(lines) == 4
    assert lines[2] == r"| ≠ | a \| b | ‖W‖ = \|w\| | Figure3.ipynb cell 1: x \| y | E = Y\* − Y |"
    assert lines[3] == "|  | s | t | Figure4.ipynb cell 2 | b |"


def test_book_readings_are_stated():
    """Issue 14: MNIST (mnist_t10k) beside Fashion-MNIST in chapters 05-06; the authors'-code
    reading (B as drawn under WN) in chapters 03 and 06."""
    for chapter in ("05_deep_fa_with_wn", "06_flexibility"):
        assert any("mnist_t10k" in r.book for r in PROTOCOL[chapter]), chapter
    for chapter in ("03_autocorrelation_and_wn", "06_flexibility"):
        row = next(r for r in PROTOCOL[chapter] if r.setting == "B normalization under WN")
        assert "authors'-code reading" in row.book and "as drawn" in row.book


def test_empty_fields_are_rejected():
    with pytest.raises(ValueError, match="code"):
        ProtocolRow("s", "t", " ", "b")


def test_chapter_lookup():
    assert protocol.chapter_key("03") == "03_autocorrelation_and_wn"
    assert protocol.chapter_key("book/05_deep_fa_with_wn.py") == "05_deep_fa_with_wn"
    with pytest.raises(KeyError):
        protocol.chapter_key("07_initial_alignment")
