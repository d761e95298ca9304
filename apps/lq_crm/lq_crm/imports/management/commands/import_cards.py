from lq_crm.imports.command import ImportCommand
from lq_crm.imports.models import ImportRecord


class Command(ImportCommand):
    help = (
        "Import card numbers from a CSV or XLSX file. Rows already on file are "
        "matched and updated or left unchanged, so the command can be run again."
    )
    kind = ImportRecord.Kind.CARDS
