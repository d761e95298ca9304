"""SMS backends, chosen by the dotted path in ``settings.SMS_BACKEND``.

A backend sends one text and raises ``SmsError`` when the gateway did not
accept it, so that the send job can put the outbox row back for a retry.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from lq_crm.core.phones import mask_phone

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A message the gateway did not accept. The text is safe to store."""


class BaseSmsBackend:
    def send(self, *, to: str, text: str, message_id: str) -> None:
        """Send ``text`` to the phone number ``to``; raise SmsError on failure.

        ``message_id`` is the outbox key, the same for every attempt at one
        message, so that a gateway can drop a duplicate.
        """
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Write messages to the log instead of sending them (first runs, tests)."""

    def send(self, *, to: str, text: str, message_id: str) -> None:
        logger.info("SMS %s to %s: %s", message_id, mask_phone(to), text)


class HttpGatewayBackend(BaseSmsBackend):
    """POST each message as JSON to ``settings.SMS_GATEWAY_URL``.

    The body is ``{"to", "text", "id"}`` and the request carries
    ``Authorization: Bearer <SMS_GATEWAY_TOKEN>``. Any 2xx status counts as
    accepted.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, *, to: str, text: str, message_id: str) -> None:
        if not self.url:
            raise SmsError(
                "SMS gateway URL is missing: set sms_gateway_url in the site config."
            )

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = {"to": to, "text": text, "id": message_id}
        try:
            response = requests.post(
                self.url, json=payload, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as error:
            # NOTE: a timeout can hide a message the gateway accepted. The
            # retry sends the same id, so only a gateway that drops
            # duplicate ids keeps the member from getting it twice.
            raise SmsError(f"SMS gateway timed out after {self.timeout} s") from error
        except requests.RequestException as error:
            # The exception text can contain the URL, so only its type is kept.
            raise SmsError(
                f"SMS gateway request failed: {type(error).__name__}"
            ) from error

        if not 200 <= response.status_code < 300:
            raise SmsError(f"SMS gateway returned HTTP {response.status_code}")


def get_sms_backend() -> BaseSmsBackend:
    """Return an instance of the backend named by ``settings.SMS_BACKEND``."""
    backend_class = import_string(settings.SMS_BACKEND)
    return backend_class()
