// GraphiQL's page (api/web/graphiql/index.html): its fetcher, sign-in and the editor.
"use strict";

const DEFAULT_QUERY = `# orderwire. Sign in: on a demo server (make run) pick a user in
# "Sign in as" at the top right; elsewhere mint a token with
# \`orderwire token --sub buyer-ana --role BUYER\` and put
# {"Authorization": "Bearer <token>"} in the Headers tab below.
# The schema (Docs, autocomplete) needs no token outside production.
# Run MyOrders, or Live to watch your orders change as it happens.

query MyOrders {
  viewer { id role }
  orders(first: 10) {
    nodes { id status total { amount currency } estimatedDelivery { earliest latest } }
    pageInfo { hasNextPage endCursor }
  }
}

subscription Live {
  myOrderUpdates { cursor event { sequence type status } order { id status } }
}
`;

const httpUrl = window.location.href.split("?")[0];
const wsUrl = httpUrl.replace(/^http/, "ws");
const httpFetcher = GraphiQL.createFetcher({ url: httpUrl });
const e = React.createElement;

// One WebSocket per token: the server signs a socket in from connection_init.
const sockets = new Map();
function socketFor(authorization) {
  const key = authorization || "";
  if (!sockets.has(key)) {
    sockets.set(key, graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: authorization ? { authorization } : {},
      // The server refuses with a 44xx close and its reason (no token, a bad one, too many
      // sockets): trying again changes nothing, so only a dropped connection is retried.
      shouldRetry: (closed) => !(closed && typeof closed.code === "number" && closed.code >= 4000),
    }));
  }
  return sockets.get(key);
}

function isSubscription(params, documentAST) {
  const operations = (documentAST ? documentAST.definitions : []).filter(
    (d) => d.kind === "OperationDefinition",
  );
  const chosen = operations.find(
    (d) => d.name && d.name.value === params.operationName,
  ) || (operations.length === 1 ? operations[0] : null);
  return Boolean(chosen && chosen.operation === "subscription");
}

// A refused socket ends the subscription with a CloseEvent; GraphiQL would print it as
// {"isTrusted":true}. Show the server's own words instead, as a GraphQL error.
async function* withReasons(updates) {
  try {
    for await (const update of updates) yield update;
  } catch (failure) {
    if (!failure || typeof failure.code !== "number") throw failure;
    const message = failure.reason || `The connection closed (${failure.code}).`;
    yield { errors: [{ message, extensions: { closeCode: failure.code } }] };
  }
}

function fetcher(params, options) {
  const headers = (options && options.headers) || {};
  if (isSubscription(params, options && options.documentAST)) {
    const authorization = headers.Authorization || headers.authorization;
    return withReasons(socketFor(authorization).iterate(params));
  }
  return httpFetcher(params, options);
}

// Fetch the schema again once the headers have settled (a token pasted or picked).
let introspectNow = null;
let headersSettling = null;
function headersEdited() {
  clearTimeout(headersSettling);
  headersSettling = setTimeout(() => introspectNow && introspectNow(), 600);
}

// Sign-in through the shop's identity provider, when the server has one: the token goes
// into the Headers tab (not persisted) and is renewed there before it expires.
function ProviderSignIn({ provider, returned }) {
  const [session, setSession] = React.useState(null);
  const [problem, setProblem] = React.useState(returned.problem || "");
  const editors = GraphiQL.React.useEditorContext();
  const schema = GraphiQL.React.useSchemaContext();
  introspectNow = schema.introspect;
  const use = (next) => {
    setSession(next);
    const headers = next ? { Authorization: `Bearer ${next.accessToken}` } : {};
    editors.headerEditor && editors.headerEditor.setValue(JSON.stringify(headers, null, 2));
    headersEdited();
  };
  React.useEffect(() => {
    if (!returned.session || !editors.headerEditor) return;
    use(returned.session);
    owSignIn.keepFresh(returned.session, {
      renewed: use,
      ended: () => setProblem("Your sign-in ends soon and cannot be renewed: sign in again."),
    });
    returned.session = null;
  }, [editors.headerEditor]);
  const button = (label, onClick) => e("button", { type: "button", onClick }, label);
  return e(
    "span",
    { className: "orderwire-signin" },
    problem ? e("span", { role: "alert" }, problem) : null,
    session
      ? [e("span", { key: "who" }, "Signed in"), e("span", { key: "out" }, button("Sign out", () => {
          use(null);
          owSignIn.signOut();
        }))]
      : button("Sign in", () => owSignIn.begin(provider).catch((failure) =>
          setProblem(`The identity provider cannot be reached (${failure.message}).`))),
  );
}

