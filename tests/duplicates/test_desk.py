"""The review queue in the desk: listing, scoping, masking, merge and undo."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.merging import merge_members
from lq_crm.duplicates.models import DuplicateCandidate, Merge
from lq_crm.duplicates.services import record_candidates
from tests.conftest import make_user
from tests.factories import CardFactory, MemberFactory

pytestmark = pytest.mark.django_db

REVIEW_PERMISSIONS = [
    "view_duplicatecandidate",
    "change_duplicatecandidate",
    "view_merge",
    "change_merge",
]


def grant_review(user: User) -> User:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="duplicates", codename__in=REVIEW_PERMISSIONS
        )
    )
    return User.objects.get(pk=user.pk)


def client_for(user: User) -> Client:
    # The review pages' messages are checked in English.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def make_pair(
    city: Region, phone: str, other_city: Region | None = None
) -> DuplicateCandidate:
    first = MemberFactory(name="王小明", phone=phone, city=city)
    second = MemberFactory(name="王小明", phone=phone, city=other_city or city)
    CardFactory(member=second)
    record_candidates([second.pk])
    low, high = sorted([first.pk, second.pk])
    return DuplicateCandidate.objects.get(member_low_id=low, member_high_id=high)


@pytest.fixture
def jinan_pair(jinan: Region) -> DuplicateCandidate:
    return make_pair(jinan, "+8613900000001")


@pytest.fixture
def qingdao_pair(qingdao: Region) -> DuplicateCandidate:
    return make_pair(qingdao, "+8613900000002")


def test_queue_lists_pairs_with_full_phone(
    head_office_admin: User,
    jinan_pair: DuplicateCandidate,
    qingdao_pair: DuplicateCandidate,
) -> None:
    client = client_for(grant_review(head_office_admin))

    response = client.get(reverse("duplicates:queue"))

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("duplicates:review", args=[jinan_pair.pk]) in body
    assert reverse("duplicates:review", args=[qingdao_pair.pk]) in body
    assert "+8613900000001" in body


def test_review_shows_address_to_head_office(
    head_office_admin: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(head_office_admin))

    response = client.get(reverse("duplicates:review", args=[jinan_pair.pk]))

    body = response.content.decode()
    assert jinan_pair.member_low.address in body
    assert "+8613900000001" in body


def test_queue_needs_permission(
    jinan_clerk: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(jinan_clerk)

    assert client.get(reverse("duplicates:queue")).status_code == 403
    review = client.get(reverse("duplicates:review", args=[jinan_pair.pk]))
    assert review.status_code == 403


def test_jinan_clerk_sees_only_jinan(
    jinan_clerk: User, jinan_pair: DuplicateCandidate, qingdao_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(jinan_clerk))

    body = client.get(reverse("duplicates:queue")).content.decode()
    own = client.get(reverse("duplicates:review", args=[jinan_pair.pk]))
    other = client.get(reverse("duplicates:review", args=[qingdao_pair.pk]))
    decide = client.post(
        reverse("duplicates:decide", args=[qingdao_pair.pk]),
        {"action": "not_duplicates"},
    )

    assert reverse("duplicates:review", args=[jinan_pair.pk]) in body
    assert reverse("duplicates:review", args=[qingdao_pair.pk]) not in body
    assert own.status_code == 200
    assert other.status_code == 404
    assert decide.status_code == 404
    qingdao_pair.refresh_from_db()
    assert qingdao_pair.status == DuplicateCandidate.Status.OPEN


def test_qingdao_clerk_sees_only_qingdao(
    qingdao_clerk: User,
    jinan_pair: DuplicateCandidate,
    qingdao_pair: DuplicateCandidate,
) -> None:
    client = client_for(grant_review(qingdao_clerk))

    body = client.get(reverse("duplicates:queue")).content.decode()
    other = client.get(reverse("duplicates:review", args=[jinan_pair.pk]))

    assert reverse("duplicates:review", args=[qingdao_pair.pk]) in body
    assert reverse("duplicates:review", args=[jinan_pair.pk]) not in body
    assert other.status_code == 404


def test_cross_city_pair_hidden_from_both_clerks(
    jinan: Region, qingdao: Region, jinan_clerk: User, qingdao_clerk: User
) -> None:
    pair = make_pair(jinan, "+8613900000003", other_city=qingdao)
    both = make_user("both-cities", "store_clerk", [jinan, qingdao])

    for user in (jinan_clerk, qingdao_clerk):
        response = client_for(grant_review(user)).get(
            reverse("duplicates:review", args=[pair.pk])
        )
        assert response.status_code == 404
    response = client_for(grant_review(both)).get(
        reverse("duplicates:review", args=[pair.pk])
    )
    assert response.status_code == 200


def test_review_masks_phone_without_permission(
    jinan_clerk: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(jinan_clerk))

    response = client.get(reverse("duplicates:review", args=[jinan_pair.pk]))

    body = response.content.decode()
    assert "+86139****0001" in body
    assert "+8613900000001" not in body
    assert jinan_pair.member_low.address not in body
    assert jinan_pair.member_high.cards.get().card_number in body


def test_merge_through_desk_and_double_click(
    jinan_clerk: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(jinan_clerk))
    url = reverse("duplicates:decide", args=[jinan_pair.pk])
    data = {"action": "merge", "survivor": str(jinan_pair.member_low_id)}

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    merge = Merge.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("duplicates:merge", args=[merge.pk])
    assert second.status_code == 200
    assert "already merged" in second.content.decode()
    assert merge.survivor_id == jinan_pair.member_low_id
    assert Member.objects.get(pk=jinan_pair.member_high_id).merged_into_id == (
        jinan_pair.member_low_id
    )
    queue = client.get(reverse("duplicates:queue")).content.decode()
    assert reverse("duplicates:review", args=[jinan_pair.pk]) not in queue


def test_merge_needs_survivor_choice(
    head_office_admin: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(head_office_admin))

    response = client.post(
        reverse("duplicates:decide", args=[jinan_pair.pk]),
        {"action": "merge", "survivor": "999999"},
        follow=True,
    )

    assert Merge.objects.count() == 0
    assert "Choose the household to keep" in response.content.decode()


def test_undo_through_desk(
    head_office_admin: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(head_office_admin))
    client.post(
        reverse("duplicates:decide", args=[jinan_pair.pk]),
        {"action": "merge", "survivor": str(jinan_pair.member_high_id)},
    )
    merge = Merge.objects.get()

    page = client.get(reverse("duplicates:merge", args=[merge.pk]))
    client.post(reverse("duplicates:undo", args=[merge.pk]))
    repeated = client.post(reverse("duplicates:undo", args=[merge.pk]), follow=True)

    merge.refresh_from_db()
    assert page.status_code == 200
    assert merge.status == Merge.Status.UNDONE
    assert "already undone" in repeated.content.decode()
    jinan_pair.refresh_from_db()
    assert jinan_pair.status == DuplicateCandidate.Status.OPEN


def test_not_duplicates_through_desk(
    head_office_admin: User, jinan_pair: DuplicateCandidate
) -> None:
    client = client_for(grant_review(head_office_admin))

    response = client.post(
        reverse("duplicates:decide", args=[jinan_pair.pk]), {"action": "not_duplicates"}
    )

    jinan_pair.refresh_from_db()
    assert response.status_code == 302
    assert jinan_pair.status == DuplicateCandidate.Status.NOT_DUPLICATES
    assert record_candidates([jinan_pair.member_low_id]) == 0


def test_member_desk_search_finds_survivor_by_old_phone(
    admin_client: Client, jinan: Region
) -> None:
    survivor = MemberFactory(name="王小明", phone="+8613900000007", city=jinan)
    merged = MemberFactory(name="章伟", phone="+8613900000008", city=jinan)
    merge_members(survivor, merged)
    url = reverse("admin:member_member_changelist")

    by_phone = admin_client.get(url, {"q": "139 0000 0008"})
    by_number = admin_client.get(url, {"q": merged.number})
    by_name = admin_client.get(url, {"q": "章伟"})

    for response in (by_phone, by_number, by_name):
        assert list(response.context["cl"].result_list) == [survivor]


def test_scan_button_runs_job_for_head_office(
    head_office_admin: User,
    jinan_clerk: User,
    jinan: Region,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.JOBS_INLINE = True
    MemberFactory(name="李四", phone="+8613900000009", city=jinan)
    MemberFactory(name="李四", phone="+8613900000009", city=jinan)
    url = reverse("duplicates:scan")

    with django_capture_on_commit_callbacks(execute=True) as refused_jobs:
        refused = client_for(grant_review(jinan_clerk)).post(url)
    with django_capture_on_commit_callbacks(execute=True) as jobs:
        accepted = client_for(grant_review(head_office_admin)).post(url)

    assert refused.status_code == 403
    assert refused_jobs == []
    assert accepted.status_code == 302
    assert len(jobs) == 1
    assert DuplicateCandidate.objects.count() == 1


def test_member_api_leaves_out_merged(head_office_admin: User, jinan: Region) -> None:
    survivor = MemberFactory(name="王小明", city=jinan)
    merged = MemberFactory(name="王小明", city=jinan)
    merge_members(survivor, merged)
    client = APIClient()
    client.force_authenticate(head_office_admin)

    listed = client.get("/api/members/")
    detail = client.get(f"/api/members/{merged.pk}/")

    ids = [row["id"] for row in listed.json()["results"]]
    assert survivor.pk in ids
    assert merged.pk not in ids
    assert detail.status_code == 404
