"""Returns, A-to-Z claims and the buyer-seller thread through GraphQL."""
