"""Live updates for any schema: subscribers grouped per distinct selection, fed by one
broadcast listener per process, resumable by cursor. Nothing here knows orders: the schema's
side says how a broadcast message is read, how the log fills a gap, and how an update is shown.

- `ports`: what it needs of updates and of their log (`Update`, `LiveSource`, `LiveChannels`);
- `hub`: the broadcast channel's listener and its per-process dispatch (`LiveHub`);
- `fanout`: subscribers grouped per selection (`Fanout`, `follow`), `members` one subscriber
  each (`Member`, `LiveContext`, `LiveErrors`), `selections` which share a group;
- `streams`: resumable cursors and replay-then-live bookkeeping (`SentSoFar`, `Feed`);
- `sockets`: graphql-transport-ws with each operation made known to its resolver; `eager`
  starts a socket write at once; `failures`: why a stream was refused or ended.

Import the modules, not this package: it re-exports nothing.
"""
