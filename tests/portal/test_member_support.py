"""Helpers for the member portal tests. This module contains no tests."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.notify.models import Notification
from tests.factories import CardFactory, MemberFactory

CODE_PATTERN = re.compile(r"\d{6}")


def household_with_card(phone: str, **fields: object) -> tuple[Member, Card]:
    member = MemberFactory(phone=phone, **fields)
    card = CardFactory(member=member)
    return member, card


def code_messages(phone: str) -> list[Notification]:
    return list(
        Notification.objects.filter(
            key__startswith="portal-code:", recipient=phone
        ).order_by("pk")
    )


def last_code(phone: str) -> str:
    """Return the code in the newest code SMS queued for ``phone``."""
    messages = code_messages(phone)
    assert messages, f"no code message was queued for {phone}"
    match = CODE_PATTERN.search(messages[-1].body)
    assert match is not None, messages[-1].body
    return match.group()


def request_code(client: Client, phone: str) -> None:
    """Ask for a sign-in code, with the client reading pages in English from now."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("member_portal:sign-in"), {"phone": phone})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("member_portal:sign-in-code")


def sign_in(client: Client, phone: str) -> None:
    """Sign in through the code pages as the only household of ``phone``."""
    request_code(client, phone)
    response = client.post(
        reverse("member_portal:sign-in-code"), {"code": last_code(phone)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("member_portal:home")
