"""A form token replays the earlier save only for the user who keyed it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.store.models import Store
from lq_crm.keying.models import KeyedForm
from lq_crm.keying.paper import KeyingError
from lq_crm.keying.services import key_paper_form, replay
from tests.conftest import make_user
from tests.keying.conftest import paper_form, stock_card

pytestmark = pytest.mark.django_db


def test_other_user_token_rejected(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(jinan_store, card_in_stock)
    first = key_paper_form(form, service_clerk)
    other_clerk = make_user("other-service-clerk", "service_centre")
    copied = paper_form(
        jinan_store, stock_card(20_000_002), token=form.token, name="李明"
    )

    with pytest.raises(KeyingError) as raised:
        key_paper_form(copied, other_clerk)

    message = " ".join(raised.value.errors[NON_FIELD_ERRORS])
    assert "already saved by another user" in message
    assert "reload the page" in message
    assert first.member.name not in str(raised.value)
    assert Member.objects.count() == 1
    assert KeyedForm.objects.get().user_id == service_clerk.pk


def test_replay_for_same_user_only(
    service_clerk: User, jinan_store: Store, card_in_stock: Card
) -> None:
    form = paper_form(jinan_store, card_in_stock)
    first = key_paper_form(form, service_clerk)
    other_clerk = make_user("other-service-clerk", "service_centre")

    again = replay(form.token, service_clerk)

    assert again is not None
    assert again.replayed
    assert again.member == first.member
    with pytest.raises(KeyingError):
        replay(form.token, other_clerk)


def test_unknown_token_not_replayed(service_clerk: User) -> None:
    assert replay("no-such-token", service_clerk) is None
