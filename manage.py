#!/usr/bin/env python
"""Django's command line for LQ CRM."""

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent / "apps" / "lq_crm"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lq_crm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
