// The buyer's tracking page: the order now, then every change as it happens.
"use strict";

const ORDER_ID = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
const ORDER_FIELDS = `id status fulfillmentChannel deliverBy deliveredAt placedAt sellerId estimatedDelivery { earliest latest }
  destinationTimeZone shippingSpeed items { sku title quantity returnable unitPrice { amount currency } total { amount currency } }
  shippingFee { amount currency } total { amount currency } refunded { amount currency }
  captured { amount currency }
  shippingAddress { name line1 line2 city region postalCode countryCode }
  returns { id status reason requestedAt rejectionReason items { sku quantity }
    label { kind carrier trackingId } refunded { amount currency } }
  shipments { id carrier trackingId status lastScanAt lastLocation { city countryCode timeZone } items { sku quantity }
    carrierEstimate { earliest latest source } }
  predictedDelivery { date basis }`;
const EVENT_FIELDS = `__typename id sequence type status occurredAt
  ... on PaymentFailed { reason }
  ... on OrderCanceled { reason }
  ... on ShipmentConfirmed { parcel { carrier trackingId } }
  ... on TrackingScanned { tag location { city countryCode timeZone } scannedAt }
  ... on DeliveryDelayed { reason revised { earliest latest } }
  ... on CarrierEstimateChanged { estimate { earliest latest } laterThanPromise parcel { carrier } }
  ... on DeliveryOverdue { deliverBy }
  ... on TrackingStalled { parcel { trackingId } }
  ... on ReturnOpened { returnId }
  ... on ReturnProgressed { returnId returnStatus note }
  ... on RefundIssued { amount { amount currency } forReturnId }
  ... on MessageSent { actorRole }`;
const READ = `query Track($id: ID!) {
  viewer { id role now }
  order(id: $id) { ${ORDER_FIELDS} updatesCursor timeline { ${EVENT_FIELDS} } }
}`;
const FOLLOW = `subscription Follow($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) { cursor event { ${EVENT_FIELDS} } order { ${ORDER_FIELDS} } }
}`;

const STEPS = ["Ordered", "Shipped", "Out for delivery", "Delivered"];
const STEP_OF = {
  PENDING: 0, UNSHIPPED: 0, CANCELED: 0,
  PARTIALLY_SHIPPED: 1, SHIPPED: 1, IN_TRANSIT: 1, DELIVERY_EXCEPTION: 1,
  OUT_FOR_DELIVERY: 2, DELIVERY_ATTEMPTED: 2,
  DELIVERED: 3,
};
const STATUS_TEXT = {
  PENDING: "Payment being verified", UNSHIPPED: "Preparing to ship",
  PARTIALLY_SHIPPED: "Partly shipped", SHIPPED: "Shipped", IN_TRANSIT: "In transit",
  OUT_FOR_DELIVERY: "Out for delivery", DELIVERY_ATTEMPTED: "Delivery attempted",
  DELIVERY_EXCEPTION: "Delivery problem", DELIVERED: "Delivered", CANCELED: "Canceled",
};
const TAG_TEXT = {
  INFO_RECEIVED: "Label created", IN_TRANSIT: "In transit", OUT_FOR_DELIVERY: "Out for delivery",
  ATTEMPT_FAIL: "Delivery attempted", DELIVERED: "Delivered",
  AVAILABLE_FOR_PICKUP: "Ready for pickup", EXCEPTION: "Delivery problem",
};

const RETURN_TEXT = {
  REQUESTED: "asked for", PENDING_SELLER: "waiting for the seller's answer (within 24 hours)",
  AUTHORIZED: "accepted; a label comes next", LABEL_ISSUED: "label ready: drop the parcel off",
  IN_TRANSIT: "on its way back", RECEIVED: "received by the seller; the refund comes next",
  REFUNDED: "refunded", REJECTED: "refused by the seller", CLOSED: "closed",
};
// The reasons as the return form names them.
const REASON_TEXT = Object.fromEntries([...document.querySelectorAll("#return-reason option")].map((o) => [o.value, o.textContent]));
const money = ow.money;

let order = null;
let sellerName = null;  // the shop's name from the directory; its handle until it is read
const SELLER = "query TrackSeller($id: ID!) { seller(id: $id) { name } }";
const events = new Map();  // sequence -> event: a replayed one is never shown twice

