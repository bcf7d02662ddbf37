// The board's account health: the figures Seller Central's Account Health shows, the order
// defect rate's three parts under it, and the response time beside them, read once when the
// board opens and again on demand (they move with days, not with each order).
"use strict";

const HEALTH = `query BoardHealth($sellerId: ID!) {
  sellerPerformance(sellerId: $sellerId) {
    status
    figures { ...Figure }
    orderDefectParts { ...Figure }
    responseTime { ...Figure }
  }
}
fragment Figure on HealthFigureType { metric numerator denominator rate target higherIsBetter status }`;

const FIGURE_TEXT = {
  ORDER_DEFECT_RATE: "Order defect rate (60 days)",
  NEGATIVE_FEEDBACK_RATE: "Negative feedback",
  A_TO_Z_CLAIM_RATE: "A-to-z Guarantee claims",
  CHARGEBACK_RATE: "Chargeback claims",
  LATE_SHIPMENT_RATE: "Late shipment rate (30 days)",
  LATE_SHIPMENT_RATE_10_DAYS: "Late shipment rate (10 days)",
  PRE_FULFILLMENT_CANCEL_RATE: "Pre-fulfillment cancel rate (7 days)",
  VALID_TRACKING_RATE: "Valid tracking rate (30 days)",
  ON_TIME_DELIVERY_RATE: "On-time delivery rate (30 days)",
  RESPONSE_TIME_UNDER_24_HOURS: "Response time under 24 hours (90 days)",
};
const HEALTH_STATUS_TEXT = { GOOD: "Good", AT_RISK: "At risk", POOR: "Poor" };

function healthRow(figure, part) {
  const rate = figure.rate === null ? "No orders" : `${figure.rate.toFixed(2)} %`;
  const target = `${figure.higherIsBetter ? "over" : "under"} ${figure.target} %`;
  const name = ow.el("th", { scope: "row", class: part ? "part" : "" }, FIGURE_TEXT[figure.metric] || figure.metric);
  return ow.el("tr", { "data-metric": figure.metric },
    name,
    ow.el("td", { class: "number" }, rate),
    ow.el("td", { class: "number" }, `${figure.numerator} of ${figure.denominator}`),
    ow.el("td", {}, target),
    ow.el("td", { class: `health-${figure.status.toLowerCase()}` }, HEALTH_STATUS_TEXT[figure.status]));
}

async function showHealth(sellerId) {
  const answer = await ow.graphql(HEALTH, { sellerId });
  ow.$("health").hidden = false;
  ow.$("health-refresh").onclick = () => showHealth(sellerId);
  if (answer.errors) {
    ow.say("health-problem", `The figures could not be read: ${answer.errors[0].message}`);
    return;
  }
  ow.say("health-problem", "");
  const health = answer.data.sellerPerformance;
  const rows = [];
  for (const figure of health.figures) {
    rows.push(healthRow(figure, false));
    if (figure.metric === "ORDER_DEFECT_RATE") rows.push(...health.orderDefectParts.map((p) => healthRow(p, true)));
  }
  rows.push(healthRow(health.responseTime, false));
  ow.$("health-rows").replaceChildren(...rows);
  ow.$("health-status").textContent = `Account health: ${HEALTH_STATUS_TEXT[health.status]}`;
}
