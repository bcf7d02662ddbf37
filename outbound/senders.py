"""How a notification leaves: email over SMTP, SMS and push as signed JSON to a provider."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib
import httpx

from domain.notifications.deliveries import Outgoing
from domain.notifications.preferences import Channel
from outbound.signing import sign


class DeliveryFailed(Exception):
    """The provider did not take the message; `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, notification_id: str, message: Outgoing) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    tls: str = "none"  # "none", "tls" or "starttls"
    timeout: float = 10.0


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    def message(self, notification_id: str, outgoing: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._config.mail_from
        mail["To"] = outgoing.to
        mail["Subject"] = outgoing.subject
        # The same id on every attempt lets a mail system drop a repeat.
        mail["Message-ID"] = make_msgid(idstring=notification_id.replace("|", "."))
        mail["X-Orderwire-Notification"] = notification_id
        mail.set_content(outgoing.text)
        mail.add_alternative(outgoing.html, subtype="html")
        return mail

    async def send(self, notification_id: str, message: Outgoing) -> None:
        c = self._config
        try:
            await aiosmtplib.send(
                self.message(notification_id, message),
                hostname=c.host,
                port=c.port,
                username=c.username,
                password=c.password,
                use_tls=c.tls == "tls",
                start_tls=c.tls == "starttls",
                timeout=c.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(f"SMTP refused the recipient: {error}", permanent=True) from error
        except aiosmtplib.SMTPResponseException as error:
            permanent = 500 <= error.code < 600
            raise DeliveryFailed(
                f"SMTP {error.code}: {error.message}", permanent=permanent
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP: {error}") from error

    async def close(self) -> None:
        """Each message opens its own connection; nothing stays open."""


# Provider answers that another attempt may fix; other 4xx answers are final.
_RETRYABLE = frozenset({408, 409, 425, 429})


class HttpSender:
    """POSTs JSON to a provider, signed like our carrier webhooks, with an idempotency key."""

    def __init__(self, channel: Channel, url: str, secret: str, timeout: float) -> None:
        self._channel = channel
        self._url = url
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=timeout)

    def payload(self, notification_id: str, message: Outgoing) -> dict[str, object]:
        body: dict[str, object] = {
            "id": notification_id,
            "category": message.category.value,
            "orderId": message.order_id,
        }
        if self._channel is Channel.SMS:
            body |= {"to": message.to, "text": message.short}
        else:
            body |= {"to": message.to.split(", "), "title": message.subject, "body": message.short}
        return body

    async def send(self, notification_id: str, message: Outgoing) -> None:
        body = json.dumps(self.payload(notification_id, message)).encode()
        stamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "idempotency-key": notification_id,
            "x-orderwire-timestamp": stamp,
            "x-orderwire-signature": sign(self._secret, stamp, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(
                f"{self._channel.value} provider unreachable: {error!r}"
            ) from error
        if response.is_success:
            return
        status = response.status_code
        permanent = 400 <= status < 500 and status not in _RETRYABLE
        detail = response.text[:200]
        raise DeliveryFailed(
            f"{self._channel.value} provider answered {status}: {detail}", permanent=permanent
        )

    async def close(self) -> None:
        await self._client.aclose()