function place(location) {
  return location ? `${location.city}, ${location.countryCode}` : "";
}

function describe(event) {
  switch (event.__typename) {
    case "OrderPlaced": return "Order placed";
    case "PaymentVerified": return "Payment confirmed";
    case "PaymentFailed": return `Payment failed: ${event.reason}`;
    case "OrderCanceled": return `Canceled: ${event.reason}`;
    case "PaymentCaptured": return "Charged for the items shipped";
    case "ShipmentConfirmed":
      return `Shipped with ${event.parcel.carrier}, tracking number ${event.parcel.trackingId}`;
    case "TrackingScanned":
      return [TAG_TEXT[event.tag] || event.tag, place(event.location)].filter(Boolean).join(" · ");
    case "DeliveryDelayed": return `Delayed (${event.reason}): now arriving by ${ow.day(event.revised.latest)}`;
    case "CarrierEstimateChanged":
      return `${event.parcel.carrier} now expects it ${daysText(event.estimate)}${event.laterThanPromise ? ", later than promised" : ""}`;
    case "DeliveryOverdue": return `Not delivered by ${ow.day(event.deliverBy)}, the day it was due`;
    case "TrackingStalled": return `No carrier scan yet for ${event.parcel.trackingId}`;
    case "ShipByMissed": return "The seller has not shipped it yet";
    case "ReturnOpened": return "You started a return";
    case "ReturnProgressed":
      return `Return: ${RETURN_TEXT[event.returnStatus] || event.returnStatus}${event.note ? ` (${event.note})` : ""}`;
    case "RefundIssued": return `Refunded ${money(event.amount)}`;
    case "MessageSent": return event.actorRole === "BUYER" ? "You wrote to the seller" : "The seller wrote to you";
    default: return event.type.toLowerCase().replaceAll("_", " ");
  }
}

// What a buyer sees on the timeline: the order's story, not billing or the seller's deadlines.
const BEHIND_THE_SCENES = new Set([
  "DeliveryAtRisk", "DeliveryBackOnTrack",
  "PaymentCaptured", "PaymentAuthorizationReleased", "TrackingStalled", "ShipByMissed",
  "SellerDebited", "ChargebackAnswered",
]);

let skew = 0;  // the marketplace's clock minus this device's, in ms
const clock = () => new Date(Date.now() + skew);
// "Today" and "tomorrow" are the destination's, wherever the buyer reads the page from.
const destination = () => (order && order.destinationTimeZone) || undefined;
const localDay = (when) => ow.dayIn(when, destination());
const today = () => localDay(clock());

function longDay(value) {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
    weekday: "long", month: "short", day: "numeric", timeZone: "UTC",
  });
}

function arriving(day) {
  if (day === today()) return "today";
  const [y, m, d] = today().split("-").map(Number);
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  if (day === tomorrow) return "tomorrow";
  return longDay(day);
}

// The last "out for delivery" scan, if it came today where the parcel is: a stale one from an
// earlier day promises nothing.
function outForDeliveryToday() {
  const scans = [...events.values()].filter((e) => e.__typename === "TrackingScanned" && e.tag === "OUT_FOR_DELIVERY");
  const last = scans.sort((a, b) => (a.scannedAt < b.scannedAt ? 1 : -1))[0];
  return last && localDay(new Date(last.scannedAt)) === today() ? last : null;
}

// The promise first: what a buyer wants to know.
function promise() {
  const eta = order.estimatedDelivery;
  const late = eta && eta.latest < today();
  switch (order.status) {
    case "DELIVERED": return delivered();
    case "CANCELED": return "Canceled";
    case "PENDING": return "Waiting for your payment to be confirmed";
    default: break;
  }
  if (order.status === "OUT_FOR_DELIVERY" && outForDeliveryToday()) return "Arriving today";
  if (!eta) return STATUS_TEXT[order.status] || order.status;
  if (late) return `Running late: it was due ${longDay(eta.latest)}`;
  const delayed = [...events.values()].some((e) => e.__typename === "DeliveryDelayed");
  // The prediction (docs/predictions.md) beside the promise: the day it will most likely come.
  const likely = order.predictedDelivery;
  if (likely && likely.basis !== "PROMISE") {
    return `${delayed ? "Delayed: now arriving" : "Arriving"} ${arriving(likely.date)}; promised by ${longDay(eta.latest)}`;
  }
  const when = eta.earliest === eta.latest || eta.earliest <= today()
    ? arriving(eta.latest)
    : `${longDay(eta.earliest)} – ${longDay(eta.latest)}`;
  return delayed ? `Delayed: now arriving ${when}` : `Arriving ${when}`;
}

