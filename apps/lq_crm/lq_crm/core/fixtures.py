"""Load every shipped fixture, in dependency order, as often as asked.

Each loader creates what is missing and updates what the fixture owns, but
keeps what admins tune in the desk (thresholds, rates, texts), so running
``sync_fixtures`` after an upgrade never undoes their work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings


def read_yaml(name: str) -> Any:
    path = Path(settings.FIXTURES_DIR) / name
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def loaders() -> list[tuple[str, Callable[[], int]]]:
    """Return the loaders as (name, function returning a row count) pairs."""
    from lq_crm.access.fixtures import load_roles
    from lq_crm.doctype.club.fixtures import load_club_settings
    from lq_crm.doctype.product.fixtures import load_categories
    from lq_crm.doctype.region.fixtures import load_regions
    from lq_crm.doctype.tier.fixtures import load_tiers
    from lq_crm.notify.fixtures import load_templates
    from lq_crm.workflow.fixtures import load_workflows

    fixtures_dir = Path(settings.FIXTURES_DIR)
    return [
        (
            "regions",
            lambda: load_regions(fixtures_dir / "regions" / "shandong_adcodes.csv"),
        ),
        ("roles", lambda: load_roles(read_yaml("roles.yaml"))),
        ("tiers", lambda: load_tiers(read_yaml("tiers.yaml"))),
        (
            "product categories",
            lambda: load_categories(read_yaml("product_categories.yaml")),
        ),
        (
            "message templates",
            lambda: load_templates(read_yaml("message_templates.yaml")),
        ),
        ("club settings", load_club_settings),
        ("workflows", load_workflows),
    ]


def sync_all() -> list[tuple[str, int]]:
    return [(name, load()) for name, load in loaders()]
