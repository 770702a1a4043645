"""Loyalty's pure core: points earned by rule, expiry oldest-first, tier qualification over a
rolling window with a grace period. Plain Python, no Django: tested and benchmarked alone."""
