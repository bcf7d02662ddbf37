// The seller's order queue: filtered, sorted, searched and paged by the server, acted on in
// bulk through the public API, and kept current by the feed without losing place or focus.
"use strict";

const ROW = `id version status fulfillmentChannel shippingSpeed shipBy deliverBy placedAt buyerId
  shippingAddress { name city countryCode } items { sku quantity } total { amount currency }
  cancellationRequest { reason closedAt } predictedDelivery { date atRisk }`;
const PAGE = `query BoardPage($filter: OrderFilter, $sort: OrderSort!, $first: Int, $after: String, $last: Int, $before: String) {
  orders(filter: $filter, orderBy: $sort, first: $first, after: $after, last: $last, before: $before) {
    nodes { ${ROW} }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}`;
const VIEWER = "query BoardViewer { viewer { id role updatesCursor now } }";
const TOTALS = `query BoardTotals($today: DateTime!, $now: DateTime!) {
  today: orders(filter: {statuses: [UNSHIPPED, PARTIALLY_SHIPPED], shipByBefore: $today}) { totalCount }
  overdue: orders(filter: {statuses: [UNSHIPPED, PARTIALLY_SHIPPED], shipByBefore: $now}) { totalCount }
}`;
const IDS = `query BoardIds($filter: OrderFilter, $sort: OrderSort!, $after: String) {
  orders(filter: $filter, orderBy: $sort, first: 100, after: $after) {
    nodes { id status } pageInfo { hasNextPage endCursor }
  }
}`;
const FOLLOW = `subscription BoardFeed($after: String) {
  sellerOrderUpdates(after: $after) { cursor event { type sequence } order { ${ROW} } }
}`;
const SHIP = `mutation BoardShip($inputs: [ConfirmShipmentInput!]!) {
  confirmShipments(inputs: $inputs) {
    results { index orderId outcome order { ${ROW} } error { code message field } }
    errors { code message field }
  }
}`;
const CANCEL = `mutation BoardCancel($inputs: [CancelOrderInput!]!) {
  cancelOrders(inputs: $inputs) {
    results { orderId outcome order { ${ROW} } error { code message } }
    errors { code message }
  }
}`;

const CANCEL_REASONS = [...document.querySelectorAll("#cancel-reason option")].map((o) => o.value).filter(Boolean);
const MAX_SELECTED = 500;
const TO_SHIP = ["UNSHIPPED", "PARTIALLY_SHIPPED"];
const VIEWS = {
  TO_SHIP: { title: "Orders to ship", statuses: TO_SHIP },
  TODAY: { title: "Orders to ship today", statuses: TO_SHIP, before: "today" },
  OVERDUE: { title: "Overdue orders", statuses: TO_SHIP, before: "now" },
  PENDING: { title: "Orders awaiting payment", statuses: ["PENDING"] },
  SHIPPED: { title: "Shipped orders", statuses: ["SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERY_ATTEMPTED", "DELIVERY_EXCEPTION"] },
  DELIVERED: { title: "Delivered orders", statuses: ["DELIVERED"] },
  CANCELED: { title: "Canceled orders", statuses: ["CANCELED"] },
  REQUESTED: { title: "Cancellation requests", statuses: null, requested: true },
  ALL: { title: "All orders", statuses: null },
};
const STATUS_TEXT = {
  PENDING: "Pending payment", UNSHIPPED: "Unshipped", PARTIALLY_SHIPPED: "Partly shipped",
  SHIPPED: "Shipped", IN_TRANSIT: "In transit", OUT_FOR_DELIVERY: "Out for delivery",
  DELIVERY_ATTEMPTED: "Delivery attempted", DELIVERY_EXCEPTION: "Delivery problem",
  DELIVERED: "Delivered", CANCELED: "Canceled",
};
const SPEED_TEXT = { STANDARD: "Standard", EXPEDITED: "Expedited", ONE_DAY: "One day", SAME_DAY: "Same day" };

const shown = new Map();  // id -> order, the rows of this page in their order
const selected = new Map();  // id -> status, kept across pages and live updates
let page = { after: null, before: null, info: null };
let skew = 0;  // the marketplace's clock minus this device's, in ms
let ticking = null;

