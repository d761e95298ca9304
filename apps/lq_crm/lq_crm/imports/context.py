"""The acting user of an import and the reference data that it looks up.

Reference rows (cities, districts, stores, categories, tiers, card number
lengths) are read once per import, because every row of a file refers to the
same few hundred of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.access.scope import allowed_city_ids
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier
from lq_crm.imports.cleaning import clean_text
from lq_crm.workflow.engine import available_actions


@dataclass
class ImportContext:
    """The acting user with their city scope and rights, and the lookups."""

    user: AbstractBaseUser | None = None
    change_reason: str = "Imported from a file"
    file_name: str = ""
    city_ids: set[int] | None = field(init=False)
    # The date in Asia/Shanghai when the import started, which birth years
    # and ages are checked against, read once instead of once per row.
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.city_ids = allowed_city_ids(self.user) if self.user is not None else None
        self.today = timezone.localdate()

    @property
    def user_id(self) -> int | None:
        return int(self.user.pk) if self.user is not None else None

    def may(self, permission: str) -> bool:
        """Tell whether the user has ``permission``; a command line has them all."""
        if self.user is None:
            return True
        # The project's user model has PermissionsMixin, so has_perm exists.
        return bool(self.user.has_perm(permission))  # type: ignore[attr-defined]

    @cached_property
    def may_issue_cards(self) -> bool:
        """Tell whether the card workflow lets the user issue a card in stock."""
        in_stock = Card(status=Card.Status.IN_STOCK)
        return any(t.action == "issue" for t in available_actions(in_stock, self.user))

    def in_scope(self, city_id: int | None) -> bool:
        return self.city_ids is None or city_id in self.city_ids

    def scope_message(self, city_id: int | None) -> str:
        city = self.cities.get(city_id) if city_id is not None else None
        return _(
            "This row belongs to %(city)s, outside your cities: leave it to that "
            "city's office or remove it from the file."
        ) % {"city": city.name if city is not None else _("no city")}

    @cached_property
    def cities(self) -> dict[int, Region]:
        return {city.pk: city for city in Region.objects.cities()}

    @cached_property
    def city_names(self) -> dict[str, Region]:
        """Cities by full name (济南市) and by name without 市 (济南)."""
        names = {}
        for city in self.cities.values():
            names[city.name] = city
            names[city.name.removesuffix("市")] = city
        return names

    @cached_property
    def districts(self) -> dict[str, Region]:
        """Districts whose name belongs to one city only (not 市中区 or 市辖区)."""
        seen: dict[str, list[Region]] = {}
        for district in Region.objects.districts():
            seen.setdefault(district.name, []).append(district)
        return {
            name: regions[0]
            for name, regions in seen.items()
            if len(regions) == 1 and name != "市辖区"
        }

    @cached_property
    def stores(self) -> dict[str, Store]:
        """Stores by code and by name."""
        stores = {}
        for store in Store.objects.all():
            stores[store.name] = store
            stores[store.code] = store
        return stores

    @cached_property
    def categories(self) -> dict[str, ProductCategory]:
        """Product categories by code and by name."""
        categories = {}
        for category in ProductCategory.objects.all():
            categories[category.name] = category
            categories[category.code] = category
        return categories

    @cached_property
    def tiers(self) -> list[Tier]:
        return list(Tier.objects.all())

    @cached_property
    def card_lengths(self) -> frozenset[int]:
        """Digits of a printed card number: prefix, serial width, check digit."""
        lengths = {
            len(prefix) + width + 1
            for prefix, width in CardBatch.objects.values_list("prefix", "width")
        }
        prefix = CardBatch._meta.get_field("prefix").get_default()
        width = CardBatch._meta.get_field("width").get_default()
        lengths.add(len(prefix) + width + 1)
        return frozenset(lengths)

    def find_city(self, text: str) -> Region | None:
        return self.city_names.get(clean_text(text).replace(" ", ""))

    def find_store(self, text: str) -> Store | None:
        return self.stores.get(clean_text(text))

    def find_category(self, text: str) -> ProductCategory | None:
        return self.categories.get(clean_text(text))
