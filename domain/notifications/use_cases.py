"""A person's notification preferences and history."""

from __future__ import annotations

from domain.kernel.errors import NotFound
from domain.kernel.identity import Actor
from domain.kernel.ports import Page, PageWindow
from domain.notifications.deliveries import NotificationRecord, NotificationStatus
from domain.notifications.ports import NotificationHistory, PreferenceStore
from domain.notifications.preferences import Preferences, PreferencesChange, require_party


class NotificationUseCases:
    def __init__(self, preferences: PreferenceStore, history: NotificationHistory) -> None:
        self._preferences = preferences
        self._history = history

    async def preferences(self, actor: Actor) -> Preferences:
        """The caller's saved preferences, or the defaults of their role."""
        require_party(actor)
        return await self._preferences.get(actor) or Preferences.default_for(actor)

    async def update_preferences(self, actor: Actor, change: PreferencesChange) -> Preferences:
        current = await self.preferences(actor)
        updated = current.changed(change)
        await self._preferences.save(updated, expected_version=current.version)
        return updated

    async def notification(self, actor: Actor, notification_id: str) -> NotificationRecord:
        """One of the caller's own notifications; anyone else's reads as absent."""
        require_party(actor)
        found = await self._history.one_for(actor, notification_id)
        if found is None:
            raise NotFound(f"notification {notification_id} not found", field="id")
        return found

    async def history(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        window: PageWindow,
    ) -> Page[NotificationRecord]:
        require_party(actor)
        return await self._history.page_for(actor, status=status, window=window)
