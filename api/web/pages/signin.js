// Sign-in through the shop's identity provider (OpenID Connect), for the pages and GraphiQL:
// the authorization-code flow with PKCE, the token kept in memory only (never in storage),
// renewed with the refresh token before it expires, and a sign-out at the provider.
// Loaded before the page's own script: a return from the provider is tidied off the address
// at once, so the page reads its own path (/track/{orderId}) as if it had never left.
"use strict";

const owSignIn = (() => {
  const FLOW_KEY = "orderwire.signin";  // only the PKCE verifier and state, for one round trip
  // That this tab was signed in (never the token): a reload signs in again silently, at the
  // provider's own session (prompt=none), so a reload does not forget who is signed in.
  const SIGNED_IN_KEY = "orderwire.signedin";
  const RENEW_AT = 0.8;  // of the token's lifetime

  const pending = (() => {
    const params = new URLSearchParams(location.search);
    const code = params.get("code");
    const state = params.get("state");
    const error = params.get("error");
    if (!state) return null;
    const saved = JSON.parse(sessionStorage.getItem(FLOW_KEY) || "null");
    if (saved && saved.signedOut && saved.state === state) {  // back from signing out
      sessionStorage.removeItem(FLOW_KEY);
      history.replaceState(null, "", saved.back);
      return null;
    }
    if (!(code || error)) return null;
    sessionStorage.removeItem(FLOW_KEY);
    if (!saved || saved.state !== state) return { problem: "The sign-in could not be completed (it was started elsewhere). Sign in again." };
    history.replaceState(null, "", saved.back);
    if (error && saved.silent) {  // no session at the provider any more: ask, quietly
      sessionStorage.removeItem(SIGNED_IN_KEY);
      return null;
    }
    if (error) return { problem: `The identity provider refused the sign-in: ${params.get("error_description") || error}.` };
    return { code, saved };
  })();

  let configPromise = null;
  let discoveryPromise = null;

  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

  // The page the provider sends the browser back to: one registered address per page kind.
  const callback = (back) => {
    const kind = back.startsWith("/track") ? "/track" : back.startsWith("/seller") ? "/seller" : "/graphql";
    return `${location.origin}${kind}`;
  };

  async function discovery(config) {
    discoveryPromise = discoveryPromise || fetch(
      `${config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
    ).then((answer) => {
      if (!answer.ok) throw new Error(`discovery answered ${answer.status}`);
      return answer.json();
    });
    return discoveryPromise;
  }

  async function token(config, form) {
    const endpoints = await discovery(config);
    const answer = await fetch(endpoints.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: config.clientId, ...form }),
    });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(body.error_description || body.error || `token endpoint answered ${answer.status}`);
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token || null,
      expiresAt: Date.now() + (body.expires_in || 300) * 1000,
      lifetime: (body.expires_in || 300) * 1000,
    };
  }

  return {
    // The provider's settings from the server, or null when it has none (demo picker instead).
    provider() {
      configPromise = configPromise || fetch("/auth/config.json")
        .then((answer) => (answer.ok ? answer.json() : null))
        .catch(() => null);
      return configPromise;
    },

    // Whether this tab was signed in before a reload (and has not signed out since).
    wasSignedIn: () => sessionStorage.getItem(SIGNED_IN_KEY) === "1",

    // Off to the provider's login page; it sends the browser back to `back`. `silent`: no page
    // at the provider (prompt=none), for a reload while its session lasts.
    async begin(config, back = location.pathname + location.search, { silent = false } = {}) {
      const endpoints = await discovery(config);
      const verifier = random();
      const state = random();
      const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
      sessionStorage.setItem(FLOW_KEY, JSON.stringify({ verifier, state, back, silent }));
      const query = new URLSearchParams({
        response_type: "code",
        client_id: config.clientId,
        redirect_uri: callback(back),
        scope: config.scopes,
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
      });
      if (config.audience) query.set("audience", config.audience);  // Auth0 and alike ask for it
      if (silent) query.set("prompt", "none");
      location.assign(`${endpoints.authorization_endpoint}?${query}`);
    },

    // The session a return from the provider brings (null if this load is not one);
    // throws with a sentence to show when the sign-in failed.
    async complete() {
      if (!pending) return null;
      if (pending.problem) {
        sessionStorage.removeItem(SIGNED_IN_KEY);  // never a silent try again after a failure
        throw new Error(pending.problem);
      }
      const config = await this.provider();
      try {
        const session = await token(config, {
          grant_type: "authorization_code",
          code: pending.code,
          redirect_uri: callback(pending.saved.back),
          code_verifier: pending.saved.verifier,
        });
        sessionStorage.setItem(SIGNED_IN_KEY, "1");
        return session;
      } catch (failure) {
        sessionStorage.removeItem(SIGNED_IN_KEY);
        throw new Error(`The sign-in could not be completed: ${failure.message}. Sign in again.`);
      }
    },

    // Renew the session before it expires; `ended` when that is not possible any more.
    keepFresh(session, { renewed, ended }) {
      const wait = Math.max(1000, session.lifetime * RENEW_AT - (session.lifetime - (session.expiresAt - Date.now())));
      setTimeout(async () => {
        if (!session.refreshToken) {
          ended();
          return;
        }
        try {
          const config = await this.provider();
          const next = await token(config, { grant_type: "refresh_token", refresh_token: session.refreshToken });
          renewed(next);
          this.keepFresh(next, { renewed, ended });
        } catch (failure) {
          ended();
        }
      }, wait);
    },

    // Sign out at the provider too, back to `back` signed out.
    // (client_id names the client; no id_token_hint, which some providers refuse once renewed.)
    async signOut(back = location.pathname) {
      sessionStorage.removeItem(SIGNED_IN_KEY);
      const config = await this.provider();
      const endpoints = config && await discovery(config).catch(() => null);
      if (!endpoints || !endpoints.end_session_endpoint) {
        location.assign(back);
        return;
      }
      const state = random();
      sessionStorage.setItem(FLOW_KEY, JSON.stringify({ state, back, signedOut: true }));
      const query = new URLSearchParams({
        client_id: config.clientId,
        post_logout_redirect_uri: callback(back),
        state,
      });
      location.assign(`${endpoints.end_session_endpoint}?${query}`);
    },
  };
})();
