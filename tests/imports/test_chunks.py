"""Chunks are written whole or not at all, and a retried job resumes exactly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from lq_crm.doctype.member.models import Member
from lq_crm.imports.jobs import import_job
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import create_upload, preview_import, run_import

WriteTable = Callable[..., Path]
ROWS = [
    ["姓名", "电话", "城市"],
    ["甲", "13912341001", "济南"],
    ["乙", "13912341002", "济南"],
    ["丙", "13912341003", "济南"],
    ["FAIL", "13912341004", "济南"],
    ["戊", "13912341005", "济南"],
]


@pytest.fixture
def failing_history() -> Iterator[None]:
    """Make MariaDB reject the history row of a household named FAIL.

    The history row is inserted after the chunk's households, so the chunk
    fails half-way through its writes.
    """
    table = Member.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TRIGGER import_test_fail BEFORE INSERT ON {table} FOR EACH ROW "
            "BEGIN IF NEW.name = 'FAIL' THEN SIGNAL SQLSTATE '45000' "
            "SET MESSAGE_TEXT = 'rejected by test trigger'; END IF; END"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS import_test_fail")


def upload(path: Path, user: User) -> ImportRecord:
    content = SimpleUploadedFile(path.name, path.read_bytes())
    return create_upload(content, ImportRecord.Kind.MEMBERS, user)


@pytest.mark.django_db(transaction=True)
def test_failed_chunk_leaves_nothing(
    table: WriteTable, failing_history: None, head_office_admin: User
) -> None:
    record = upload(table(ROWS), head_office_admin)
    preview_import(record)
    record.status = ImportRecord.Status.QUEUED
    record.save()

    with pytest.raises(DatabaseError):
        run_import(record, chunk_size=2)

    assert sorted(Member.objects.values_list("name", flat=True)) == ["乙", "甲"]
    assert Member.history.count() == 2
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.FAILED
    assert record.created_count == 2
    assert record.processed_rows == 2
    assert "rejected by test trigger" in record.message


@pytest.mark.django_db(transaction=True)
def test_retried_job_counts_once(
    table: WriteTable, failing_history: None, head_office_admin: User
) -> None:
    record = upload(table(ROWS), head_office_admin)
    preview_import(record)
    record.status = ImportRecord.Status.QUEUED
    record.save()
    with pytest.raises(DatabaseError):
        run_import(record, chunk_size=2)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER import_test_fail")
    # As if the worker had died in the middle: the retry finds it running.
    ImportRecord.objects.filter(pk=record.pk).update(status=ImportRecord.Status.RUNNING)

    run_import(record, chunk_size=2)
    import_job(record.pk)

    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert record.created_count == 5
    assert record.skipped_count == 0
    assert record.processed_rows == 5
    assert Member.objects.count() == 5
    assert Member.history.count() == 5
