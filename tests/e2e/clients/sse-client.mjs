// graphql-sse's own client follows one order's updates over Server-Sent Events, from AFTER
// (a cursor) when given, and prints each update as a JSON line until it has COUNT of them.
import { createClient } from "graphql-sse";

const { URL, TOKEN, ORDER_ID, AFTER, COUNT } = process.env;
const client = createClient({ url: URL, headers: { authorization: `Bearer ${TOKEN}` }, retryAttempts: 0 });
const query = `subscription SseFollow($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) { cursor event { type sequence } order { status } }
}`;
let seen = 0;
for await (const result of client.iterate({ query, variables: { id: ORDER_ID, after: AFTER || null } })) {
  console.log(JSON.stringify(result));
  if (result.errors || ++seen >= Number(COUNT)) break;
}
client.dispose();
