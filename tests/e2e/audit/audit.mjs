// The GraphQL-over-HTTP audit: `node audit.mjs URL` prints one JSON line of results.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
console.log(JSON.stringify(results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null }))));
