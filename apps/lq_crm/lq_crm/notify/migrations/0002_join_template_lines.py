"""Take out the space that a folded YAML block put into seven shipped texts.

The shipped bodies were written over two lines of a folded block, so each
had a space after the punctuation where the lines met. Only that break is
replaced, in templates of the shipped codes that still contain it.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Template code -> (text at the line break, the same text without the space).
BREAKS = {
    "tier_upgrade": ("}元， 已升级", "}元，已升级"),
    "tier_downgrade": ("}元， 会员等", "}元，会员等"),
    "registration_confirmed": ("确认， 共{{", "确认，共{{"),
    "registration_waitlisted": ("已满， 您的报", "已满，您的报"),
    "registration_promoted": ("空位， 报名{", "空位，报名{"),
    "lottery_won": ("中签！ 报名号", "中签！报名号"),
    "lottery_lost": ("中签， 您的报", "中签，您的报"),
}


def join_lines(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    template_model = apps.get_model("notify", "MessageTemplate")
    for template in template_model.objects.filter(code__in=BREAKS):
        spaced, joined = BREAKS[template.code]
        if spaced in template.body:
            template.body = template.body.replace(spaced, joined)
            template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(join_lines, migrations.RunPython.noop)]
