"""Store an empty change reason in history rows written with none.

The desk's history page prints a missing reason as the word "None". New rows
get an empty reason from ``lq_crm.core.history``; this fills the rows that
were written before, one UPDATE per history table.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def blank_reasons(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for model in apps.get_models():
        names = {field.name for field in model._meta.get_fields()}
        if model.__name__.startswith("Historical") and "history_change_reason" in names:
            model._default_manager.filter(history_change_reason__isnull=True).update(
                history_change_reason=""
            )


class Migration(migrations.Migration):
    dependencies = [
        ("card", "0004_legacy_help_text"),
        ("club", "0001_initial"),
        ("duplicates", "0001_initial"),
        ("event", "0003_fee_shares_by_tier"),
        ("member", "0004_member_merged_into_and_keys"),
        ("notify", "0002_join_template_lines"),
        ("product", "0002_historicalproduct_custom_and_more"),
        ("slip", "0002_historicalpurchaseslip_custom_purchaseslip_custom"),
        ("store", "0002_historicalstore_custom_store_custom"),
        ("tier", "0002_historicaltier_custom_tier_custom"),
    ]

    operations = [migrations.RunPython(blank_reasons, migrations.RunPython.noop)]
