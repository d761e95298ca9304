"""Find a member's city from the city column, the store, or the address."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from lq_crm.imports.cleaning import CleaningError, clean_text
from lq_crm.imports.context import ImportContext

FROM_COLUMN = "column"
FROM_STORE = "store"
FROM_ADDRESS = "address"


@dataclass(frozen=True)
class CityChoice:
    city: Region
    source: str


def city_in_address(address: str, context: ImportContext) -> Region | None:
    """Propose the city named first in an address, by city or district name.

    A city's full name (济南市), its short name (济南) and the name of a
    district that only one city has (历下区) all count. The name found
    earliest in the address wins, so "济南市青岛路" is in Jinan.
    """
    text = clean_text(address).replace(" ", "")
    best: tuple[int, Region] | None = None
    candidates = [*context.city_names.items(), *context.districts.items()]
    for name, region in candidates:
        position = text.find(name)
        if position < 0:
            continue
        if best is None or position < best[0]:
            best = (position, region.city)
    return best[1] if best is not None else None


def choose_city(
    city_text: str, store: Store | None, address: str, context: ImportContext
) -> CityChoice:
    """Return the row's city and where it came from, or raise CleaningError."""
    if city_text.strip():
        city = context.find_city(city_text)
        if city is None:
            raise CleaningError(
                _("City %(city)s was not found: use a Shandong city such as 济南市.")
                % {"city": city_text.strip()}
            )
        return CityChoice(city, FROM_COLUMN)

    if store is not None:
        return CityChoice(context.cities[store.city_id], FROM_STORE)

    proposed = city_in_address(address, context)
    if proposed is not None:
        return CityChoice(proposed, FROM_ADDRESS)

    raise CleaningError(
        _(
            "The city is missing: fill in the city or store column, or an "
            "address that names the city or district."
        )
    )