// "Delivered today at 10:42 WET": the day and time where it was delivered.
function delivered() {
  if (!order.deliveredAt) return "Delivered";
  const at = new Date(order.deliveredAt);
  const zone = destination();
  const time = at.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", timeZone: zone });
  const day = localDay(at);
  const said = day === today() ? "today" : longDay(day);
  return `Delivered ${said} at ${time} ${ow.zoneName(at, zone)}`;
}

// Where an event happened decides the time it shows: a scan in its place's zone, a delivery in
// the destination's; the rest (placing, paying, messages) in the reader's own.
const zoneOf = (location) => (location && location.timeZone) || undefined;
function when(event) {
  if (event.__typename === "TrackingScanned") return ow.moment(event.scannedAt || event.occurredAt, zoneOf(event.location));
  return ow.moment(event.occurredAt);
}

// The alert under a delay: what happened, not the headline again.
function notice(event) {
  if (event.type === "DELIVERY_DELAYED") return `The carrier reports: ${event.reason}.`;
  return "It has not arrived by the day it was due. The seller has been told.";
}

function latestScan() {
  // A checkpoint may come without a place (an aggregator's "label created"): said without one.
  const scans = [...events.values()].filter((e) => e.__typename === "TrackingScanned");
  const last = scans.sort((a, b) => (a.scannedAt < b.scannedAt ? 1 : -1))[0];
  if (!last) return "";
  const parts = [TAG_TEXT[last.tag] || last.tag, place(last.location), ow.moment(last.scannedAt, zoneOf(last.location))];
  return `Latest: ${parts.filter(Boolean).join(" · ")}`;
}

function masked(address) {
  const [first, ...rest] = address.name.split(/\s+/);
  const initial = rest.length ? ` ${rest[rest.length - 1][0]}.` : "";
  return `${first}${initial}, ${address.city}, ${address.countryCode}`;
}

// The seller packs the parcel: the whole address, as the label needs it.
function whole(address) {
  const lines = [address.name, address.line1, address.line2, [address.postalCode, address.city].join(" "), address.region, address.countryCode];
  return lines.filter(Boolean).join(", ");
}

