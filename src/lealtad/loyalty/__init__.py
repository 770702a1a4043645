"""Loyalty: programs, tiers, points earned and redeemed on every channel, expiry, referrals
(seeds 002 and 003: a customer recognized wherever they buy)."""
