"""Driving returns through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, SELLER, UPS, Api

RETURN_FIELDS = """
  id orderId status reason overdue answerDueAt items { sku quantity }
  label { kind carrier trackingId } rejectionReason closeReason
  restockingFee { amount } refunded { amount currency } version
"""
RETURN_PAYLOAD = f"return {{ {RETURN_FIELDS} }} errors {{ code message field }}"

ARG_TYPES = {
    "input": {
        "requestReturn": "RequestReturnInput!",
        "issueReturnLabel": "IssueReturnLabelInput!",
        "recordReturnScan": "RecordReturnScanInput!",
        "refundReturn": "RefundReturnInput!",
    },
    "returnId": "ID!",
    "reason": "String",
}


async def return_mutation(
    api: Api, name: str, args: str, variables: dict[str, Any], *, as_: Actor
) -> dict[str, Any]:
    decls = []
    for var, kind in ARG_TYPES.items():
        if f"${var}" in args:
            declared = kind[name] if isinstance(kind, dict) else kind
            if name == "rejectReturn" and var == "reason":
                declared = "String!"
            decls.append(f"${var}: {declared}")
    body = await api.gql(
        f"mutation({', '.join(decls)}) {{ {name}({args}) {{ {RETURN_PAYLOAD} }} }}",
        variables,
        as_=as_,
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


async def ok(
    api: Api, name: str, args: str, variables: dict[str, Any], *, as_: Actor
) -> dict[str, Any]:
    payload = await return_mutation(api, name, args, variables, as_=as_)
    assert payload["errors"] == [], payload["errors"]
    ret: dict[str, Any] = payload["return"]
    return ret


async def refused(
    api: Api, name: str, args: str, variables: dict[str, Any], *, as_: Actor
) -> dict[str, Any]:
    payload = await return_mutation(api, name, args, variables, as_=as_)
    assert payload["return"] is None, payload
    error: dict[str, Any] = payload["errors"][0]
    return error


async def delivered_order(api: Api, *, shipper: Actor = SELLER, **overrides: Any) -> dict[str, Any]:
    return await api.order_in(
        "DELIVERED", shipper=shipper, scan_after=timedelta(days=1), **overrides
    )


def request_input(
    order_id: str, items: list[tuple[str, int]] | None = None, reason: str = "NO_LONGER_NEEDED"
) -> dict[str, Any]:
    chosen = items or [("MUG-01", 2), ("LAMP-7", 1)]
    return {
        "input": {
            "orderId": order_id,
            "items": [{"sku": sku, "quantity": qty} for sku, qty in chosen],
            "reason": reason,
        }
    }


async def request(
    api: Api,
    order_id: str,
    items: list[tuple[str, int]] | None = None,
    reason: str = "NO_LONGER_NEEDED",
    *,
    as_: Actor = BUYER,
) -> dict[str, Any]:
    return await ok(
        api, "requestReturn", "input: $input", request_input(order_id, items, reason), as_=as_
    )


async def bring_back(
    api: Api, return_id: str, *, handler: Actor = SELLER, tracking: str = "RMA1"
) -> dict[str, Any]:
    """Label, carrier scan and receipt: the return ends RECEIVED."""
    label = {
        "returnId": return_id,
        "kind": "SELLER_PREPAID",
        "carrier": "UPS",
        "trackingId": tracking,
    }
    await ok(api, "issueReturnLabel", "input: $input", {"input": label}, as_=handler)
    scan = {
        "returnId": return_id,
        "tag": "IN_TRANSIT",
        "location": {"city": "Reno", "countryCode": "US"},
        "occurredAt": api.clock().isoformat(),
    }
    moving = await ok(api, "recordReturnScan", "input: $input", {"input": scan}, as_=UPS)
    assert moving["status"] == "IN_TRANSIT"
    return await ok(
        api, "markReturnReceived", "returnId: $returnId", {"returnId": return_id}, as_=handler
    )


def refund_input(return_id: str, key: str, fee: int = 0) -> dict[str, Any]:
    return {"input": {"returnId": return_id, "idempotencyKey": key, "restockingFeePercent": fee}}
