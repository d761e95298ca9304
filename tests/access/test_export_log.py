"""Every export leaves a record: who, from which list, under which filters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from lq_crm.doctype.member.models import Member
from lq_crm.exports.models import ExportRecord
from tests.access.conftest import World, client_for
from tests.cards.conftest import make_batch

pytestmark = pytest.mark.django_db


def test_member_list_export_records_filters_and_rows(
    world: World, jinan_office: User
) -> None:
    client = client_for(jinan_office)

    response = client.post(
        "/desk/member/member/?q=%E6%B5%8E%E5%8D%97&o=2",
        {
            "action": "export_excel",
            "_selected_action": [world.jinan.member.pk, world.qingdao.member.pk],
        },
    )

    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert record.user == jinan_office
    assert record.source == "member.member"
    # The Qingdao household was ticked but is outside the user's city.
    assert record.rows == 1
    assert record.filters == "q=%E6%B5%8E%E5%8D%97"
    assert record.selection == "2"


def test_export_across_all_matching_rows_says_so(
    world: World, head_office_admin: User
) -> None:
    client_for(head_office_admin).post(
        "/desk/member/member/",
        {
            "action": "export_excel",
            "select_across": "1",
            "_selected_action": [world.jinan.member.pk],
        },
    )

    record = ExportRecord.objects.get()
    assert record.selection == "all"
    assert record.rows == 2


def test_roster_export_is_recorded(world: World, qingdao_office: User) -> None:
    client_for(qingdao_office).post(
        "/desk/event/registration/",
        {
            "action": "export_roster",
            "_selected_action": [
                world.jinan.registration.pk,
                world.qingdao.registration.pk,
            ],
        },
    )

    record = ExportRecord.objects.get()
    assert (record.source, record.rows) == ("event.registration", 1)


def test_card_batch_export_through_the_api_is_recorded(
    world: World, jinan_office: User
) -> None:
    batch = make_batch(first_serial=700, quantity=4)
    client = APIClient()
    client.force_authenticate(jinan_office)

    response = client.get(f"/api/card-batches/{batch.pk}/export/")
    b"".join(response.streaming_content)

    record = ExportRecord.objects.get()
    assert (record.user, record.source, record.rows) == (jinan_office, "card.card", 4)


def test_list_view_without_export_leaves_no_record(
    world: World, jinan_office: User
) -> None:
    client_for(jinan_office).get("/desk/member/member/")

    assert not ExportRecord.objects.exists()


def test_export_records_are_read_only_in_the_desk(
    world: World, head_office_admin: User
) -> None:
    client = client_for(head_office_admin)
    client.post(
        "/desk/member/member/",
        {"action": "export_excel", "_selected_action": [world.jinan.member.pk]},
    )
    record = ExportRecord.objects.get()

    listing = client.get("/desk/exports/exportrecord/")
    change = client.post(f"/desk/exports/exportrecord/{record.pk}/delete/")

    assert listing.status_code == 200
    assert str(Member._meta.verbose_name_plural) in listing.content.decode()
    assert change.status_code == 403
    assert ExportRecord.objects.filter(pk=record.pk).exists()
