// Shared by the tracking page and the seller board: signing in, GraphQL over HTTP, and live
// updates over graphql-transport-ws (the graphql-ws client) that resume from their cursor.
"use strict";

const TOKEN_KEY = "orderwire.token";
// Refusals that another try cannot fix: the page says so and stops.
const FINAL = new Set(["NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "VALIDATION"]);

const ow = {
  // A provider's session lives in memory only; a pasted or demo token in local storage.
  session: null,
  token: () => (ow.session ? ow.session.accessToken : localStorage.getItem(TOKEN_KEY)),

  // Settled once a return from the identity provider (if this load is one) is complete.
  ready: owSignIn.complete().then((session) => {
    if (session) ow.useSession(session);
  }).catch((failure) => {
    ow.say("problem", failure.message);
  }),

  useSession(session) {
    ow.session = session;
    owSignIn.keepFresh(session, {
      renewed: (next) => { ow.session = next; },
      ended: () => ow.sayWithSignIn("Your sign-in ends soon and cannot be renewed: sign in again to keep following."),
    });
  },

  // A sentence with a "Sign in again" button beside it, back to this very page.
  async sayWithSignIn(text) {
    const node = ow.$("problem");
    const provider = await owSignIn.provider();
    const again = provider ? ow.el("button", { type: "button", class: "signin-again", onclick: () => {
      owSignIn.begin(provider).catch((failure) => ow.say("problem", `The identity provider cannot be reached (${failure.message}).`));
    } }, "Sign in again") : null;
    node.replaceChildren(text, ...(again ? [" ", again] : []));
    node.hidden = false;
  },

  $: (id) => document.getElementById(id),

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  },

  say(id, text) {
    const node = ow.$(id);
    node.textContent = text || "";
    node.hidden = !text;
  },

  async graphql(query, variables = {}) {
    let response;
    try {
      response = await fetch("/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          authorization: `Bearer ${ow.token()}`,
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (failure) {
      return { errors: [{ message: "the server cannot be reached", extensions: { code: "OFFLINE" } }] };
    }
    return response.json();
  },

  // An amount in minor units, in its currency, as this device writes money.
  money: (m) => new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(m.amount / 100),

  code: (errors) => (errors && errors[0] && errors[0].extensions && errors[0].extensions.code) || null,

  day(value) {
    const [y, m, d] = value.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
      weekday: "short", day: "numeric", month: "short", timeZone: "UTC",
    });
  },

  // A moment in `zone` (an IANA name: where it happened) or else this device's, labelled with
  // the zone's short name; the year only when it is not this one.
  moment(value, zone) {
    const when = new Date(value);
    const options = {
      weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit",
      year: when.getFullYear() === new Date().getFullYear() ? undefined : "numeric",
    };
    if (zone) options.timeZone = zone;
    return `${when.toLocaleString(undefined, options)} ${ow.zoneName(when, zone)}`;
  },

  // A zone's short name at that moment: WET, PST, CET where a locale knows one, rather than
  // "GMT+0" (browsers in en-US name few zones outside America; en-GB names Europe's).
  zoneName(when, zone) {
    const named = (locale) => new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" })
      .formatToParts(when).find((part) => part.type === "timeZoneName").value;
    const tried = [undefined, "en-US", "en-GB"].map(named);
    return tried.find((name) => !/^(GMT|UTC)[+-−]/.test(name)) || tried[0];
  },

  // The calendar day (YYYY-MM-DD) a moment falls on in `zone` (this device's without one).
  dayIn(when, zone) {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(when);
    const get = (type) => parts.find((part) => part.type === type).value;
    return `${get("year")}-${get("month")}-${get("day")}`;
  },

  // Sign-in: through the shop's identity provider when the server has one; else a pasted
  // token, or (on a demo server) one of the demo users of the wanted roles.
  async signIn(roles, onSignedIn) {
    const form = ow.$("signin");
    const picker = ow.$("demo-user");
    ow.$("signout").hidden = true;
    const provider = await owSignIn.provider();
    if (provider && owSignIn.wasSignedIn()) {  // a reload: back in at the provider's session
      owSignIn.begin(provider, location.pathname + location.search, { silent: true }).catch(() => {});
      return;
    }
    if (provider) {
      const button = ow.$("provider-signin");
      button.hidden = false;
      button.onclick = () => {
        ow.say("problem", "");
        owSignIn.begin(provider).catch((failure) => {
          ow.say("problem", `The identity provider cannot be reached (${failure.message}). Try again later.`);
        });
      };
      return;
    }
    form.hidden = false;
    form.onsubmit = (event) => {
      event.preventDefault();
      const token = ow.$("token").value.trim();
      if (!token) return;
      localStorage.setItem(TOKEN_KEY, token);
      form.hidden = true;
      onSignedIn();
    };
    const demo = await fetch("/graphiql/demo-users.json").catch(() => null);
    if (!demo || !demo.ok) return;
    const users = (await demo.json()).filter((u) => roles.includes(u.role));
    picker.replaceChildren(
      ow.el("option", { value: "" }, "Choose a demo user"),
      ...users.map((u) => ow.el("option", { value: u.token }, `${u.id} (${u.role.toLowerCase()})`)),
    );
    ow.$("demo").hidden = false;
    picker.onchange = () => {
      if (picker.value) ow.$("token").value = picker.value;
    };
  },

  signedIn(viewer) {
    ow.say("who", `Signed in as ${viewer.id}`);
    const out = ow.$("signout");
    out.hidden = false;
    ow.$("provider-signin").hidden = true;
    out.onclick = () => {
      localStorage.removeItem(TOKEN_KEY);
      if (ow.session) {
        ow.session = null;
        owSignIn.signOut();
        return;
      }
      location.reload();
    };
  },

  // One subscription that survives dropped connections: on a close it reconnects with the
  // cursor of the last update it handled, so nothing is missed and nothing comes twice.
  live({ query, variables, next, state, fatal }) {
    const wanted = { ...variables };
    let attempt = 0;
    let stopped = false;
    let client = null;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;

    const retry = () => {
      if (stopped) return;
      if (client) client.dispose();
      client = null;
      attempt += 1;
      state("reconnecting");
      setTimeout(connect, Math.min(4000, 250 * 2 ** attempt));
    };

    const connect = () => {
      if (stopped) return;
      state(attempt ? "reconnecting" : "connecting");
      client = graphqlWs.createClient({
        url,
        lazy: false,
        retryAttempts: 0,
        keepAlive: 10000,
        connectionParams: { authorization: `Bearer ${ow.token()}` },
        on: {
          connected: () => {
            attempt = 0;
            state("live");
          },
        },
      });
      const sink = {
        next(result) {
          if (result.errors) {
            sink.error(result.errors);
            return;
          }
          const update = Object.values(result.data)[0];
          wanted.after = update.cursor;
          next(update);
        },
        error(failure) {
          const errors = Array.isArray(failure) ? failure : null;
          const code = ow.code(errors);
          const closed = failure && failure.code;  // a CloseEvent
          // A renewed sign-in outlives the token the socket was opened with: reconnect with it.
          const renewed = closed === 4401 && ow.session && ow.session.expiresAt > Date.now() + 5000;
          if (!renewed && (FINAL.has(code) || closed === 4403 || closed === 4401)) {
            stopped = true;
            if (client) client.dispose();
            fatal(code || "UNAUTHENTICATED", errors ? errors[0].message : failure.reason);
            return;
          }
          retry();
        },
        complete: retry,  // the server ended the stream (its channel was lost): resume
      };
      client.subscribe({ query, variables: wanted }, sink);
    };

    connect();
    return { stop: () => { stopped = true; if (client) client.dispose(); } };
  },

  // A refusal the page cannot get past: say why; a bad sign-in asks for a new one. A sign-in
  // that ended under a page already shown leaves the page as it was (marked as no longer
  // kept current) and says who is signed in no more.
  refuse(code, message, { hide, texts = {}, roles, restart }) {
    const ended = code === "UNAUTHENTICATED" && ow.session && !ow.$(hide).hidden;
    ow.showState(null);
    if (ended) {
      ow.session = null;
      ow.$(hide).classList.add("stale");
      ow.say("who", "Signed out: your sign-in ended");
      ow.$("signout").hidden = true;
      ow.sayWithSignIn("Your sign-in has ended, so this page is no longer kept up to date: sign in again to go on.");
      return;
    }
    ow.$(hide).hidden = true;
    const said = {
      UNAUTHENTICATED: "Your sign-in is not valid (wrong or expired token). Sign in again.",
      OFFLINE: "The server cannot be reached. Reload the page to try again.",
      ...texts,
    };
    ow.say("problem", said[code] || message);
    if (code === "UNAUTHENTICATED") {
      localStorage.removeItem(TOKEN_KEY);
      ow.session = null;
      ow.say("who", "");
      ow.$("signout").hidden = true;
      ow.signIn(roles, restart);
    }
  },

  showState(state) {
    const text = {
      connecting: "Connecting to live updates…",
      live: "Live: updates appear as they happen.",
      reconnecting: "Connection lost. Reconnecting…",
    }[state];
    const node = ow.$("connection");
    node.textContent = text || "";
    node.dataset.state = state || "";
  },
};
