"""The GraphQL API: schema, auth, app factory and command line."""
