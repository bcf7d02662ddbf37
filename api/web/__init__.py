"""The pages: the tracking page, the seller board and GraphiQL with its sign-in. Built on the
public API only (GraphQL over HTTP and WebSocket, the file routes) and the settings handed in;
the browser files are in pages/ and graphiql/ (its pinned npm files)."""
