"""Layer 7, Paper A's theory: open-loop networks, angle composition, the synthesis chapter's
experiments."""
