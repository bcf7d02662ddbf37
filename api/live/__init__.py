"""Live updates in one package: what api/graphql and api/http use of it.

- `fanout`: subscribers grouped per distinct selection (`Fanout`, `Member`, `follow`), with
  `LiveContext` and `LiveErrors`, what the GraphQL layer hands it.
- `selections`: which subscriptions share a group (`selection_of`).
- `streams`: resumable cursors and replay-then-live bookkeeping (`SentSoFar`).
- `sockets`: graphql-transport-ws with each operation made known to its resolver
  (`SocketHandler`, `current_socket`).
- `hub`: the broadcast channel's listener and its per-process dispatch (`LiveHub`); publishing
  committed events is outbound's (`outbound/relay.py`).

Nothing here imports api.graphql or api.http (import-linter holds it). Import the modules, not
this package: it re-exports nothing, so GraphQL code that reads a stream cursor does not also
depend on the broadcast backends.
"""
