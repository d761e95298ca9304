"""Mask a notification's recipient for lists and log lines."""

from __future__ import annotations

from lq_crm.core.phones import mask_phone


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the domain."""
    local, at, domain = email.partition("@")
    if not at:
        return "*" * len(email)

    return f"{local[:1]}***@{domain}"


def mask_recipient(recipient: str) -> str:
    """Mask a recipient that is either an email address or a phone number."""
    if "@" in recipient:
        return mask_email(recipient)

    return mask_phone(recipient)
