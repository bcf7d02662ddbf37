// Apollo Client with the persisted query list: the manifest's id goes out, never the text.
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { generatePersistedQueryIdsFromManifest } from "@apollo/persisted-query-lists";

const { URL, TOKEN, ORDER_ID, MANIFEST } = process.env;
const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
const sent = [];
const http = new HttpLink({
  uri: URL,
  headers: { authorization: `Bearer ${TOKEN}` },
  fetch: async (uri, options) => {
    sent.push(JSON.parse(options.body));
    return fetch(uri, options);
  },
});
const persisted = new PersistedQueryLink(
  generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest }),
);
const client = new ApolloClient({ cache: new InMemoryCache(), link: persisted.concat(http) });
const query = gql(readFileSync("src/apollo/order.graphql", "utf8"));
const { data } = await client.query({ query, variables: { id: ORDER_ID } });
console.log(JSON.stringify({ data, sent }));
