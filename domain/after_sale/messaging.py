"""Buyer-seller messages: only what completes the order or serves the customer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.kernel.access import Action, require_role
from domain.kernel.errors import ErrorCode, MessageRefused, ValidationFailed
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import require_text

MAX_BODY = 2000
MAX_ATTACHMENTS = 5


@dataclass(frozen=True, slots=True)
class MessageRule:
    """One thing a seller may not put in a message, and the code that names it."""

    code: ErrorCode
    forbids: str
    pattern: re.Pattern[str]


def _rule(code: ErrorCode, forbids: str, pattern: str) -> MessageRule:
    return MessageRule(code, forbids, re.compile(pattern, re.IGNORECASE))


# Checked in this order: an email address would otherwise read as a link.
SELLER_RULES: tuple[MessageRule, ...] = (
    _rule(ErrorCode.MESSAGE_EMAIL_ADDRESS, "email addresses", r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    _rule(
        ErrorCode.MESSAGE_PHONE_NUMBER,
        "phone numbers",
        r"(?<![\w+])(\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\w)",
    ),
    _rule(
        ErrorCode.MESSAGE_EXTERNAL_LINK,
        "links to other shops or sites",
        r"https?://|www\.|\b[\w-]+\.(com|net|org|shop|store|io|co)\b",
    ),
    _rule(
        ErrorCode.MESSAGE_PROMOTION,
        "promotions and discounts",
        r"\b(discount|coupon|promo(tion)?s?|voucher|\d+\s?% off|on sale|special offer)\b",
    ),
    _rule(
        ErrorCode.MESSAGE_REVIEW_SOLICITATION,
        "asking for positive reviews",
        r"\b(5|five)[- ]?stars?\b|\bpositive (review|feedback)\b|\bgood review\b",
    ),
    _rule(
        ErrorCode.MESSAGE_OFF_PLATFORM,
        "taking the buyer off the marketplace",
        r"\b(whatsapp|telegram|wechat|signal me|text me|call me|pay (me )?directly|"
        r"outside (of )?(the )?(marketplace|platform)|contact me (at|on))\b",
    ),
)


def check_seller_message(body: str) -> None:
    """Refuse marketing and off-platform content, naming the rule it broke."""
    for rule in SELLER_RULES:
        if rule.pattern.search(body):
            raise MessageRefused(rule.code, f"sellers may not send {rule.forbids}")


@dataclass(slots=True)
class Message:
    id: str
    order_id: str
    sender_id: str
    sender_role: Role
    body: str
    attachments: tuple[str, ...]
    sent_at: datetime
    read_at: datetime | None = None

    @classmethod
    def compose(
        cls,
        *,
        message_id: str,
        order_id: str,
        sender: Actor,
        body: str,
        attachments: Sequence[str],
        now: datetime,
    ) -> Message:
        """A plain-text message within the limits; a seller's also passes the content rules."""
        require_role(sender, Action.TAKE_PART_IN_THREAD)
        text = require_text(body, "body", limit=MAX_BODY)
        if len(attachments) > MAX_ATTACHMENTS:
            raise ValidationFailed(
                f"at most {MAX_ATTACHMENTS} attachments per message", field="attachments"
            )
        refs = tuple(require_text(ref, "attachments", limit=200) for ref in attachments)
        if sender.role is Role.SELLER:
            check_seller_message(text)
        return cls(message_id, order_id, sender.id, sender.role, text, refs, now)
