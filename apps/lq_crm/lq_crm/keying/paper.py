"""The club's paper sign-up form as the keying screen hands it to the services."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Gender, Member
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store

MAX_AGE = 120
MIN_BIRTH_YEAR = 1900

# Activities printed on the club's sign-up form. The other Member activities
# belong to imports and other channels.
PAPER_ACTIVITIES = (
    Member.SignupActivity.STORE,
    Member.SignupActivity.COMMUNITY,
    Member.SignupActivity.CAMPUS,
    Member.SignupActivity.SNAKE_PARK_TRIP,
)


@dataclass(frozen=True)
class PaperLine:
    """One line of "products bought": a category, a product, or both, and its yuan."""

    category: ProductCategory | None = None
    product: Product | None = None
    amount: Decimal | None = None

    @property
    def blank(self) -> bool:
        return self.category is None and self.product is None and self.amount is None


@dataclass(frozen=True)
class PaperForm:
    """The fields of one paper form, in the order they are printed.

    ``token`` identifies the form on the screen, so that saving it twice
    saves once. ``household`` is the existing household the clerk chose to
    update. ``create_new`` records that the clerk saw the similar households
    and chose to create a new one anyway. ``source`` is the screen that keyed
    the form, recorded on its slip.
    """

    token: str
    name: str
    gender: str = Gender.UNKNOWN
    address: str = ""
    city: Region | None = None
    district: Region | None = None
    phone: str = ""
    occupation: str = ""
    age_or_birth_year: str = ""
    lines: list[PaperLine] = field(default_factory=list)
    amount: Decimal | None = None
    card_number: str = ""
    admission_basis: str = Card.AdmissionBasis.QUALIFYING_SLIP
    admission_note: str = ""
    signup_activity: str = Member.SignupActivity.STORE
    store: Store | None = None
    venue: str = ""
    form_date: date | None = None
    consent: bool = False
    consent_marketing: bool = False
    receipt_number: str = ""
    household: Member | None = None
    create_new: bool = False
    source: str = PurchaseSlip.Source.DESK


def paper_form_from(cleaned: Mapping[str, Any], **values: Any) -> PaperForm:
    """Build a PaperForm from form data whose keys are PaperForm's field names.

    Keys that are no field of PaperForm are ignored, and ``values`` replace
    or add fields (the lines, the chosen household, the city).
    """
    names = {form_field.name for form_field in fields(PaperForm)}
    known = {name: value for name, value in cleaned.items() if name in names}
    return PaperForm(**{**known, **values})


class KeyingError(Exception):
    """Problems with a paper form, as messages per form field.

    ``matches`` contains the similar households when the clerk has not yet
    chosen between updating one of them and creating a new household.
    """

    def __init__(
        self, errors: dict[str, list[str]], matches: list | None = None
    ) -> None:
        self.errors = errors
        self.matches = matches or []
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def current_year() -> int:
    """Return the year in Asia/Shanghai, the project's time zone."""
    return timezone.localdate().year


def parse_birth_year(text: str, year: int | None = None) -> int | None:
    """Read an age or a birth year as written on the form; return the birth year.

    A number up to 120 is an age and counts back from ``year``, which is by
    default the current year in Asia/Shanghai. A number from 1900 to
    ``year`` is a birth year. A trailing 岁 marks an age and a trailing 年 a
    year. Blank text returns None. Raises ValueError with the message for the
    clerk.
    """
    year = year or current_year()
    cleaned = "".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned:
        return None

    unit = cleaned[-1] if cleaned[-1] in "岁年" else ""
    digits = cleaned[:-1] if unit else cleaned
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(
            _(
                "%(value)s is not a number: enter the age (such as 45) or the "
                "birth year (such as 1980)."
            )
            % {"value": text.strip()}
        )

    number = int(digits)
    if unit != "年" and 0 < number <= MAX_AGE:
        return year - number
    if unit != "岁" and MIN_BIRTH_YEAR <= number <= year:
        return number

    raise ValueError(
        _(
            "%(value)s is neither an age from 1 to %(max_age)s nor a birth year "
            "from %(min_year)s to %(year)s."
        )
        % {
            "value": text.strip(),
            "max_age": MAX_AGE,
            "min_year": MIN_BIRTH_YEAR,
            "year": year,
        }
    )
