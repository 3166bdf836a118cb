"""Layer 8, the claims ledger: every claim of both papers (:mod:`~fa_companion.ledger.claims`,
built from :mod:`~fa_companion.ledger.claims_paper_a` and :mod:`~fa_companion.ledger.claims_paper_b`,
which import only :mod:`~fa_companion.ledger.verdicts`), and the protocol tables."""
