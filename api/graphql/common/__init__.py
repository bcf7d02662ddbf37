"""What every domain's schema is built on: the request context, the client error contract,
payloads, pagination, global ids, value types and inputs, enums, and their descriptions."""
