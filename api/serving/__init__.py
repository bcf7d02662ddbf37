"""The GraphQL serving runtime, free of the domain: what any schema served over HTTP and
WebSocket needs, and nothing about orders.

- `lane`: GraphQL over HTTP straight to the endpoint, past Starlette's stack;
  `request_ids`, `transport` (security headers, gzip, favicon), `media` and `body`
  (media types, the body read within its limit), `request_parts`;
- `persisted`: automatic persisted queries, shared through the deployment; `trusted`: the
  trusted documents' manifests, and the gate that runs nothing else;
- `streaming`: which requests ask for a subscription over SSE or multipart HTTP;
- `live/`: live updates for any schema (the broadcast listener, the fan-out, cursors);
- `plans`: fields filled by plans compiled once per selection, `compiled` writing an object's
  plan out as one function, `root_plans` answering a planned read with no graphql-core
  execution; `direct`: a document seen before, past Strawberry's wrapper; `memory`: the bounded
  least-recently-used maps every cache here uses; `ratelimit`: the caller's bucket;
- `socket_ends`: how a socket ends (token expiry, a stopping server, a refusal's reason);
- `deployment/`: what the workers of a machine and the instances on Redis share.

An import-linter contract keeps `domain`, `storage`, `outbound` and the schema out of it.
"""