// "Sign in as": the demo users a demo server offers (404, and no picker, elsewhere).
function SignInAs() {
  const [users, setUsers] = React.useState([]);
  const [chosen, setChosen] = React.useState("");
  const editors = GraphiQL.React.useEditorContext();
  const schema = GraphiQL.React.useSchemaContext();
  introspectNow = schema.introspect;
  React.useEffect(() => {
    fetch("/graphiql/demo-users.json")
      .then((answer) => (answer.ok ? answer.json() : []))
      .then(setUsers)
      .catch(() => setUsers([]));
  }, []);
  if (!users.length) return e("span", { className: "orderwire-name" }, "orderwire");
  function pick(event) {
    const key = event.target.value;
    setChosen(key);
    const user = users.find((u) => `${u.role}:${u.id}` === key);
    const headers = user ? { Authorization: `Bearer ${user.token}` } : {};
    editors.headerEditor && editors.headerEditor.setValue(JSON.stringify(headers, null, 2));
    headersEdited();
  }
  return e(
    "label",
    { className: "orderwire-signin" },
    "Sign in as ",
    e(
      "select",
      { value: chosen, onChange: pick, "aria-label": "Sign in as" },
      e("option", { value: "" }, "nobody (schema only)"),
      ...users.map((u) =>
        e("option", { key: `${u.role}:${u.id}`, value: `${u.role}:${u.id}` }, `${u.role.toLowerCase()} ${u.id}`),
      ),
    ),
  );
}

// GraphiQL keeps tabs and history in local storage, headers included; a provider's token
// must stay in memory, so it is blanked out of whatever GraphiQL writes there.
const withoutTokens = {
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) =>
    localStorage.setItem(key, String(value).replace(/Bearer [A-Za-z0-9._~+\/=-]+/g, "Bearer …")),
  removeItem: (key) => localStorage.removeItem(key),
  clear: () => localStorage.clear(),
  get length() { return localStorage.length; },
};

const explorer = GraphiQLPluginExplorer.explorerPlugin();
(async () => {
  const provider = await owSignIn.provider();
  const returned = { session: null, problem: "" };
  try {
    returned.session = await owSignIn.complete();
  } catch (failure) {
    returned.problem = failure.message;
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    e(
      GraphiQL,
      {
        fetcher,
        defaultQuery: DEFAULT_QUERY,
        defaultHeaders: "{}",
        defaultEditorToolsVisibility: true,
        headerEditorEnabled: true,
        // A provider's token stays in memory: never written to local storage.
        shouldPersistHeaders: !provider,
        storage: provider ? withoutTokens : undefined,
        onEditHeaders: headersEdited,
        plugins: [explorer],
      },
      e(GraphiQL.Logo, null, provider ? e(ProviderSignIn, { provider, returned }) : e(SignInAs)),
    ),
  );
})();

// GraphiQL's editors (CodeMirror) type into hidden textareas without a name, and scroll in
// regions a keyboard cannot reach: name each one after its editor, and let its scroll region
// take focus. New editors (tabs, the result) are named as they appear.
const EDITOR_NAMES = [
  [".graphiql-query-editor", "GraphQL document"],
  [".graphiql-editor-tool", "Variables or headers"],
  [".result-window", "Result"],
];
function nameEditors() {
  for (const area of document.querySelectorAll(".CodeMirror textarea:not([aria-label])")) {
    const found = EDITOR_NAMES.find(([selector]) => area.closest(selector));
    area.setAttribute("aria-label", found ? found[1] : "Editor");
  }
  for (const region of document.querySelectorAll(".CodeMirror-scroll:not([tabindex=\"0\"])")) {
    region.setAttribute("tabindex", "0");
    const found = EDITOR_NAMES.find(([selector]) => region.closest(selector));
    region.setAttribute("aria-label", `${found ? found[1] : "Editor"}, scrollable`);
  }
}
new MutationObserver(nameEditors).observe(document.body, { childList: true, subtree: true });
