"""Take households merged into another one out of the household aggregates.

The sign-up and household count tables used to count a merged household
as well as its survivor. They now count the survivor only, so this
subtracts the merged households once, grouped by the tables' keys.
"""

from django.db import migrations

SIGNUP_KEYS = "month, city_id, store_id, activity"
COUNT_KEYS = "city_id, tier_id, activity, store_id"


def month_of(column: str, vendor: str) -> str:
    if vendor == "sqlite":
        return f"strftime('%Y-%m-01', {column})"
    return f"DATE_FORMAT({column}, '%Y-%m-01')"


def upsert(vendor: str, keys: str) -> str:
    # SQLite needs a WHERE clause between INSERT ... SELECT and its upsert.
    if vendor == "sqlite":
        return (
            f" ON CONFLICT ({keys}) DO UPDATE SET "
            "households = households + excluded.households"
        )
    return " ON DUPLICATE KEY UPDATE households = households + VALUES(households)"


def add_merged(schema_editor, sign: int) -> None:
    """Add the merged households to the aggregates (sign 1) or subtract them (-1)."""
    vendor = schema_editor.connection.vendor
    merged = "FROM member_member m WHERE m.merged_into_id IS NOT NULL"
    statements = [
        f"INSERT INTO reports_signupmonth ({SIGNUP_KEYS}, households) "
        f"SELECT {month_of('m.joined_on', vendor)}, m.city_id, "
        f"COALESCE(m.signup_store_id, 0), m.signup_activity, {sign} * COUNT(*) "
        f"{merged} GROUP BY 1, 2, 3, 4" + upsert(vendor, SIGNUP_KEYS),
        f"INSERT INTO reports_householdcount ({COUNT_KEYS}, households) "
        "SELECT m.city_id, COALESCE(m.tier_id, 0), m.signup_activity, "
        f"COALESCE(m.signup_store_id, 0), {sign} * COUNT(*) {merged} "
        "GROUP BY 1, 2, 3, 4"
        + upsert(vendor, COUNT_KEYS),
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def subtract_merged(apps, schema_editor) -> None:
    add_merged(schema_editor, -1)


def count_merged_again(apps, schema_editor) -> None:
    add_merged(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("member", "0004_member_merged_into_and_keys"),
    ]

    operations = [
        migrations.RunPython(subtract_merged, count_merged_again),
    ]
