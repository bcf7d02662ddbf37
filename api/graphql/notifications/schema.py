"""Notification preferences and history through GraphQL."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

from api.graphql.common.context import Context
from api.graphql.common.enums import Category, Channel, NotificationStatus
from api.graphql.common.errors import UserError
from api.graphql.common.node import Node, notification_node_id
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.payloads import attempt
from domain.kernel.errors import ValidationFailed
from domain.notifications.deliveries import NotificationRecord
from domain.notifications.ports import NEWEST_NOTIFIED
from domain.notifications.preferences import (
    KEEP,
    Keep,
    Preferences,
    PreferencesChange,
    QuietHours,
    categories_of,
)


@strawberry.type(description="A daily span in your time zone when SMS and push wait.")
class QuietHoursType:
    start: str = strawberry.field(description="HH:MM, 24-hour clock.")
    end: str


@strawberry.type(description="The channels one category of notification goes out on.")
class CategoryChannels:
    category: Category
    channels: list[Channel]


@strawberry.type(name="NotificationPreferences")
class PreferencesType:
    email: str | None
    phone: str | None = strawberry.field(description="International form: +351912345678.")
    push_endpoints: list[str]
    time_zone: str = strawberry.field(description="IANA name, like Europe/Lisbon.")
    quiet_hours: QuietHoursType | None
    categories: list[CategoryChannels] = strawberry.field(
        description="Every category of your role with the channels you chose, or the defaults. "
        "A channel without its contact point (no phone for SMS) sends nothing."
    )

    @classmethod
    def from_domain(cls, p: Preferences) -> PreferencesType:
        quiet = p.quiet_hours
        return cls(
            email=p.email,
            phone=p.phone,
            push_endpoints=list(p.push_endpoints),
            time_zone=p.time_zone,
            quiet_hours=None
            if quiet is None
            else QuietHoursType(start=f"{quiet.start:%H:%M}", end=f"{quiet.end:%H:%M}"),
            categories=[
                CategoryChannels(category=c, channels=[ch for ch in Channel if ch in p.wanted(c)])
                for c in categories_of(p.role)
            ],
        )


@strawberry.type(name="Notification", description="One message to you on one channel.")
class NotificationType(Node):
    id: strawberry.ID
    category: Category
    channel: Channel
    status: NotificationStatus
    order_id: strawberry.ID
    to: str = strawberry.field(description="The address, phone number or push endpoints used.")
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(
        description="When it goes out (held or retrying), or null once settled."
    )
    sent_at: datetime | None

    @classmethod
    def from_domain(cls, r: NotificationRecord) -> NotificationType:
        return cls(
            id=notification_node_id(r.id),
            category=r.category,
            channel=r.channel,
            status=r.status,
            order_id=strawberry.ID(r.order_id),
            to=r.to,
            subject=r.subject,
            attempts=r.attempts,
            last_error=r.last_error,
            created_at=r.created_at,
            next_attempt_at=r.next_attempt_at,
            sent_at=r.sent_at,
        )


@strawberry.input
class QuietHoursInput:
    start: str = strawberry.field(description="HH:MM, 24-hour clock.")
    end: str


@strawberry.input
class CategoryChannelsInput:
    category: Category
    channels: list[Channel] = strawberry.field(description="An empty list turns it off.")


@strawberry.input(description="Only the fields you send change; null clears a contact point.")
class NotificationPreferencesInput:
    email: str | None = UNSET
    phone: str | None = UNSET
    push_endpoints: list[str] | None = UNSET
    time_zone: str | None = UNSET
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=UNSET, description="null turns quiet hours off."
    )
    categories: list[CategoryChannelsInput] | None = UNSET


def _clock_time(value: str, field: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed("use HH:MM, like 22:00", field=field) from error
    if len(value) != 5 or parsed.second or parsed.tzinfo:
        raise ValidationFailed("use HH:MM, like 22:00", field=field)
    return parsed


def _change(given: NotificationPreferencesInput) -> PreferencesChange:
    if given.time_zone is None:
        raise ValidationFailed("timeZone cannot be null", field="timeZone")
    quiet: QuietHours | Keep | None = KEEP
    if given.quiet_hours is None:
        quiet = None
    elif given.quiet_hours is not UNSET:
        quiet = QuietHours(
            _clock_time(given.quiet_hours.start, "quietHours.start"),
            _clock_time(given.quiet_hours.end, "quietHours.end"),
        )
    return PreferencesChange(
        email=KEEP if given.email is UNSET else given.email,
        phone=KEEP if given.phone is UNSET else given.phone,
        push_endpoints=KEEP if given.push_endpoints is UNSET else (given.push_endpoints or []),
        time_zone=KEEP if given.time_zone is UNSET else given.time_zone,
        quiet_hours=quiet,
        categories=[(c.category, c.channels) for c in given.categories or []],
    )


@strawberry.type(description="Your preferences as saved, or why they were refused.")
class NotificationPreferencesPayload:
    preferences: PreferencesType | None
    errors: list[UserError]


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        description="Buyer or seller: what you are told about, where, and when not.",
    )
    async def notification_preferences(self, info: Info[Context, None]) -> PreferencesType:
        ctx = info.context
        preferences = await ctx.notifications.preferences(ctx.require_actor())
        return PreferencesType.from_domain(preferences)

    @strawberry.field(
        description="Buyer or seller: the notifications sent to you, newest first, with "
        "their delivery status.",
    )
    async def notifications(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        status: Annotated[
            NotificationStatus | None,
            strawberry.argument(description="Only notifications in this delivery status."),
        ] = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[NotificationType]:
        ctx = info.context
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.notifications.history(ctx.require_actor(), status=status, window=window)
        return connection(
            page,
            window,
            position=NEWEST_NOTIFIED.position,
            node=NotificationType.from_domain,
            cursors=ctx.cursors,
        )


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description="Buyer or seller: change contact points, time zone, quiet hours or the "
        "channels of some categories; what you leave out stays as it is.",
    )
    async def update_notification_preferences(
        self, info: Info[Context, None], input: NotificationPreferencesInput
    ) -> NotificationPreferencesPayload:
        uc = info.context.notifications

        def answer(
            saved: Preferences | None, errors: list[UserError]
        ) -> NotificationPreferencesPayload:
            shown = None if saved is None else PreferencesType.from_domain(saved)
            return NotificationPreferencesPayload(preferences=shown, errors=errors)

        return await attempt(
            info,
            "updateNotificationPreferences",
            lambda a: uc.update_preferences(a, _change(input)),
            answer,
        )
