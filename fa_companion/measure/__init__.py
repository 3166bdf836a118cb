"""Layer 6, measurements (numbers, never figures): statistics, cost model, Hessians, loss
landscapes, corruptions and attacks."""
