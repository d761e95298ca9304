"""The desk pages: upload, preview, confirm, progress, error file, city scope."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone
from rq import SimpleWorker

from lq_crm.doctype.member.models import Member
from lq_crm.imports.jobs import resume_stalled_imports
from lq_crm.imports.models import ImportRecord
from tests.factories import MemberFactory

WriteTable = Callable[..., Path]
UPLOAD_URL = "/desk/imports/importrecord/upload/"
# Nothing listens on port 1, so every enqueue fails as with Redis down.
UNREACHABLE_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}


@pytest.fixture(autouse=True)
def english_pages(client: Client) -> None:
    # Messages are written in the language of the request that runs the
    # import; English keeps these checks independent of the translations.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def page(kind: str, record: ImportRecord) -> str:
    return f"/desk/imports/importrecord/{record.pk}/{kind}/"


def upload(client: Client, path: Path, kind: str = "members"):
    with path.open("rb") as file:
        return client.post(UPLOAD_URL, {"kind": kind, "file": file})


def members_file(table: WriteTable, file_format: str = "gbk") -> Path:
    return table(
        [
            ["姓名", "电话", "城市", "职业"],
            ["王小明", "13912344001", "济南", "教师"],
            ["李红", "13912344002", "济南", "医生"],
            ["张三", "13912344003", "济南", ""],
            ["", "13912344004", "济南", ""],
            ["赵六", "8.61391E+12", "济南", ""],
        ],
        file_format,
    )


@pytest.mark.django_db
def test_upload_preview_confirm(
    client: Client, table: WriteTable, head_office_admin: User
) -> None:
    MemberFactory(name="王小明", phone="+8613912344001", occupation="")
    MemberFactory(name="李红", phone="+8613912344002", occupation="医生")
    client.force_login(head_office_admin)

    form = client.get(UPLOAD_URL)
    response = upload(client, members_file(table))

    assert form.status_code == 200
    record = ImportRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page("preview", record)
    assert record.status == ImportRecord.Status.PREVIEWED
    assert record.encoding == "gbk"
    assert record.preview["created"] == 1
    assert record.preview["updated"] == 1
    assert record.preview["unchanged"] == 1
    assert record.preview["errors"] == 2
    assert Member.objects.count() == 2
    preview = client.get(page("preview", record))
    assert preview.status_code == 200
    assert "scientific notation" in preview.content.decode()
    assert 'id="import-confirm"' in preview.content.decode()

    confirm = client.post(page("confirm", record))
    again = client.post(page("confirm", record))

    assert confirm["Location"] == page("progress", record)
    assert again.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert record.created_count == 1
    assert record.updated_count == 1
    assert record.skipped_count == 1
    assert record.error_count == 2
    assert Member.objects.count() == 3
    assert Member.objects.get(name="王小明").occupation == "教师"
    progress = client.get(page("progress", record))
    assert 'id="import-error-file"' in progress.content.decode()
    status = client.get(page("status", record)).json()
    assert status["status"] == "done"
    assert status["percent"] == 100


@pytest.mark.django_db
def test_error_file_download_same_encoding(
    client: Client, table: WriteTable, head_office_admin: User
) -> None:
    client.force_login(head_office_admin)
    upload(client, members_file(table))
    record = ImportRecord.objects.get()
    client.post(page("confirm", record))

    response = client.get(page("errors", record))

    content = b"".join(response.streaming_content).decode("gbk")
    rows = list(csv.reader(io.StringIO(content)))
    assert response["Content-Disposition"].startswith("attachment")
    assert rows[0][:4] == ["姓名", "电话", "城市", "职业"]
    assert rows[0][4] == "What to fix"
    assert [row[1] for row in rows[1:]] == ["13912344004", "8.61391E+12"]
    assert "name is missing" in rows[1][4]


@pytest.mark.django_db
def test_xlsx_error_file(
    client: Client, table: WriteTable, head_office_admin: User
) -> None:
    from openpyxl import load_workbook

    client.force_login(head_office_admin)
    upload(client, members_file(table, "xlsx"))
    record = ImportRecord.objects.get()
    client.post(page("confirm", record))

    response = client.get(page("errors", record))

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[2][1] == "8.61391E+12"


@pytest.mark.django_db
def test_missing_column_shown(
    client: Client, table: WriteTable, head_office_admin: User
) -> None:
    client.force_login(head_office_admin)
    path = table([["姓名", "城市"], ["王小明", "济南"]])

    upload(client, path)

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.FAILED
    page_text = client.get(page("preview", record)).content.decode()
    assert "Column phone (电话) is missing" in page_text


@pytest.mark.django_db
def test_wrong_file_type_rejected(
    client: Client, tmp_path: Path, head_office_admin: User
) -> None:
    client.force_login(head_office_admin)
    path = tmp_path / "members.txt"
    path.write_text("姓名,电话\n")

    response = upload(client, path)

    assert response.status_code == 200
    assert ImportRecord.objects.count() == 0


@pytest.mark.django_db
def test_jinan_clerk_imports_only_jinan(
    client: Client, table: WriteTable, jinan_clerk: User
) -> None:
    client.force_login(jinan_clerk)
    path = table(
        [
            ["姓名", "电话", "城市"],
            ["甲", "13912344101", "济南"],
            ["乙", "13912344102", "青岛"],
        ]
    )

    upload(client, path)
    record = ImportRecord.objects.get()
    client.post(page("confirm", record))

    record.refresh_from_db()
    assert list(Member.objects.values_list("name", flat=True)) == ["甲"]
    assert record.error_count == 1
    assert "青岛市, outside your cities" in record.preview["failures"][0][1]


@pytest.mark.django_db
def test_qingdao_clerk_imports_only_qingdao(
    client: Client, table: WriteTable, qingdao_clerk: User
) -> None:
    client.force_login(qingdao_clerk)
    path = table(
        [
            ["姓名", "电话", "城市"],
            ["甲", "13912344101", "济南"],
            ["乙", "13912344102", "青岛"],
        ]
    )

    upload(client, path)
    record = ImportRecord.objects.get()
    client.post(page("confirm", record))

    assert list(Member.objects.values_list("name", flat=True)) == ["乙"]


@pytest.mark.django_db
def test_clerk_cannot_change_other_city_household(
    client: Client, table: WriteTable, qingdao_clerk: User, jinan
) -> None:
    MemberFactory(name="甲", phone="+8613912344103", city=jinan, occupation="")
    client.force_login(qingdao_clerk)
    path = table([["姓名", "电话", "职业"], ["甲", "13912344103", "教师"]])

    upload(client, path)

    record = ImportRecord.objects.get()
    assert record.preview["errors"] == 1
    assert "济南市, outside your cities" in record.preview["failures"][0][1]


@pytest.mark.django_db
def test_clerk_cannot_follow_other_users_import(
    client: Client, table: WriteTable, jinan_clerk: User, qingdao_clerk: User
) -> None:
    client.force_login(jinan_clerk)
    upload(client, members_file(table))
    record = ImportRecord.objects.get()
    client.force_login(qingdao_clerk)

    assert client.get(page("preview", record)).status_code == 404
    assert client.post(page("confirm", record)).status_code == 404
    assert client.get(page("status", record)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_large_file_runs_as_rq_job(
    client: Client, table: WriteTable, head_office_admin: User, settings
) -> None:
    settings.IMPORT_INLINE_MAX_BYTES = 0
    client.force_login(head_office_admin)
    queue = django_rq.get_queue("default")

    upload(client, members_file(table))
    record = ImportRecord.objects.get()
    waiting = client.get(page("preview", record)).content.decode()

    assert record.status == ImportRecord.Status.PREVIEWING
    assert 'id="import-progress"' in waiting
    assert queue.fetch_job(f"import-preview-{record.pk}") is not None
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.PREVIEWED

    client.post(page("confirm", record))
    client.post(page("confirm", record))
    assert queue.count == 1
    assert client.get(page("status", record)).json()["status"] == "queued"
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    status = client.get(page("status", record)).json()
    assert status["status"] == "done"
    assert status["created"] == 3
    assert status["errors"] == 2
    assert status["percent"] == 100
    assert Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_lost_jobs_queued_again(
    client: Client, table: WriteTable, head_office_admin: User, settings
) -> None:
    queue = django_rq.get_queue("default")
    record = upload_while_queue_down(client, table, head_office_admin, settings)
    waiting = client.get(page("status", record)).json()
    too_recent = resume_stalled_imports()
    age(record, minutes=11)
    resumed = resume_stalled_imports()
    queued = client.get(page("status", record)).json()
    resumed_again = resume_stalled_imports()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    record.refresh_from_db()

    assert "Background jobs cannot be reached" in waiting["notice"]
    assert too_recent == 0
    assert resumed == 1
    assert queued["notice"] == ""
    assert resumed_again == 0
    assert record.status == ImportRecord.Status.PREVIEWED

    with override_settings(RQ_QUEUES=UNREACHABLE_QUEUES):
        client.post(page("confirm", record))
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.QUEUED
    assert record.processed_rows == 0
    assert queue.count == 0
    age(record, minutes=11)
    assert resume_stalled_imports() == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_old_stalled_import_left_alone(
    client: Client, table: WriteTable, head_office_admin: User, settings
) -> None:
    record = upload_while_queue_down(client, table, head_office_admin, settings)
    age(record, minutes=3 * 24 * 60)

    assert resume_stalled_imports() == 0


def upload_while_queue_down(
    client: Client, table: WriteTable, user: User, settings: Any
) -> ImportRecord:
    """Upload a members file that runs as a job, while no job can be queued."""
    settings.IMPORT_INLINE_MAX_BYTES = 0
    client.force_login(user)
    with override_settings(RQ_QUEUES=UNREACHABLE_QUEUES):
        upload(client, members_file(table))
    return ImportRecord.objects.get()


def age(record: ImportRecord, minutes: int) -> None:
    ImportRecord.objects.filter(pk=record.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_changelist_links_upload(client: Client, head_office_admin: User) -> None:
    client.force_login(head_office_admin)

    response = client.get("/desk/imports/importrecord/")
    redirect = client.get("/desk/imports/importrecord/upload-file/")

    assert response.status_code == 200
    assert "/desk/imports/importrecord/upload-file/" in response.content.decode()
    assert redirect["Location"] == UPLOAD_URL
