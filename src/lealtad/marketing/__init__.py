"""Marketing: segments, consent-aware campaigns, next-best-offer and the preference center
(seed 004's four decisions per customer: which product, which channel, which message, how often).
"""
