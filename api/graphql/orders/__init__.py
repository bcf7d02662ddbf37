"""Orders through GraphQL: the order and its types, inputs, queries and mutations, scans, the
timeline, feedback and chargebacks, and the live subscriptions."""
