// The seller's board: orders by ship-by date with a countdown, kept current by the feed.
"use strict";

const ROW = `id status fulfillmentChannel shipBy placedAt buyerId
  items { sku quantity } total { amount currency }`;
const READ = `query Board($after: String) {
  viewer { id role updatesCursor now }
  orders(first: 100, after: $after) { nodes { ${ROW} } pageInfo { hasNextPage endCursor } }
}`;
const FOLLOW = `subscription Feed($after: String) {
  sellerOrderUpdates(after: $after) { cursor event { type sequence } order { ${ROW} } }
}`;
const OPEN = new Set(["PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED"]);
const STATUS_TEXT = {
  PENDING: "Pending payment", UNSHIPPED: "Unshipped", PARTIALLY_SHIPPED: "Partly shipped",
  SHIPPED: "Shipped", IN_TRANSIT: "In transit", OUT_FOR_DELIVERY: "Out for delivery",
  DELIVERY_ATTEMPTED: "Delivery attempted", DELIVERY_EXCEPTION: "Delivery problem",
  DELIVERED: "Delivered", CANCELED: "Canceled",
};
const MAX_PAGES = 10;  // the 1,000 newest orders

const orders = new Map();  // id -> order, updated in place by the feed
let skew = 0;  // the marketplace's clock minus this device's, in ms
let ticking = null;  // the countdowns' timer, started once

function countdown(shipBy) {
  if (!shipBy) return { text: "Ship-by date after payment", late: false };
  const left = new Date(shipBy) - (Date.now() + skew);
  const minutes = Math.round(Math.abs(left) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const span = days ? `${days} d ${hours} h` : hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
  return left >= 0 ? { text: `Ship within ${span}`, late: false } : { text: `Overdue by ${span}`, late: true };
}

function wanted(order) {
  const status = ow.$("filter-status").value;
  const channel = ow.$("filter-channel").value;
  const statusOk = !status || (status === "OPEN" ? OPEN.has(order.status) : order.status === status);
  return statusOk && (!channel || order.fulfillmentChannel === channel);
}

function byShipBy(a, b) {
  if (a.shipBy && b.shipBy) return a.shipBy < b.shipBy ? -1 : a.shipBy > b.shipBy ? 1 : 0;
  if (a.shipBy || b.shipBy) return a.shipBy ? -1 : 1;
  return a.placedAt < b.placedAt ? 1 : -1;
}

async function openSlip(orderId) {
  const response = await fetch(`/orders/${encodeURIComponent(orderId)}/packing-slip?format=pdf`, {
    headers: { authorization: `Bearer ${ow.token()}` },
  });
  if (!response.ok) {
    ow.say("problem", `The packing slip of ${orderId} could not be made (${response.status}).`);
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function card(order) {
  const due = countdown(order.shipBy);
  const items = order.items.map((i) => `${i.quantity} × ${i.sku}`).join(", ");
  return ow.el(
    "li", { "data-order": order.id, "data-status": order.status, class: order.fresh ? "fresh" : null },
    ow.el("h3", {}, order.id),
    ow.el(
      "dl", {},
      ow.el("dt", {}, "Status"), ow.el("dd", {}, STATUS_TEXT[order.status] || order.status),
      ow.el("dt", {}, "Ship by"),
      ow.el("dd", {},
        order.shipBy ? ow.el("time", { datetime: order.shipBy }, ow.moment(order.shipBy)) : "—", " ",
        ow.el("span", { class: due.late ? "countdown late" : "countdown", "data-ship-by": order.shipBy || "" }, due.text)),
      ow.el("dt", {}, "Channel"), ow.el("dd", {}, order.fulfillmentChannel),
      ow.el("dt", {}, "Items"), ow.el("dd", {}, items),
    ),
    ow.el(
      "button",
      { type: "button", "aria-label": `Packing slip for ${order.id}`, onclick: () => openSlip(order.id) },
      "Packing slip (PDF)",
    ),
  );
}

function render() {
  const shown = [...orders.values()].filter(wanted).sort(byShipBy);
  ow.$("orders").replaceChildren(...shown.map(card));
  ow.$("count").textContent = `${shown.length} of ${orders.size} orders shown`;
}

function tick() {
  for (const node of document.querySelectorAll(".countdown")) {
    const due = countdown(node.dataset.shipBy || null);
    node.textContent = due.text;
    node.classList.toggle("late", due.late);
  }
}

function stop(code, message) {
  ow.refuse(code, message, { hide: "board", roles: ["SELLER"], restart: start });
}

async function start() {
  await ow.ready;
  if (ow.token()) ow.say("problem", "");
  if (!ow.token()) {
    ow.signIn(["SELLER"], start);
    return;
  }
  let after = null;
  let viewer = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = await ow.graphql(READ, { after });
    if (body.errors) {
      stop(ow.code(body.errors), body.errors[0].message);
      return;
    }
    if (!viewer) {
      viewer = body.data.viewer;
      skew = new Date(viewer.now) - Date.now();
    }
    for (const order of body.data.orders.nodes) orders.set(order.id, order);
    if (!body.data.orders.pageInfo.hasNextPage) break;
    after = body.data.orders.pageInfo.endCursor;
  }
  if (viewer.role !== "SELLER") {
    stop("FORBIDDEN", "The board is a seller's: sign in as a seller.");
    localStorage.removeItem(TOKEN_KEY);
    ow.signIn(["SELLER"], start);
    return;
  }
  ow.signedIn(viewer);
  ow.$("board").hidden = false;
  ow.$("filters").onchange = render;
  render();
  ticking = ticking || setInterval(tick, 1000);
  ow.live({
    query: FOLLOW,
    variables: { after: viewer.updatesCursor },
    next(update) {
      const known = orders.has(update.order.id);
      orders.set(update.order.id, { ...update.order, fresh: !known });
      render();
    },
    state: ow.showState,
    fatal: stop,
  });
}

start();
