"""Insert many model rows, and their simple-history rows, with little overhead.

``QuerySet.bulk_create`` compiles every value through the field's full save
path. Profiling the CDNOW import (about six million values with history)
put that at roughly 25 µs a value with Django 5.2 on a shared 2-core
machine, over two minutes in all. ``insert_rows`` writes the same rows with one
multi-row ``INSERT ... RETURNING`` per batch: only datetimes, decimals and
JSON are adapted by Django, and every other value is passed to the driver as it
is on the instance. A value that every row of a batch shares is written into
the statement once, as a literal quoted by the driver. ``copy_history`` has
the database copy new rows into their history table.

NOTE: this bypasses ``pre_save`` and signals, like ``bulk_create``, and also
skips field validation, so callers pass values already checked. It needs a
backend that returns rows from a bulk insert (MariaDB 10.5+, PostgreSQL,
SQLite 3.35+), and it does not support multi-table inheritance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, models, router
from django.utils import timezone

BATCH_SIZE = 1000

ModelT = TypeVar("ModelT", bound=models.Model)
Adapt = Callable[[Any], Any]


def insert_rows(objects: Sequence[ModelT], batch_size: int = BATCH_SIZE) -> None:
    """Insert ``objects`` of one model and set their primary keys."""
    if not objects:
        return

    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)

    rows = [[getattr(obj, field.attname) for field in fields] for obj in objects]
    database = router.db_for_write(model)
    pks = insert_values(model, fields, rows, database, batch_size)
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = database


def new_objects(model: type[ModelT], rows: Sequence[Mapping[str, Any]]) -> list[ModelT]:
    """Build unsaved instances from field values keyed by attname.

    Fields missing from a row get their default: a callable default is
    called for each instance, any other default is read once. Passing every
    value by position skips the keyword and default handling of
    ``Model.__init__``: for the members of bench/member_import.py under
    cProfile this took under half the time of ``Model(**values)``. Raises
    ValueError on a key that is not a concrete field.
    """
    fields = model._meta.concrete_fields
    positions = {field.attname: index for index, field in enumerate(fields)}
    template: list[Any] = []
    factories: dict[str, Callable[[], Any]] = {}
    for field in fields:
        if field.has_default() and callable(field.default):
            factories[field.attname] = field.default
            template.append(None)
        else:
            template.append(field.get_default())

    objects = []
    for values in rows:
        args = list(template)
        for name, factory in factories.items():
            if name not in values:
                args[positions[name]] = factory()
        for name, value in values.items():
            position = positions.get(name)
            if position is None:
                raise ValueError(
                    f"{model.__name__} has no field {name}: pass attnames such "
                    "as city_id."
                )
            args[position] = value
        objects.append(model(*args))
    return objects


def insert_history(
    objects: Sequence[models.Model],
    *,
    user: AbstractBaseUser | None,
    change_reason: str,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Insert one simple-history "created" row for each saved object.

    The rows are built as plain value lists, because creating a historical
    model instance per row took as long as inserting it.
    """
    if not objects:
        return

    model = type(objects[0])
    history_model = model.history.model  # type: ignore[attr-defined]
    fields = [
        field for field in history_model._meta.concrete_fields if not field.primary_key
    ]
    history = {
        "history_date": timezone.now(),
        "history_type": "+",
        "history_change_reason": change_reason,
        "history_user_id": user.pk if user is not None else None,
    }
    rows = [
        [
            history[field.attname]
            if field.attname in history
            else getattr(obj, field.attname)
            for field in fields
        ]
        for obj in objects
    ]
    insert_values(
        history_model, fields, rows, router.db_for_write(history_model), batch_size
    )


