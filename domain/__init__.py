"""Marketplace order rules in plain Python: aggregates, policies, events, use cases."""
