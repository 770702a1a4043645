"""Customer analytics: who each customer is worth, whether they are leaving, what they buy
together, and the cube and dashboards that show it (issue 12, seeds 001, 003 and 004)."""
