"""Seller Central through GraphQL: account health, reports, bulk shipments, the watchdog."""
