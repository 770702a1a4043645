"""Loyalty's use cases, the only code that writes its tables: earning from orders and
reversing from returns (:mod:`.earning`), redemptions (:mod:`.redemptions`), adjustments
(:mod:`.adjustments`), referrals (:mod:`.referrals`), expiry and tier reviews
(:mod:`.expiry`), programs and their rules (:mod:`.programs`), members (:mod:`.members`).
Every one takes a batch and writes all of it or nothing."""
