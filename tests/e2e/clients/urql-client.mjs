// urql with GraphQL Code Generator's client preset: each document's persisted hash goes out.
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { CodegenOrderDocument } from "./out/gqljs/graphql.js";

const { URL, TOKEN, ORDER_ID } = process.env;
const sent = [];
const client = new Client({
  url: URL,
  fetchOptions: { headers: { authorization: `Bearer ${TOKEN}` } },
  fetch: async (uri, options) => {
    sent.push(options.body ? JSON.parse(options.body) : String(uri));
    return fetch(uri, options);
  },
  exchanges: [
    persistedExchange({
      enforcePersistedQueries: true,
      enableForMutation: true,
      generateHash: async (_, document) => document.__meta__.hash.replace("sha256:", ""),
    }),
    fetchExchange,
  ],
});
const result = await client.query(CodegenOrderDocument, { id: ORDER_ID }).toPromise();
console.log(JSON.stringify({ data: result.data, error: result.error?.message ?? null, sent }));