const now = () => new Date(Date.now() + skew);
const money = ow.money;
const endOfToday = () => { const d = now(); d.setHours(23, 59, 59, 999); return d; };

function view() { return VIEWS[ow.$("filter-status").value] || VIEWS.TO_SHIP; }

function currentFilter() {
  const chosen = view();
  const filter = {};
  if (chosen.statuses) filter.statuses = chosen.statuses;
  if (chosen.requested) filter.cancellationRequested = true;
  if (chosen.before === "now") filter.shipByBefore = now().toISOString();
  if (chosen.before === "today") filter.shipByBefore = endOfToday().toISOString();
  const channel = ow.$("filter-channel").value;
  const speed = ow.$("filter-speed").value;
  const search = ow.$("search").value.trim();
  if (channel) filter.fulfillmentChannel = channel;
  if (speed) filter.shippingSpeeds = [speed];
  if (search) filter.search = search;
  // The date range in this device's days: from the start of the first to the end of the last.
  const from = ow.$("placed-from").value;
  const to = ow.$("placed-to").value;
  if (from) filter.placedFrom = new Date(`${from}T00:00:00`).toISOString();
  if (to) filter.placedBefore = new Date(new Date(`${to}T00:00:00`).getTime() + 86400000).toISOString();
  return filter;
}

