"""Report pages in the desk: city scoping both ways, drill-down, Excel, invitations."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import django_rq
import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook
from rq import SimpleWorker

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.exports.models import ExportRecord
from lq_crm.notify.models import Notification
from lq_crm.reports.tables import Link
from tests.conftest import make_user
from tests.events.builders import make_event

pytestmark = pytest.mark.django_db

PERIOD = {"first_month": "2025-10", "last_month": "2026-04"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def table(response, key: str):
    return next(table for table in response.context["tables"] if table.key == key)


def cities_in(response, key: str) -> set[str]:
    return {row[0] for row in table(response, key).rows}


def test_dashboard_of_jinan_clerk_counts_jinan(club, jinan_clerk):
    response = client_for(jinan_clerk).get("/desk/reports/", PERIOD)

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.households == Member.objects.filter(city=club.jinan).count()
    assert cities_in(response, "city-totals") <= {club.jinan.name}
    assert cities_in(response, "tiers") == {club.jinan.name}
    assert club.qingdao.name not in response.content.decode()


def test_dashboard_of_qingdao_clerk_counts_qingdao(club, qingdao_clerk):
    response = client_for(qingdao_clerk).get("/desk/reports/", PERIOD)

    summary = response.context["summary"]
    assert summary.households == Member.objects.filter(city=club.qingdao).count()
    assert cities_in(response, "tiers") == {club.qingdao.name}


def test_other_city_rejected_both_ways(club, jinan_clerk, qingdao_clerk):
    jinan_response = client_for(jinan_clerk).get(
        "/desk/reports/sales/", {**PERIOD, "city": club.qingdao.pk}
    )
    qingdao_response = client_for(qingdao_clerk).get(
        "/desk/reports/households/", {**PERIOD, "city": club.jinan.pk}
    )

    assert jinan_response.status_code == 403
    assert qingdao_response.status_code == 403


def test_head_office_sees_every_city(club, head_office_admin):
    response = client_for(head_office_admin).get("/desk/reports/", PERIOD)

    assert response.context["summary"].households == Member.objects.count()
    assert cities_in(response, "tiers") == {club.jinan.name, club.qingdao.name}


def test_user_without_rights_rejected(club):
    user = make_user("member-user", "member")

    response = client_for(user).get("/desk/reports/")

    assert response.status_code == 403


def test_slip_figures_drill_into_their_slips(club, head_office_admin):
    client = client_for(head_office_admin)
    response = client.get("/desk/reports/sales/", PERIOD)
    links = [
        cell
        for row in table(response, "slips").rows
        for cell in row
        if isinstance(cell, Link)
    ]
    assert links

    for link in links:
        listed = client.get(link.url)
        assert listed.status_code == 200
        assert listed.context["page_obj"].paginator.count == link.value, link.url


def test_category_figures_drill_into_slips_with_category(club, head_office_admin):
    client = client_for(head_office_admin)
    response = client.get("/desk/reports/sales/", PERIOD)
    links = [
        cell
        for row in table(response, "sales").rows
        for cell in row
        if isinstance(cell, Link)
    ]

    for link in links:
        listed = client.get(link.url)
        assert listed.context["page_obj"].paginator.count == link.value, link.url


def test_household_figures_drill_into_their_households(club, head_office_admin):
    client = client_for(head_office_admin)
    pages = {
        "/desk/reports/signups/": ["households", "cards"],
        "/desk/reports/tiers/": ["tiers"],
        "/desk/reports/cross/": ["cross"],
        "/desk/reports/segments/": ["segments"],
        "/desk/reports/activities/": ["activities"],
    }
    checked = 0
    for path, keys in pages.items():
        response = client.get(path, PERIOD)
        for key in keys:
            for row in table(response, key).rows:
                for cell in row:
                    if isinstance(cell, Link) and "/households/" in cell.url:
                        listed = client.get(cell.url)
                        assert (
                            listed.context["page_obj"].paginator.count == cell.value
                        ), cell.url
                        checked += 1
    assert checked > 20


def test_figure_export_matches_table(club, jinan_clerk):
    client = client_for(jinan_clerk)
    shown = table(client.get("/desk/reports/sales/", PERIOD), "slips")

    response = client.get("/desk/reports/sales/", {**PERIOD, "export": "slips"})

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [str(header) for header in shown.headers]
    assert len(rows) == len(shown.rows) + 1
    for written, expected in zip(rows[1:], shown.plain_rows(), strict=True):
        assert [cell_text(value) for value in written] == [
            cell_text(value) for value in expected
        ]
    assert {row[1] for row in rows[1:]} <= {club.jinan.name}
    record = ExportRecord.objects.get()
    assert record.source == "reports.slips"
    assert record.rows == len(shown.rows)


def cell_text(value) -> str:
    """Write numbers alike: Excel keeps 690.80 as the number 690.8."""
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)).normalize())
    return str(value)


def test_household_list_export_scoped_and_masked(club, jinan_clerk):
    response = client_for(jinan_clerk).get(
        "/desk/reports/households/", {**PERIOD, "export": "xlsx"}
    )

    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    jinan_members = Member.objects.filter(city=club.jinan)
    assert len(rows) - 1 == jinan_members.count()
    names = {row[1] for row in rows[1:]}
    assert names == set(jinan_members.values_list("name", flat=True))
    phones = [row[2] for row in rows[1:]]
    assert all("****" in phone for phone in phones)
    assert not {member.phone for member in jinan_members} & set(phones)


def test_slip_list_export_scoped(club, qingdao_clerk):
    response = client_for(qingdao_clerk).get(
        "/desk/reports/slips/", {**PERIOD, "export": "xlsx"}
    )

    rows = list(
        load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    expected = PurchaseSlip.objects.filter(
        status=PurchaseSlip.Status.SUBMITTED, store__city=club.qingdao
    ).count()
    assert len(rows) - 1 == expected


def test_bad_drill_down_parameter_explained(club, head_office_admin):
    response = client_for(head_office_admin).get(
        "/desk/reports/households/",
        {"joined_month": "March"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "joined_month 'March' is not a month" in response.content.decode()


def test_invite_segment_to_event_once(
    club, head_office_admin, django_capture_on_commit_callbacks
):
    event = make_event(city=None)
    client = client_for(head_office_admin)
    path = "/desk/reports/households/?" + "first_month=2025-10&last_month=2026-04"

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(path, {"event": event.pk})
    run_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(path, {"event": event.pk})
    run_jobs()

    assert first.status_code == 302
    assert second.status_code == 302
    invited = Notification.objects.filter(
        key__startswith=f"event-invitation:{event.pk}:"
    )
    consenting = Member.objects.filter(consent_marketing=True)
    assert invited.count() == consenting.count()
    assert set(invited.values_list("member_id", flat=True)) == set(
        consenting.values_list("pk", flat=True)
    )


def test_invite_needs_event_rights(club, jinan_clerk):
    event = make_event(city=club.jinan)

    response = client_for(jinan_clerk).post(
        "/desk/reports/households/", {"event": event.pk}
    )

    assert response.status_code == 403
    assert not Notification.objects.filter(key__startswith="event-invitation:").exists()


def test_invite_without_template_says_how_to_fix(club, head_office_admin):
    from lq_crm.notify.models import MessageTemplate
    from lq_crm.reports.invitations import InvitationError, invite_households

    MessageTemplate.objects.filter(code="event_invitation").update(active=False)

    with pytest.raises(InvitationError, match="sync_fixtures"):
        invite_households(make_event(city=None), Member.objects.all())

    assert not Notification.objects.filter(key__startswith="event-invitation:").exists()


def run_jobs() -> None:
    """Run the queued jobs in this process, inside the test's transaction."""
    if settings.JOBS_INLINE:
        return
    queue = django_rq.get_queue("default")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
