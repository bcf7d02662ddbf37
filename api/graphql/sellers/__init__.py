"""The seller directory through GraphQL."""
