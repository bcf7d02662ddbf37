// The buyer's tracking page: the order now, then every change as it happens.
"use strict";

const ORDER_ID = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
const ORDER_FIELDS = `id status deliverBy estimatedDelivery { earliest latest }
  shipments { id carrier trackingId status lastScanAt lastLocation { city countryCode } }`;
const EVENT_FIELDS = `__typename id sequence type status occurredAt
  ... on PaymentFailed { reason }
  ... on OrderCanceled { reason }
  ... on ShipmentConfirmed { parcel { carrier trackingId } }
  ... on TrackingScanned { tag location { city countryCode } }
  ... on DeliveryDelayed { reason revised { earliest latest } }
  ... on DeliveryOverdue { deliverBy }
  ... on TrackingStalled { parcel { trackingId } }`;
const READ = `query Track($id: ID!) {
  viewer { id role }
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

let order = null;
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
    case "DeliveryDelayed": return `Delayed: ${event.reason}. Now arriving by ${ow.day(event.revised.latest)}`;
    case "DeliveryOverdue": return `Running late: it was due by ${ow.day(event.deliverBy)}`;
    case "TrackingStalled": return `No carrier scan yet for ${event.parcel.trackingId}`;
    case "ShipByMissed": return "The seller has not shipped it yet";
    default: return event.type.toLowerCase().replaceAll("_", " ");
  }
}

function render() {
  ow.$("order").hidden = false;
  ow.$("order-id").textContent = order.id;
  const status = ow.$("status");
  status.textContent = `Status: ${STATUS_TEXT[order.status] || order.status}`;
  status.dataset.status = order.status;

  const reached = STEP_OF[order.status] ?? 0;
  ow.$("progress").replaceChildren(...STEPS.map((name, i) => ow.el(
    "li",
    {
      class: i < reached ? "done" : i === reached && order.status !== "CANCELED" ? "current" : "todo",
      "aria-current": i === reached ? "step" : null,
    },
    name,
  )));

  const shown = [...events.values()];
  const delay = shown.filter((e) => ["DELIVERY_DELAYED", "DELIVERY_OVERDUE"].includes(e.type)).pop();
  const trouble = {
    CANCELED: "This order was canceled.",
    DELIVERY_EXCEPTION: "There is a problem with the delivery; the carrier is on it.",
    DELIVERY_ATTEMPTED: "The carrier tried to deliver and will try again.",
  }[order.status] || (delay && order.status !== "DELIVERED" ? `Delayed. ${describe(delay)}.` : "");
  ow.say("alert", trouble);

  const eta = order.estimatedDelivery;
  ow.$("window").textContent = order.status === "DELIVERED" || !eta ? "" :
    eta.earliest === eta.latest ? `Arriving ${ow.day(eta.latest)}` :
    `Arriving between ${ow.day(eta.earliest)} and ${ow.day(eta.latest)}`;

  ow.$("parcels").replaceChildren(...(order.shipments.length ? order.shipments.map((s) => ow.el(
    "li", { "data-tracking": s.trackingId },
    ow.el("strong", {}, `${s.carrier} ${s.trackingId}`), " · ",
    STATUS_TEXT[s.status] || s.status,
    s.lastLocation ? ` · last seen in ${place(s.lastLocation)}` : "",
  )) : [ow.el("li", {}, "Not shipped yet.")]));

  const newest = shown.sort((a, b) => b.sequence - a.sequence);
  ow.$("timeline").replaceChildren(...newest.map((e) => ow.el(
    "li", { "data-sequence": e.sequence, "data-type": e.type },
    ow.el("time", { datetime: e.occurredAt }, ow.moment(e.occurredAt)), " ", describe(e),
  )));
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
  order = body.data.order;
  for (const event of order.timeline) events.set(event.sequence, event);
  render();
  ow.live({
    query: FOLLOW,
    variables: { id: ORDER_ID, after: order.updatesCursor },
    next(update) {
      order = update.order;
      events.set(update.event.sequence, update.event);
      render();
    },
    state: ow.showState,
    fatal: stop,
  });
}

start();
