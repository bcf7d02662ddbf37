"""Notification preferences and history through GraphQL."""