function render() {
  ow.$("order").hidden = false;
  ow.$("order-id").textContent = order.id.slice(-8).toUpperCase();
  ow.$("order-id").title = order.id;
  ow.$("promise").textContent = promise();
  ow.$("latest").textContent = latestScan();
  const status = ow.$("status");
  status.textContent = `Status: ${STATUS_TEXT[order.status] || order.status}`;
  status.dataset.status = order.status;
  ow.$("facts").replaceChildren(
    ow.el("dt", {}, "Ordered"), ow.el("dd", {}, ow.el("time", { datetime: order.placedAt }, ow.moment(order.placedAt))),
    ow.el("dt", {}, "Sold by"), ow.el("dd", { class: "seller" }, sellerName || order.sellerId),
    ow.el("dt", {}, "Ships to"), ow.el("dd", { class: "ship-to" }, viewerRole === "SELLER" ? whole(order.shippingAddress) : masked(order.shippingAddress)),
    ow.el("dt", {}, "Delivery"), ow.el("dd", { class: "speed" }, SPEED_TEXT[order.shippingSpeed] || order.shippingSpeed),
    ow.el("dt", {}, "Order number"), ow.el("dd", { class: "order-id" }, order.id),
  );
  renderActions();
  ow.$("items").replaceChildren(...order.items.map((i) => ow.el(
    "li", {}, ow.el("span", { class: "thumb", "aria-hidden": "true" }), `${i.title} × ${i.quantity}`,
    ow.el("span", { class: "price" }, money(i.total)),
  )));
  renderMoney();

  const reached = STEP_OF[order.status] ?? 0;
  const dates = stepDates();
  ow.$("progress").replaceChildren(...STEPS.map((name, i) => ow.el(
    "li",
    {
      class: i < reached ? "done" : i === reached && order.status !== "CANCELED" ? "current" : "todo",
      "aria-current": i === reached ? "step" : null,
    },
    ow.el("span", { class: "step-name" }, name),
    i <= reached && dates[i] ? ow.el("small", { class: "step-date" }, ow.el("time", { datetime: dates[i] }, shortDay(dates[i]))) : "",
  )));

  const shown = [...events.values()];
  const delay = shown.filter((e) => ["DELIVERY_DELAYED", "DELIVERY_OVERDUE"].includes(e.type)).pop();
  const trouble = {
    CANCELED: "This order was canceled.",
    DELIVERY_EXCEPTION: "There is a problem with the delivery; the carrier is on it.",
    DELIVERY_ATTEMPTED: "The carrier tried to deliver and will try again.",
  }[order.status] || (delay && order.status !== "DELIVERED" ? notice(delay) : "");
  ow.say("alert", trouble);

  const eta = order.estimatedDelivery;
  const settled = ["DELIVERED", "OUT_FOR_DELIVERY", "CANCELED"].includes(order.status);
  const past = eta && eta.latest < today();  // a window gone by is never shown as expected
  ow.$("window").textContent = settled || !eta || past ? "" :
    eta.earliest === eta.latest ? `Expected ${ow.day(eta.latest)}` :
    `Expected between ${ow.day(eta.earliest)} and ${ow.day(eta.latest)}`;

  ow.$("parcels").replaceChildren(...(order.shipments.length
    ? order.shipments.map(parcelBlock)
    : [ow.el("li", {}, "Not shipped yet.")]));

  renderReturns();
  const newest = shown.filter((e) => !BEHIND_THE_SCENES.has(e.__typename)).sort((a, b) => b.sequence - a.sequence);
  ow.$("timeline").replaceChildren(...newest.map((e) => ow.el(
    "li", { "data-sequence": e.sequence, "data-type": e.type },
    ow.el("time", { datetime: e.occurredAt }, when(e)), " ", describe(e),
  )));
}

const SPEED_TEXT = { STANDARD: "Standard shipping", EXPEDITED: "Expedited shipping", ONE_DAY: "One-day delivery", SAME_DAY: "Same-day delivery" };

// When each step of the order was reached: placed, first shipped, first out for delivery,
// delivered (the destination's day).
function stepDates() {
  const all = [...events.values()].sort((a, b) => a.sequence - b.sequence);
  const first = (test) => { const found = all.find(test); return found ? found.occurredAt : null; };
  return [
    order.placedAt,
    first((e) => e.__typename === "ShipmentConfirmed"),
    first((e) => e.__typename === "TrackingScanned" && e.tag === "OUT_FOR_DELIVERY"),
    order.deliveredAt,
  ];
}

function shortDay(moment) {
  return new Date(moment).toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric", timeZone: destination() });
}

// The order's money, as an order status page shows it: items, shipping, total, and refunds.
function renderMoney() {
  const items = { amount: order.items.reduce((sum, i) => sum + i.total.amount, 0), currency: order.total.currency };
  const lines = [
    ["Items", money(items)],
    ["Shipping", order.shippingFee.amount ? money(order.shippingFee) : "Free"],
    ["Total", money(order.total)],
  ];
  if (order.refunded.amount) lines.push(["Refunded", money(order.refunded)]);
  ow.$("money").replaceChildren(...lines.flatMap(([name, value]) => [
    ow.el("dt", {}, name), ow.el("dd", { class: name === "Total" ? "total" : null }, value),
  ]));
}

// The carriers' own tracking pages, for a parcel's number (others are shown as text).
const CARRIER_PAGES = {
  UPS: "https://www.ups.com/track?tracknum=",
  FEDEX: "https://www.fedex.com/fedextrack/?trknbr=",
  USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
  DHL: "https://www.dhl.com/en/express/tracking.html?AWB=",
};
function trackingLink(carrier, number) {
  const base = CARRIER_PAGES[carrier.toUpperCase()];
  if (!base) return ow.el("span", { class: "code" }, number);
  return ow.el("a", {
    class: "code", href: base + encodeURIComponent(number), target: "_blank", rel: "noopener noreferrer",
    "aria-label": `${number}, on ${carrier}'s site (opens a new tab)`,
  }, number);
}

