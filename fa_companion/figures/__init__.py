"""Layer 8, figures: one house style; every function takes results and returns a Figure."""