def copy_history(
    model: type[models.Model],
    pks: Sequence[Any],
    *,
    user: AbstractBaseUser | None,
    change_reason: str,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Insert one simple-history "created" row for each row of ``pks``.

    The database copies the rows with ``INSERT ... SELECT``, so no value
    travels from Python twice. On 10,000 rows of bench/member_import.py under
    cProfile this took about a fifth of the time of ``insert_history``. Call
    it in the transaction that inserted the rows, before anything else
    changes them, so that the copies show the rows as inserted.
    """
    if not pks:
        return

    history_model = model.history.model  # type: ignore[attr-defined]
    database = router.db_for_write(history_model)
    connection = connections[database]
    quote = connection.ops.quote_name
    history = {
        "history_date": adapt_datetime(timezone.now(), connection),
        "history_type": "+",
        "history_change_reason": change_reason,
        "history_user_id": user.pk if user is not None else None,
    }
    # Concrete fields always have a column, though Django types it as optional.
    sources = {
        field.attname: str(field.column) for field in model._meta.concrete_fields
    }
    fields = [
        field for field in history_model._meta.concrete_fields if not field.primary_key
    ]
    columns = []
    selected = []
    constants = []
    for field in fields:
        columns.append(quote(field.column))
        if field.attname in history:
            selected.append("%s")
            constants.append(history[field.attname])
        else:
            selected.append(quote(sources[field.attname]))

    pk_column = quote(str(model._meta.pk.column))
    prefix = (
        f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} "
        f"WHERE {pk_column} IN "
    )
    with connection.cursor() as cursor:
        for start in range(0, len(pks), batch_size):
            batch = list(pks[start : start + batch_size])
            placeholders = ", ".join(["%s"] * len(batch))
            sql = f"{prefix}({placeholders}) ORDER BY {pk_column}"
            cursor.execute(sql, [*constants, *batch])


def insert_values(
    model: type[models.Model],
    fields: list[models.Field],
    rows: list[list[Any]],
    database: str,
    batch_size: int,
) -> list[Any]:
    """Insert rows of values in ``fields`` order; return the new primary keys."""
    connection = connections[database]
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError(
            f"Database {connection.vendor} cannot return primary keys from a "
            "bulk insert; use QuerySet.bulk_create instead."
        )

    adapters = [adapter(field, connection) for field in fields]
    sql_prefix, sql_suffix = insert_sql(model, fields, connection)
    pks: list[Any] = []
    with connection.cursor() as cursor:
        # Only a cursor with mogrify (MySQLdb's has one) can quote a literal.
        # Other cursors get every value as a parameter.
        can_inline = hasattr(cursor, "mogrify")
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            shared = shared_columns(batch) if can_inline and len(batch) > 1 else []
            row_sql = row_template(cursor, adapters, batch[0], shared)
            varying = [
                (index, adapt)
                for index, adapt in enumerate(adapters)
                if index not in shared
            ]
            params = [adapt(row[index]) for row in batch for index, adapt in varying]
            sql = sql_prefix + ", ".join([row_sql] * len(batch)) + sql_suffix
            cursor.execute(sql, params)
            pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def shared_columns(rows: list[list[Any]]) -> list[int]:
    """Return the positions whose value has one type and one value in every row.

    Most columns of an imported row (defaults, the owner, the timestamps)
    are the same in every row. Writing them into the SQL once saves the
    driver escaping them per row, which took about a tenth of the member
    import's time under cProfile.
    """
    first = rows[0]
    shared = []
    for index, value in enumerate(first):
        kind = type(value)
        if all(type(row[index]) is kind and row[index] == value for row in rows):
            shared.append(index)
    return shared


def row_template(
    cursor: Any, adapters: list[Adapt], first: list[Any], shared: list[int]
) -> str:
    """Return one row's VALUES group: literals at ``shared``, ``%s`` elsewhere."""
    parts = ["%s"] * len(first)
    for index in shared:
        literal = cursor.mogrify("%s", [adapters[index](first[index])])
        # The query goes through %-formatting, so a literal % is doubled.
        parts[index] = literal.replace("%", "%%")
    return "(" + ", ".join(parts) + ")"


def adapter(field: models.Field, connection: Any) -> Adapt:
    """Return the conversion that Django would apply to this field's values."""
    if isinstance(field, models.DateTimeField):
        return lambda value: adapt_datetime(value, connection)
    if isinstance(field, models.DecimalField | models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)

    return lambda value: value


def adapt_datetime(value: datetime | None, connection: Any) -> Any:
    if value is None:
        return None

    return connection.ops.adapt_datetimefield_value(value)


def insert_sql(
    model: type[models.Model], fields: list[models.Field], connection: Any
) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    prefix = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    suffix = f" RETURNING {quote(model._meta.pk.column)}"
    return prefix, suffix