// Each return: where it is, what it holds, its label and where to drop it off, its refund.
function renderReturns() {
  const titles = new Map(order.items.map((item) => [item.sku, item.title]));
  const returns = order.returns || [];
  ow.$("returns-section").hidden = !returns.length;
  ow.$("returns").replaceChildren(...returns.map((r) => {
    const label = r.label;
    return ow.el(
      "li", { class: "return", "data-return": r.id, "data-status": r.status },
      ow.el("h4", {}, `Return of ${ow.day(r.requestedAt.slice(0, 10))}: ${RETURN_TEXT[r.status] || r.status}`),
      ow.el("p", {}, r.items.map((i) => `${i.quantity} × ${titles.get(i.sku) || i.sku}`).join(", "),
        ` · ${REASON_TEXT[r.reason] || r.reason}`),
      label ? ow.el("p", { class: "label" }, `Label: ${label.carrier}, tracking number `,
        ow.el("span", { class: "code" }, label.trackingId),
        label.kind === "SELLER_PREPAID" ? " (paid by the seller)" : " (paid by you)",
        r.status === "LABEL_ISSUED" ? `. Print it and drop the parcel off at any ${label.carrier} location.` : "") : "",
      r.refunded.amount ? ow.el("p", { class: "refund" }, `Refunded ${money(r.refunded)}`) : "",
      r.rejectionReason ? ow.el("p", {}, `The seller's reason: ${r.rejectionReason}`) : "",
    );
  }));
}

// The conversation with the seller, both sides, oldest first; read again when a message comes.
const THREAD = `query TrackThread($id: ID!) {
  thread(orderId: $id, first: 50) { nodes { id body senderRole sentAt } }
}`;
async function showThread() {
  const body = await ow.graphql(THREAD, { id: ORDER_ID });
  if (body.errors) return;
  const messages = body.data.thread.nodes;
  ow.$("thread").replaceChildren(...messages.map((m) => ow.el(
    "li", { class: m.senderRole === "BUYER" ? "mine" : "theirs", "data-message": m.id },
    ow.el("strong", {}, m.senderRole === "BUYER" ? "You" : m.senderRole === "SELLER" ? "The seller" : "The marketplace"),
    " · ", ow.el("time", { datetime: m.sentAt }, ow.moment(m.sentAt)),
    ow.el("p", {}, m.body),
  )));
  ow.$("thread").hidden = !messages.length;
}

// One block per parcel: its carrier and tracking number, its own progress, what it holds.
const PARCEL_STEP = {
  SHIPPED: 1, IN_TRANSIT: 1, DELIVERY_EXCEPTION: 1, OUT_FOR_DELIVERY: 2, DELIVERY_ATTEMPTED: 2,
  DELIVERED: 3,
};

const PROVIDER_TEXT = { aftership: "AfterShip", easypost: "EasyPost", shippo: "Shippo" };

// A carrier's dates: one day, or the first and the last.
function daysText(window) {
  return window.earliest === window.latest ? longDay(window.latest) : `${longDay(window.earliest)} – ${longDay(window.latest)}`;
}

function parcelBlock(parcel, index) {
  const reached = PARCEL_STEP[parcel.status] ?? 1;
  const titles = new Map(order.items.map((item) => [item.sku, item.title]));
  const heading = order.shipments.length > 1
    ? `Parcel ${index + 1} of ${order.shipments.length}` : "Your parcel";
  return ow.el(
    "li", { class: "parcel", "data-tracking": parcel.trackingId, "data-status": parcel.status },
    ow.el("h4", {}, heading, ": ", STATUS_TEXT[parcel.status] || parcel.status),
    ow.el("p", {}, `${parcel.carrier}, tracking number `, trackingLink(parcel.carrier, parcel.trackingId)),
    ow.el("ol", { class: "progress", "aria-label": `Progress of parcel ${index + 1}` }, ...STEPS.map(
      (name, i) => ow.el("li", {
        class: i < reached ? "done" : i === reached ? "current" : "todo",
        "aria-current": i === reached ? "step" : null,
      }, name),
    )),
    parcel.lastScanAt ? ow.el("p", { class: "latest" }, "Last scan ",
      ow.el("time", { datetime: parcel.lastScanAt }, ow.moment(parcel.lastScanAt, zoneOf(parcel.lastLocation))),
      parcel.lastLocation ? ` in ${place(parcel.lastLocation)}` : "") : "",
    // The carrier's own estimate, beside the marketplace's promise (a tracking provider's).
    parcel.carrierEstimate && parcel.status !== "DELIVERED" ? ow.el("p", { class: "carrier-estimate" },
      `${parcel.carrier} expects it ${daysText(parcel.carrierEstimate)} (via ${PROVIDER_TEXT[parcel.carrierEstimate.source] || parcel.carrierEstimate.source})`) : "",
    ow.el("p", {}, "Holds ", parcel.items.map(
      (item) => `${item.quantity} × ${titles.get(item.sku) || item.sku}`).join(", ")),
  );
}

