"""Sphinx extension: writes the introduction's verdict table (:data:`TABLE`) from the outcomes the
chapters recorded, when the builder starts (``make book`` has just executed the chapters)."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..ledger.claims import TABLE, read_outcomes, verdict_table
from .book import PAGES, toc_chapters

__all__ = ["setup"]


def _builder_inited(app) -> None:
    srcdir = Path(app.srcdir)
    rows = read_outcomes(srcdir)
    table = verdict_table(rows, [c for c in toc_chapters(srcdir / "book") if c not in PAGES])
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
