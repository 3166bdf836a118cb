"""Layer 9, figures: one house style; every function takes results and returns a Figure."""