// What the buyer can do from here, each through the public API, each confirmed first.
const CANCEL = `mutation TrackCancel($id: ID!, $reason: String!) {
  cancelOrder(orderId: $id, reason: $reason) { order { ${ORDER_FIELDS} } errors { code message } }
}`;
const RETURN = `mutation TrackReturn($input: RequestReturnInput!) {
  requestReturn(input: $input) { return { id status } errors { code message } }
}`;
const MESSAGE = `mutation TrackMessage($id: ID!, $body: String!) {
  sendMessage(orderId: $id, body: $body) { message { id } errors { code message } }
}`;
const REFUSAL_WORDS = {
  CANCEL_WINDOW_CLOSED: "The time to cancel on your own has passed: write to the seller instead.",
  ALREADY_SHIPPED: "It has shipped already: once it arrives you can return it.",
  INVALID_TRANSITION: "That is not possible for this order any more.",
};
let viewerRole = null;

function said(errors) {
  const first = errors[0];
  const code = first.code || (first.extensions && first.extensions.code);
  return REFUSAL_WORDS[code] || first.message;
}

async function act(mutation, variables, field, done) {
  const body = await ow.graphql(mutation, variables);
  const answer = body.data && body.data[field];
  const errors = body.errors || (answer && answer.errors) || [];
  ow.say("action-result", errors.length ? `Not done: ${said(errors)}` : done(answer));
  ow.$("action-result").className = errors.length ? "alert" : "done";
}

function confirmStep(label, confirmLabel, run) {
  const box = ow.$("action-confirm");
  box.replaceChildren(
    ow.el("p", {}, label),
    ow.el("button", { type: "button", onclick: async () => { box.hidden = true; await run(); } }, confirmLabel),
    " ",
    ow.el("button", { type: "button", class: "quiet", onclick: () => { box.hidden = true; } }, "Keep it as it is"),
  );
  box.hidden = false;
  box.querySelector("button").focus();
}

