"""Reads of the analytics context: standings, tiers, cohorts, cube queries, scorecards."""
