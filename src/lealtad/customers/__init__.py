"""Customers: the customer record, contact points, consents, identity and the timeline."""
