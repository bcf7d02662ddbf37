// Apollo Client 4's HttpLink follows one order's updates as a multipart HTTP subscription,
// from AFTER (a cursor) when given, printing each update as a JSON line until COUNT.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const { URL, TOKEN, ORDER_ID, AFTER, COUNT } = process.env;
const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: new HttpLink({ uri: URL, headers: { authorization: `Bearer ${TOKEN}` } }),
});
const query = gql`subscription MultipartFollow($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) { cursor event { type sequence } order { id status } }
}`;
await new Promise((resolve, reject) => {
  let seen = 0;
  const subscription = client
    .subscribe({ query, variables: { id: ORDER_ID, after: AFTER || null } })
    .subscribe({
      next(result) {
        console.log(JSON.stringify(result));
        if (result.error || ++seen >= Number(COUNT)) {
          subscription.unsubscribe();
          resolve();
        }
      },
      error: reject,
      complete: resolve,
    });
});
