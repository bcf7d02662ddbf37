// The order page for the order's seller: what Seller Central's order details page offers on
// one order. Confirm its shipment (carrier, number, method), cancel it with a reason, refund
// part or all of it: each asked to confirm, answered in words, the page redrawn from the
// order the answer carries. track.js calls sellerActions() when the viewer is the seller.
"use strict";

const SELLER_SHIP = () => `mutation OrderShip($input: ConfirmShipmentInput!) {
  confirmShipment(input: $input) { order { ${ORDER_FIELDS} } errors { code message field } }
}`;
const SELLER_CANCEL = () => `mutation OrderCancel($id: ID!, $reason: String!) {
  cancelOrder(orderId: $id, reason: $reason) { order { ${ORDER_FIELDS} } errors { code message field } }
}`;
const SELLER_REFUND = () => `mutation OrderRefund($input: RefundOrderInput!) {
  refundOrder(input: $input) { order { ${ORDER_FIELDS} } errors { code message field } }
}`;

// Seller Central's choices, in its words.
const SHIP_CARRIERS = ["UPS", "FedEx", "USPS", "DHL"];
const SHIP_METHODS = ["Ground", "2nd Day Air", "Next Day Air", "Priority Mail", "Express"];
const SELLER_CANCEL_REASONS = ["No inventory", "Shipping address undeliverable", "Customer exchange",
  "Buyer canceled", "General adjustment", "Pricing error"];
const SELLER_REFUND_REASONS = {
  GENERAL_ADJUSTMENT: "General adjustment", ITEM_DAMAGED: "Item damaged",
  DIFFERENT_ITEM: "Different item sent", SHIPPING_ADJUSTMENT: "Shipping adjustment",
  LATE_DELIVERY: "Late delivery", COULD_NOT_SHIP: "Could not ship",
};

function sellerField(label, control) {
  return ow.el("p", {}, ow.el("label", {}, `${label} `, control));
}

function sellerSelect(id, choices) {
  return ow.el("select", { id }, ...Object.entries(choices).map(([value, text]) => ow.el("option", { value }, text)));
}

function asChoices(list) {
  return Object.fromEntries(list.map((item) => [item, item]));
}

// The forms the order's state allows, each a <form> whose submit asks to confirm first.
// `page`: track.js's act, confirmStep, clock and redraw.
function sellerActions(order, page) {
  const forms = [];
  const done = (text) => (answer) => { page.redraw(answer.order); return text; };
  const leftToShip = ["UNSHIPPED", "PARTIALLY_SHIPPED"].includes(order.status);
  if (leftToShip && order.fulfillmentChannel === "MFN") {
    const form = ow.el("form", { id: "seller-ship", class: "panel", "aria-label": "Confirm shipment" },
      ow.el("h4", {}, "Confirm shipment"),
      sellerField("Carrier", sellerSelect("ship-carrier", asChoices(SHIP_CARRIERS))),
      sellerField("Shipping method", sellerSelect("ship-method", asChoices(SHIP_METHODS))),
      sellerField("Tracking number", ow.el("input", { id: "ship-tracking", required: true, autocomplete: "off", spellcheck: "false" })),
      ow.el("p", {}, ow.el("button", { type: "submit" }, "Confirm shipment")));
    form.onsubmit = (event) => {
      event.preventDefault();
      const input = {
        orderId: order.id, carrier: ow.$("ship-carrier").value, shippingMethod: ow.$("ship-method").value,
        trackingId: ow.$("ship-tracking").value.trim(), shipDate: page.clock().toISOString(),
      };
      page.confirmStep(`Ship with ${input.carrier}, tracking ${input.trackingId}? The buyer is told at once.`, "Yes, confirm shipment",
        () => page.act(SELLER_SHIP(), { input }, "confirmShipment", done(`Shipment confirmed: ${input.carrier} ${input.trackingId}.`)));
    };
    forms.push(form);
  }
  if (["PENDING", "UNSHIPPED"].includes(order.status)) {
    const form = ow.el("form", { id: "seller-cancel", class: "panel", "aria-label": "Cancel order" },
      ow.el("h4", {}, "Cancel order"),
      sellerField("Reason", sellerSelect("cancel-reason", asChoices(SELLER_CANCEL_REASONS))),
      ow.el("p", {}, ow.el("button", { type: "submit" }, "Cancel order")));
    form.onsubmit = (event) => {
      event.preventDefault();
      const reason = ow.$("cancel-reason").value;
      page.confirmStep(`Cancel this order (${reason})? The buyer is told why; nothing is charged.`, "Yes, cancel it",
        () => page.act(SELLER_CANCEL(), { id: order.id, reason }, "cancelOrder", done("The order is canceled.")));
    };
    forms.push(form);
  }
  const left = order.captured.amount - order.refunded.amount;
  if (left > 0) {
    const most = (left / 100).toFixed(2);
    const form = ow.el("form", { id: "seller-refund", class: "panel", "aria-label": "Refund" },
      ow.el("h4", {}, "Refund"),
      ow.el("p", {}, `Up to ${ow.money({ amount: left, currency: order.total.currency })} is left to refund.`),
      sellerField(`Amount (${order.total.currency})`, ow.el("input", { id: "refund-amount", type: "number", min: "0.01", max: most, step: "0.01", required: true })),
      sellerField("Reason", sellerSelect("refund-reason", SELLER_REFUND_REASONS)),
      ow.el("p", {}, ow.el("button", { type: "submit" }, "Refund")));
    form.onsubmit = (event) => {
      event.preventDefault();
      const amount = { amount: Math.round(Number(ow.$("refund-amount").value) * 100), currency: order.total.currency };
      const input = { orderId: order.id, reason: ow.$("refund-reason").value, amount };
      page.confirmStep(`Refund ${ow.money(amount)} to the buyer?`, "Yes, refund",
        () => page.act(SELLER_REFUND(), { input }, "refundOrder", done(`Refunded ${ow.money(amount)}.`)));
    };
    forms.push(form);
  }
  return forms;
}
