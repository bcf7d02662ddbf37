// A real OpenID Connect provider (panva's certified oidc-provider) for orderwire's tests.
// Usage: node provider.mjs CONFIG.json — the test writes the config (issuer, port, private JWKS,
// clients, accounts, resource servers) and reads "listening" from stdout. Loopback only.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));

// Claims a token carries beyond the standard ones: per signed-in account (authorization code
// flow) or per client (client credentials), as a shop's provider adds roles and shop ids.
const accountClaims = config.accounts ?? {};
const clientClaims = config.clientClaims ?? {};

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ["orderwire-test-cookies"] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub }),
  }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? config.defaultResource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        const server = config.resourceServers[indicator];
        if (!server) throw new Error(`unknown resource ${indicator}`);
        return {
          scope: server.scope ?? "orders",
          audience: server.audience,
          accessTokenTTL: server.ttl ?? 300,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: server.alg ?? "RS256" } },
        };
      },
    },
  },
  extraTokenClaims: async (_ctx, token) =>
    token.accountId ? accountClaims[token.accountId] : clientClaims[token.clientId],
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  clientBasedCORS: () => true,
  ttl: { RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600 },
});

// How often orderwire fetched the keys: the test checks that a flood of made-up key ids
// does not turn into a flood of fetches.
let jwksFetches = 0;
provider.use(async (ctx, next) => {
  if (ctx.path === "/test/jwks-fetches") {
    ctx.body = { fetches: jwksFetches };
    return;
  }
  if (ctx.path === "/jwks") jwksFetches += 1;
  await next();
});

provider.listen(config.port, "127.0.0.1", () => {
  console.log("listening");
});
