// Relay reads an order by the id relay-compiler persisted: only `documentId` goes out.
import relay from "relay-runtime";
import TrustedOrderQuery from "./out/relay/TrustedOrderQuery.graphql.js";

const { Environment, Network, RecordSource, Store, fetchQuery } = relay;
const { URL, TOKEN, ORDER_ID } = process.env;
const sent = [];
const network = Network.create(async (params, variables) => {
  const body = { documentId: params.id, variables };
  sent.push(body);
  const response = await fetch(URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return response.json();
});
const environment = new Environment({ network, store: new Store(new RecordSource()) });
const data = await fetchQuery(environment, TrustedOrderQuery, { id: ORDER_ID }).toPromise();
console.log(JSON.stringify({ data, sent }));