function renderActions() {
  const section = ow.$("actions");
  if (viewerRole === "SELLER") {
    const redraw = (changed) => { order = changed; render(); };
    // Drawn again only when what the seller may do changes (a live update, an answer): what
    // the seller is typing stays where it is.
    const buttons = ow.$("action-buttons");
    const offered = [order.status, order.fulfillmentChannel, order.captured.amount, order.refunded.amount].join(",");
    if (buttons.dataset.offered !== offered) {
      buttons.replaceChildren(...sellerActions(order, { act, confirmStep, clock, redraw }));
      buttons.dataset.offered = offered;
    }
    ow.$("return-reason-field").hidden = true;
    ow.$("return-items-field").hidden = true;
    ow.$("thread-title").textContent = "Your conversation with the buyer";
    ow.$("message-label").textContent = "Write to the buyer";
    ow.$("message-form").setAttribute("aria-label", "Write to the buyer");
    section.hidden = false;
    return;
  }
  if (viewerRole !== "BUYER") { section.hidden = true; return; }
  const buttons = [];
  if (["PENDING", "UNSHIPPED"].includes(order.status)) {
    buttons.push(ow.el("button", {
      type: "button", id: "cancel",
      onclick: () => confirmStep("Cancel this order? Nothing will be charged.", "Yes, cancel it", () =>
        act(CANCEL, { id: order.id, reason: "canceled by the buyer" }, "cancelOrder", (answer) => {
          order = answer.order;
          render();
          return "Your order is canceled.";
        })),
    }, "Cancel order"));
  }
  const returnable = order.items.filter((i) => i.returnable > 0);
  if (returnable.length) {
    buttons.push(ow.el("button", {
      type: "button", id: "return",
      onclick: () => {
        const items = [...document.querySelectorAll(".return-quantity")]
          .map((box) => ({ sku: box.dataset.sku, quantity: Number(box.value) }))
          .filter((i) => i.quantity > 0);
        if (!items.length) { ow.say("action-result", "Choose how many of an item to return."); return; }
        const titles = new Map(order.items.map((item) => [item.sku, item.title]));
        const what = items.map((i) => `${i.quantity} × ${titles.get(i.sku)}`).join(", ");
        confirmStep(`Return ${what}? The seller answers; the label appears on this page once it is issued.`, "Yes, start a return", () =>
          act(RETURN, { input: { orderId: order.id, items, reason: ow.$("return-reason").value } }, "requestReturn",
            (answer) => `Return started: ${RETURN_TEXT[answer.return.status] || answer.return.status}.`));
      },
    }, "Return items"));
  }
  // Only what can still go back is offered, each up to what is left of it. Drawn again only
  // when that changes: a live update or the seller's name arriving leaves what the buyer is
  // typing where it is.
  const offered = returnable.map((i) => `${i.sku}:${i.returnable}`).join(",");
  const items = ow.$("return-items");
  const shownNow = new Map([...document.querySelectorAll(".return-quantity")].map((b) => [b.dataset.sku, b.value]));
  if (items.dataset.offered !== offered) items.replaceChildren(...returnable.map((i) => ow.el(
    "label", { class: "return-item" }, `${i.title} `,
    ow.el("input", {
      type: "number", class: "return-quantity", "data-sku": i.sku, min: 0, max: i.returnable,
      value: Math.min(Number(shownNow.get(i.sku) ?? i.returnable), i.returnable), "aria-label": `How many ${i.title} to return`,
    }),
    ` of ${i.returnable}`,
  )));
  items.dataset.offered = offered;
  ow.$("return-reason-field").hidden = !returnable.length;
  ow.$("return-items-field").hidden = !returnable.length;
  ow.$("action-buttons").replaceChildren(...buttons);
  section.hidden = false;
}

async function sendMessage(event) {
  event.preventDefault();
  const text = ow.$("message-body").value.trim();
  if (!text) return;
  await act(MESSAGE, { id: order.id, body: text }, "sendMessage", () => {
    ow.$("message-body").value = "";
    showThread();
    return `Your message is on its way to the ${viewerRole === "SELLER" ? "buyer" : "seller"}.`;
  });
}

function stop(code, message) {
  ow.refuse(code, message, {
    hide: "order",
    texts: {
      NOT_FOUND: `We cannot find order ${ORDER_ID} for you. Check the link, or sign in as its buyer.`,
      FORBIDDEN: "This account may not follow this order.",
    },
    roles: ["BUYER", "SELLER", "OPERATOR"],
    restart: start,
  });
}

async function start() {
  await ow.ready;
  if (ow.token()) ow.say("problem", "");
  if (!ow.token()) {
    ow.signIn(["BUYER", "SELLER", "OPERATOR"], start);
    return;
  }
  const body = await ow.graphql(READ, { id: ORDER_ID });
  if (body.errors) {
    stop(ow.code(body.errors), body.errors[0].message);
    return;
  }
  ow.signedIn(body.data.viewer);
  viewerRole = body.data.viewer.role;
  if (viewerRole === "SELLER") {  // Seller Central's "Order details", not the buyer's tracking
    document.querySelector("h1").textContent = "Order details";
    document.title = "Order details · orderwire";
  }
  ow.$("message-form").onsubmit = sendMessage;
  skew = new Date(body.data.viewer.now) - Date.now();
  order = body.data.order;
  for (const event of order.timeline) events.set(event.sequence, event);
  render();
  showThread();
  ow.graphql(SELLER, { id: order.sellerId }).then((found) => {
    if (found.data && found.data.seller) {
      sellerName = found.data.seller.name;
      render();
    }
  });
  ow.live({
    query: FOLLOW,
    variables: { id: ORDER_ID, after: order.updatesCursor },
    next(update) {
      order = update.order;
      events.set(update.event.sequence, update.event);
      render();
      if (update.event.type === "MESSAGE_SENT") showThread();
    },
    state: ow.showState,
    fatal: stop,
  });
}

start();
