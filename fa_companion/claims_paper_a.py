"""Paper A's claims, as rows of :data:`fa_companion.claims.CLAIMS`:
``(id, paper, figure, statement, check, chapter)``; chapter by chapter, in the papers' order."""

ROWS = (
)