function countdown(order) {
  if (!TO_SHIP.includes(order.status) || !order.shipBy) return { text: "", late: false };
  const left = new Date(order.shipBy) - now();
  const minutes = Math.round(Math.abs(left) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const span = days ? `${days} d ${hours} h` : hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
  return left >= 0 ? { text: `Ship within ${span}`, late: false } : { text: `Overdue by ${span}`, late: true };
}

function cells(order) {
  const due = countdown(order);
  const to = order.shippingAddress;
  const items = order.items.map((i) => `${i.quantity} × ${i.sku}`).join(", ");
  return [
    ow.el("th", { scope: "row" },
      ow.el("a", { class: "order-id", href: `/track/${encodeURIComponent(order.id)}`, title: "The order's page: everything about it and its timeline" }, order.id),
      ow.el("small", {}, items)),
    ow.el("td", {}, to.name, ow.el("small", {}, order.buyerId)),
    ow.el("td", {}, `${to.city}, ${to.countryCode}`),
    ow.el("td", {}, SPEED_TEXT[order.shippingSpeed] || order.shippingSpeed),
    ow.el("td", { class: "number" }, money(order.total)),
    ow.el("td", {}, ow.el("time", { datetime: order.placedAt }, ow.moment(order.placedAt))),
    ow.el("td", { class: "order-status" }, STATUS_TEXT[order.status] || order.status, ...asked(order)),
    ow.el("td", {},
      ow.el("span", { class: due.late ? "countdown late" : "countdown", "data-ship-by": order.shipBy || "" }, due.text),
      order.shipBy ? ow.el("small", { class: "ship-by" }, `Ship by ${ow.moment(order.shipBy)}`) : "",
      order.deliverBy ? ow.el("small", { class: "deliver-by" }, `Deliver by ${ow.day(order.deliverBy)}`) : "",
      ...atRisk(order)),
  ];
}

// A parcel likely to miss the promise while there is time to act (docs/predictions.md).
function atRisk(order) {
  const likely = order.predictedDelivery;
  if (!likely || !likely.atRisk) return [];
  return [ow.el("small", { class: "at-risk", title: "Likely to arrive after the promised day: reship faster, or tell the buyer" },
    `At risk: likely ${ow.day(likely.date)}`)];
}

// An open request from the buyer to cancel: cancel it (not counted against the seller) or ship.
function asked(order) {
  const request = order.cancellationRequest;
  if (!request || request.closedAt) return [];
  return [ow.el("small", { class: "cancel-request" }, `Buyer asks to cancel: ${request.reason}`)];
}

function row(order, fresh) {
  const box = ow.el("input", {
    type: "checkbox", class: "pick", "aria-label": `Select ${order.id}`, checked: selected.has(order.id),
    onchange: (event) => { pick(order, event.target.checked); },
  });
  return ow.el(
    "tr", { "data-order": order.id, "data-status": order.status, class: fresh ? "fresh" : null },
    ow.el("td", {}, box), ...cells(order), ow.el("td", { class: "result", "aria-live": "polite" }),
  );
}

// Change a row's cells in place: its checkbox, its result and whatever has focus stay.
function refresh(order) {
  if (shown.has(order.id)) shown.set(order.id, order);
  const tr = document.querySelector(`tr[data-order="${CSS.escape(order.id)}"]`);
  if (!tr) return;
  tr.dataset.status = order.status;
  const fresh = cells(order);
  const old = [...tr.children].slice(1, 1 + fresh.length);
  old.forEach((cell, n) => cell.replaceWith(fresh[n]));
  if (selected.has(order.id)) selected.set(order.id, order.status);
}

function pick(order, on) {
  if (on && selected.size >= MAX_SELECTED) {
    ow.say("problem", `At most ${MAX_SELECTED} orders at once.`);
    return;
  }
  if (on) selected.set(order.id, order.status); else selected.delete(order.id);
  showSelection();
}

function showSelection() {
  ow.$("selected-count").textContent = `${selected.size} selected`;
  for (const id of ["bulk-ship", "bulk-slips", "bulk-cancel"]) ow.$(id).disabled = selected.size === 0;
  const boxes = [...document.querySelectorAll("#orders .pick")];
  ow.$("select-page").checked = boxes.length > 0 && boxes.every((b) => b.checked);
}

// Whether an order belongs in the view as the server would filter it: its statuses, ship-by
// bound, buyer's request, channel and speed. A search is the server's to answer: a live order
// waits for a reload there.
function matches(order) {
  const filter = currentFilter();
  if (filter.statuses && !filter.statuses.includes(order.status)) return false;
  if (filter.shipByBefore && !(order.shipBy && new Date(order.shipBy) < new Date(filter.shipByBefore))) return false;
  const request = order.cancellationRequest;
  if (filter.cancellationRequested && !(request && !request.closedAt)) return false;
  if (filter.fulfillmentChannel && order.fulfillmentChannel !== filter.fulfillmentChannel) return false;
  if (filter.shippingSpeeds && !filter.shippingSpeeds.includes(order.shippingSpeed)) return false;
  if (filter.placedFrom && new Date(order.placedAt) < new Date(filter.placedFrom)) return false;
  if (filter.placedBefore && new Date(order.placedAt) >= new Date(filter.placedBefore)) return false;
  return !filter.search;
}

let total = 0;  // how many orders the view holds, as the server last counted them
function showCount() {
  ow.$("count").textContent = `${shown.size} shown of ${total}`;
}

// An order not on this page that now belongs in the view: the server places it. The page is
// read again as it was asked for (same cursor), a moment later so a burst is one read; rows new
// to it fade in, the others keep their selection, and the count is the server's.
let rereading = null;
function reread() {
  clearTimeout(rereading);
  rereading = setTimeout(() => {
    if (!retrying) load(page.direction, { live: true });  // a throttled load will read it anyway
  }, 300);
}

// A row whose order left the view (canceled under "To ship", shipped under "Overdue") goes.
function leave(order) {
  if (!shown.has(order.id)) return;  // gone already (the answer and the feed both say so)
  const tr = document.querySelector(`tr[data-order="${CSS.escape(order.id)}"]`);
  if (tr) tr.remove();
  shown.delete(order.id);
  selected.delete(order.id);
  total = Math.max(0, total - 1);
  showCount();
  showSelection();
}

let throttled = false;
let retrying = null;  // the one load waiting out a THROTTLED answer; a newer load replaces it
let loads = 0;  // the latest load's number: an answer to an earlier one arriving later is dropped

async function load(direction = null, { live = false } = {}) {
  clearTimeout(retrying);
  retrying = null;
  const mine = ++loads;
  const variables = { filter: currentFilter(), sort: ow.$("sort").value };
  showSort();
  const size = Number(ow.$("page-size").value);
  if (live && page.asked) Object.assign(variables, page.asked);  // the same page again
  else if (direction === "previous") Object.assign(variables, { last: size, before: page.info.startCursor });
  else if (direction === "next") Object.assign(variables, { first: size, after: page.info.endCursor });
  else variables.first = size;
  const asked = { first: variables.first, after: variables.after, last: variables.last, before: variables.before };
  const body = await ow.graphql(PAGE, variables);
  if (mine !== loads) return;  // the view changed meanwhile (sort, then page size): its answer rules
  if (body.errors) {
    const refusal = body.errors[0];
    const code = refusal.extensions && refusal.extensions.code;
    if (code === "THROTTLED") {  // paging faster than the rate limit: wait as told, then go on
      const wait = Math.max(1, Math.ceil(refusal.extensions.retryAfterSeconds || 1));
      ow.say("problem", `Too many requests at once: trying again in ${wait} s.`);
      throttled = true;
      retrying = setTimeout(() => load(direction, { live }), wait * 1000);
      return;
    }
    ow.say("problem", refusal.message);
    return;
  }
  if (throttled) ow.say("problem", "");  // only the note this function put there
  throttled = false;
  const found = body.data.orders;
  page.info = found.pageInfo;
  page.asked = asked;
  page.direction = direction;
  const before = new Set(shown.keys());
  // A row read again keeps the answer its last action left in it.
  const said = new Map([...document.querySelectorAll("#orders tr")].map((tr) => [tr.dataset.order, tr.querySelector(".result")]));
  shown.clear();
  for (const order of found.nodes) shown.set(order.id, order);
  ow.$("orders").replaceChildren(...found.nodes.map((o) => row(o, live && !before.has(o.id))));
  if (live) {
    for (const tr of ow.$("orders").children) {
      const kept = said.get(tr.dataset.order);
      if (kept) tr.querySelector(".result").replaceWith(kept);
    }
  }
  ow.$("heading").textContent = view().title;
  document.title = `${view().title} · orderwire`;
  total = found.totalCount;
  showCount();
  ow.$("previous").disabled = !found.pageInfo.hasPreviousPage;
  ow.$("next").disabled = !found.pageInfo.hasNextPage;
  showSelection();
  if (!direction) totals();  // another page of the same queue leaves the totals as they were
}

let totalsPending = null;
function totals() {
  clearTimeout(totalsPending);
  totalsPending = setTimeout(async () => {
    const body = await ow.graphql(TOTALS, { today: endOfToday().toISOString(), now: now().toISOString() });
    if (body.errors) return;
    const { today, overdue } = body.data;
    ow.$("totals").textContent = `${today.totalCount} to ship today, ${overdue.totalCount} overdue`;
  }, 200);
}

async function selectAllMatching() {
  let after = null;
  do {
    const body = await ow.graphql(IDS, { filter: currentFilter(), sort: ow.$("sort").value, after });
    if (body.errors) { ow.say("problem", body.errors[0].message); return; }
    for (const order of body.data.orders.nodes) {
      if (selected.size >= MAX_SELECTED) break;
      selected.set(order.id, order.status);
    }
    after = body.data.orders.pageInfo.hasNextPage ? body.data.orders.pageInfo.endCursor : null;
  } while (after && selected.size < MAX_SELECTED);
  for (const box of document.querySelectorAll("#orders .pick")) box.checked = selected.has(box.closest("tr").dataset.order);
  showSelection();
}

function result(orderId, text, ok) {
  const tr = document.querySelector(`tr[data-order="${CSS.escape(orderId)}"]`);
  if (!tr) return;
  const cell = tr.querySelector(".result");
  cell.textContent = text;
  cell.className = ok ? "result ok" : "result bad";
}

function showShipForm() {
  ow.$("cancel-form").hidden = true;
  const rows = [...selected.keys()].map((id) => ow.el(
    "p", { class: "ship-row" },
    ow.el("label", {}, `Tracking for ${id} `, ow.el("input", { "data-order": id, class: "ship-tracking" })),
  ));
  ow.$("ship-rows").replaceChildren(...rows);
  ow.say("ship-sheet-problem", "");
  ow.$("ship-form").hidden = false;
  ow.$("ship-carrier").focus();
}

// "ord_…, 1Z…" per line (comma or tab): fills the tracking boxes, or names the row at fault.
function pasteSheet() {
  const lines = ow.$("ship-sheet").value.split(/\r?\n/);
  for (const [n, line] of lines.entries()) {
    if (!line.trim()) continue;
    const [orderId, tracking, extra] = line.split(/[\t,]/).map((v) => v.trim());
    const box = document.querySelector(`.ship-tracking[data-order="${CSS.escape(orderId || "")}"]`);
    if (!orderId || !tracking || extra !== undefined || !box) {
      ow.say("ship-sheet-problem", `Row ${n + 1} of the sheet is not "order id, tracking number" of a selected order: ${line}`);
      return false;
    }
    box.value = tracking;
  }
  ow.say("ship-sheet-problem", "");
  return true;
}

async function confirmShipments(event) {
  event.preventDefault();
  if (ow.$("ship-sheet").value.trim() && !pasteSheet()) return;
  const inputs = [...document.querySelectorAll(".ship-tracking")].filter((b) => b.value.trim()).map((b) => ({
    orderId: b.dataset.order,
    carrier: ow.$("ship-carrier").value.trim(),
    shippingMethod: ow.$("ship-method").value.trim(),
    trackingId: b.value.trim(),
    shipDate: now().toISOString(),
  }));
  if (!inputs.length) { ow.say("ship-sheet-problem", "Give a tracking number for at least one order."); return; }
  const refusals = new Map();
  const body = await ow.graphql(SHIP, { inputs });
  const answer = body.data && body.data.confirmShipments;
  if (body.errors || answer.errors.length) {
    ow.say("problem", (body.errors || answer.errors)[0].message);
    return;
  }
  let accepted = 0;
  for (const r of answer.results) {
    const ok = r.outcome !== "REFUSED";
    accepted += ok ? 1 : 0;
    if (ok) selected.delete(r.orderId);
    else refusals.set(r.orderId, r.error.message);
    if (r.order && !matches(r.order)) { leave(r.order); continue; }  // shipped: not to ship now
    if (r.order) refresh(r.order);
    result(r.orderId, ok ? (r.outcome === "ACCEPTED" ? "Shipped" : "Already confirmed") : `Refused: ${r.error.message}`, ok);
  }
  ow.say("done", `${accepted} of ${answer.results.length} shipments confirmed.`);
  ow.$("ship-form").hidden = true;
  sayRefused(refusals, "shipments were refused", answer.results.length);
  showSelection();
  totals();
}

function showCancelForm() {
  ow.$("ship-form").hidden = true;
  const rows = [...selected.keys()].map((id) => ow.el(
    "p", { class: "cancel-row" },
    ow.el("label", {}, `Reason for ${id} `, ow.el(
      "select", { "data-order": id, class: "cancel-own" },
      ow.el("option", { value: "" }, "As for all"),
      ...CANCEL_REASONS.map((reason) => ow.el("option", {}, reason)),
    )),
  ));
  ow.$("cancel-rows").replaceChildren(...rows);
  ow.$("cancel-form").hidden = false;
  ow.$("cancel-reason").focus();
}

async function cancelSelected(event) {
  event.preventDefault();
  const shared = ow.$("cancel-reason").value;
  const own = new Map([...document.querySelectorAll(".cancel-own")].map((s) => [s.dataset.order, s.value]));
  const unexplained = [...selected.keys()].filter((id) => !own.get(id) && !shared);
  if (unexplained.length) {
    ow.say("problem", `Choose a reason for ${unexplained.join(", ")}: the buyer reads it.`);
    return;
  }
  const refusals = new Map();
  const asked = [...selected.keys()];
  // One request for the whole selection; one answer per order.
  const body = await ow.graphql(CANCEL, { inputs: asked.map((id) => ({ orderId: id, reason: own.get(id) || shared })) });
  const answer = body.data && body.data.cancelOrders;
  if (body.errors || answer.errors.length) {
    ow.say("problem", (body.errors || answer.errors)[0].message);
    return;
  }
  for (const r of answer.results) {
    const id = r.orderId;
    if (r.outcome === "REFUSED") { refusals.set(id, r.error.message); result(id, `Refused: ${r.error.message}`, false); continue; }
    selected.delete(id);
    if (matches(r.order)) { refresh(r.order); result(id, r.outcome === "CANCELED" ? "Canceled" : "Already canceled", true); } else leave(r.order);
  }
  ow.say("done", `${asked.length - refusals.size} of ${asked.length} orders canceled.`);
  ow.$("cancel-form").hidden = true;
  sayRefused(refusals, "orders could not be canceled", asked.length);
  showSelection();
  totals();
}

// A refusal named with its order: a row on this page shows it too and stays selected to act on
// again; one not on this page is named here and let go from the selection.
function sayRefused(refusals, what, of) {
  if (!refusals.size) { ow.say("problem", ""); showSelection(); return; }
  const named = [...refusals].map(([id, message]) => `${id}: ${message}`);
  for (const id of refusals.keys()) if (!shown.has(id)) selected.delete(id);
  ow.say("problem", `${refusals.size} of ${of} ${what}. ${named.join("; ")}`);
  showSelection();
}

const SLIPS_PER_FILE = 100;  // what one /packing-slips.pdf takes
let slipsLeft = [];

// Up to 100 slips a file: more than that are printed a file at a time, the page saying how
// many are left and offering the next file.
async function printSlips(ids = null) {
  const wanted = ids || [...selected.keys()];
  const batch = wanted.slice(0, SLIPS_PER_FILE);
  slipsLeft = wanted.slice(SLIPS_PER_FILE);
  const query = batch.map((id) => `order=${encodeURIComponent(id)}`).join("&");
  const response = await fetch(`/packing-slips.pdf?${query}`, { headers: { authorization: `Bearer ${ow.token()}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    ow.say("problem", `No packing slip could be made: ${body ? body.errors[0].message : response.status}.`);
    return;
  }
  const skipped = (response.headers.get("x-not-printed") || "").split(",").filter(Boolean);
  for (const id of skipped) result(id, "No slip: not waiting to ship", false);
  ow.say("problem", skipped.length ? `${skipped.length} orders have no slip (not waiting to ship): ${skipped.join(", ")}.` : "");
  const more = ow.$("slips-more");
  more.hidden = !slipsLeft.length;
  if (slipsLeft.length) {
    more.querySelector("span").textContent = `Printed ${batch.length} slips; ${slipsLeft.length} more are selected (a file holds ${SLIPS_PER_FILE}).`;
    more.querySelector("button").textContent = `Print the next ${Math.min(SLIPS_PER_FILE, slipsLeft.length)}`;
    more.querySelector("button").onclick = () => printSlips(slipsLeft);
  }
  const url = URL.createObjectURL(await response.blob());
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// The current view as the CSV export: its filters and sort, every page of it.
async function download() {
  const params = new URLSearchParams();
  const filter = currentFilter();
  for (const status of filter.statuses || []) params.append("status", status);
  for (const speed of filter.shippingSpeeds || []) params.append("shippingSpeed", speed);
  for (const key of ["fulfillmentChannel", "search", "shipByBefore", "placedFrom", "placedBefore"]) {
    if (filter[key]) params.set(key, filter[key]);
  }
  if (filter.cancellationRequested) params.set("cancellationRequested", "true");
  params.set("orderBy", ow.$("sort").value);
  const response = await fetch(`/exports/orders.csv?${params}`, { headers: { authorization: `Bearer ${ow.token()}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    ow.say("problem", `The download could not be made: ${body ? body.errors[0].message : response.status}.`);
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = ow.el("a", { href: url, download: `orders-${view().title.toLowerCase().replaceAll(" ", "-")}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function tick() {
  for (const tr of document.querySelectorAll("#orders tr")) {
    const order = shown.get(tr.dataset.order);
    const node = tr.querySelector(".countdown");
    if (!order || !node) continue;
    const due = countdown(order);
    node.textContent = due.text;
    node.classList.toggle("late", due.late);
  }
}

// An update the page already shows (the feed starts a few updates back, and a live one may
// arrive after a newer read) changes nothing: above all, it never takes a selection away.
function onUpdate(update) {
  const order = update.order;
  const known = shown.get(order.id);
  if (known && known.version >= order.version) return;
  if (known) {
    if (!matches(order)) leave(order);
    else refresh(order);
  } else if (matches(order)) {
    reread();
  }
  totals();
}

// The column headers sort the list: a press reads it by that column, the next press the other
// way. aria-sort tells which column the list is read by and which way (the sort picker says
// the same in words).
const ASCENDING = new Set(["ORDER_ID_A_TO_Z", "BUYER_A_TO_Z", "SHIP_TO_A_TO_Z", "SLOWEST_SPEED",
  "LOWEST_TOTAL", "OLDEST_PLACED", "STATUS_FIRST_STEP", "SOONEST_SHIP_BY"]);
function showSort() {
  const sort = ow.$("sort").value;
  for (const button of document.querySelectorAll("button.sort")) {
    const th = button.closest("th");
    if ([button.dataset.first, button.dataset.then].includes(sort)) {
      th.setAttribute("aria-sort", ASCENDING.has(sort) ? "ascending" : "descending");
    } else {
      th.removeAttribute("aria-sort");
    }
  }
}

function stop(code, message) {
  ow.refuse(code, message, { hide: "board", roles: ["SELLER"], restart: start });
}

function wire() {
  ow.$("filters").onsubmit = (event) => { event.preventDefault(); load(); };
  for (const id of ["filter-status", "filter-channel", "filter-speed", "sort", "page-size", "placed-from", "placed-to"]) ow.$(id).onchange = () => load();
  for (const button of document.querySelectorAll("button.sort")) {
    button.onclick = () => {
      const { first, then } = button.dataset;
      ow.$("sort").value = ow.$("sort").value === first ? then : first;
      load();
    };
  }
  ow.$("download").onclick = download;
  ow.$("previous").onclick = () => load("previous");
  ow.$("next").onclick = () => load("next");
  ow.$("select-page").onchange = (event) => {
    const on = event.target.checked;
    for (const box of document.querySelectorAll("#orders .pick")) {
      const order = shown.get(box.closest("tr").dataset.order);
      if (on && selected.size >= MAX_SELECTED) break;
      box.checked = on;
      if (on) selected.set(order.id, order.status); else selected.delete(order.id);
    }
    showSelection();
  };
  ow.$("select-all").onclick = selectAllMatching;
  ow.$("bulk-ship").onclick = showShipForm;
  ow.$("ship-form").onsubmit = confirmShipments;
  ow.$("ship-close").onclick = () => { ow.$("ship-form").hidden = true; };
  ow.$("bulk-cancel").onclick = showCancelForm;
  ow.$("cancel-form").onsubmit = cancelSelected;
  ow.$("cancel-close").onclick = () => { ow.$("cancel-form").hidden = true; };
  ow.$("bulk-slips").onclick = () => printSlips();
}

async function start() {
  await ow.ready;
  if (ow.token()) ow.say("problem", "");
  if (!ow.token()) {
    ow.signIn(["SELLER"], start);
    return;
  }
  const me = await ow.graphql(VIEWER);
  if (me.errors) {
    stop(ow.code(me.errors), me.errors[0].message);
    return;
  }
  const viewer = me.data.viewer;
  if (!viewer || viewer.role !== "SELLER") {
    stop("FORBIDDEN", "The board is a seller's: sign in as a seller.");
    localStorage.removeItem(TOKEN_KEY);
    ow.signIn(["SELLER"], start);
    return;
  }
  skew = new Date(viewer.now) - Date.now();
  ow.signedIn(viewer);
  ow.$("board").hidden = false;
  wire();
  await load();
  showHealth(viewer.id);  // after the queue, the page's first business
  ticking = ticking || setInterval(tick, 1000);
  ow.live({
    query: FOLLOW,
    variables: { after: viewer.updatesCursor },
    next: onUpdate,
    state: ow.showState,
    fatal: stop,
  });
}

start();
