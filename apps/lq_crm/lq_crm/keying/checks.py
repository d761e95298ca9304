"""Check a paper form before anything is saved, collecting every problem per field.

``check_form`` returns a ``Plan`` with the cleaned values the save needs, or
raises KeyingError with one or more messages for each field that needs fixing,
so that the clerk sees them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.core.scoping import User, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import ISSUE_BASES
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Gender, Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.services import LineInput, SlipError, clean_amount
from lq_crm.doctype.store.models import Store
from lq_crm.keying.cards import CardCheck, CardState, check_typed_card
from lq_crm.keying.matches import find_household_matches
from lq_crm.keying.paper import (
    PAPER_ACTIVITIES,
    KeyingError,
    PaperForm,
    PaperLine,
    parse_birth_year,
)
from lq_crm.keying.proposal import propose_region
from lq_crm.workflow.engine import REJECTED_ROLE, TransitionError, check_action

# Activities held away from a store, where the form names the venue.
VENUE_ACTIVITIES = {
    Member.SignupActivity.COMMUNITY,
    Member.SignupActivity.CAMPUS,
    Member.SignupActivity.SNAKE_PARK_TRIP,
}


@dataclass
class Plan:
    """The checked values of a paper form, ready to be saved."""

    form: PaperForm
    name: str
    phone: str
    city: Region
    district: Region | None
    birth_year: int | None
    lines: list[LineInput]
    total: Decimal
    card: Card
    card_state: CardState
    form_date: date


@dataclass
class Problems:
    """Messages per form field, collected while checking."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def check_form(form: PaperForm, user: User) -> Plan:
    """Return the plan for saving the form, or raise KeyingError with every problem."""
    problems = Problems()
    name = check_name(form, problems)
    phone = check_phone(form, problems)
    city, district = check_region(form, user, problems)
    birth_year = check_birth_year(form, problems)
    lines, total = check_lines(form, problems)
    card_check = check_card(form, user, problems)
    if card_check.state != CardState.HOUSEHOLD_CARD:
        check_admission_basis(form, lines, total, problems)
    check_signup(form, user, lines, problems)
    form_date = check_form_date(form, problems)
    check_household(form, user, problems)

    matches = []
    if form.household is None and not form.create_new:
        city_id = city.pk if city is not None else None
        matches = find_household_matches(
            name=name, phone=phone, address=form.address, city_id=city_id, user=user
        )
        if matches:
            problems.add(
                "household",
                _(
                    "Similar households are already on file: choose the one to "
                    "update, or choose to create a new household."
                ),
            )

    if problems or city is None or card_check.card is None:
        raise KeyingError(problems.errors, matches)

    return Plan(
        form=form,
        name=name,
        phone=phone,
        city=city,
        district=district,
        birth_year=birth_year,
        lines=lines,
        total=total,
        card=card_check.card,
        card_state=card_check.state,
        form_date=form_date,
    )


def check_name(form: PaperForm, problems: Problems) -> str:
    name = " ".join(form.name.split())
    if not name:
        problems.add("name", _("The name is missing: copy it from the form."))
    if form.gender not in Gender.values:
        problems.add("gender", _("Choose a gender, or “not given”."))

    return name


def check_phone(form: PaperForm, problems: Problems) -> str:
    if not form.phone.strip():
        return ""

    try:
        return normalise_phone(form.phone)
    except InvalidPhoneError as error:
        problems.add("phone", str(error))
        return ""


def check_region(
    form: PaperForm, user: User, problems: Problems
) -> tuple[Region | None, Region | None]:
    """Return the chosen city and district, or those proposed from the address.

    A form for an existing household that gives neither keeps its city.
    """
    city, district = form.city, form.district
    if city is None:
        proposal = propose_region(form.address)
        city, district = proposal.city, district or proposal.district
    if city is None and form.household is not None:
        city, district = form.household.city, form.household.district
    if city is None:
        problems.add(
            "city",
            _(
                "The city is missing: choose it, or write the city or district "
                "in the address."
            ),
        )
        return None, None

    allowed = allowed_city_ids(user)
    if allowed is not None and city.pk not in allowed:
        problems.add(
            "city",
            _(
                "%(city)s is outside your cities: key this form in its own "
                "city's office, or correct the city."
            )
            % {"city": city.name},
        )
    if district is not None and district.parent_id != city.pk:
        problems.add(
            "district",
            _("%(district)s is not a district of %(city)s: choose one of its own.")
            % {"district": district.name, "city": city.name},
        )
        district = None

    return city, district


def check_birth_year(form: PaperForm, problems: Problems) -> int | None:
    try:
        return parse_birth_year(form.age_or_birth_year)
    except ValueError as error:
        problems.add("age_or_birth_year", str(error))
        return None


def check_lines(form: PaperForm, problems: Problems) -> tuple[list[LineInput], Decimal]:
    """Return the slip lines and their total, checked against the form's amount.

    A single line without its own amount takes the form's amount.
    """
    paper_lines = [line for line in form.lines if not line.blank]
    if len(paper_lines) == 1 and paper_lines[0].amount is None:
        only = paper_lines[0]
        paper_lines = [PaperLine(only.category, only.product, form.amount)]

    lines: list[LineInput] = []
    for number, line in enumerate(paper_lines, start=1):
        checked = check_line(number, line, problems)
        if checked is not None:
            lines.append(checked)

    total = sum((line.amount for line in lines), Decimal("0.00"))
    if form.amount is not None and lines and total != form.amount:
        problems.add(
            "amount",
            _(
                "The lines add up to ¥%(total)s but the amount is ¥%(amount)s: "
                "correct a line or the amount."
            )
            % {"total": total, "amount": form.amount},
        )
    if form.amount and not paper_lines:
        problems.add(
            "lines",
            _("Enter the products bought for the amount of ¥%(amount)s.")
            % {"amount": form.amount},
        )

    return lines, total


def check_line(number: int, line: PaperLine, problems: Problems) -> LineInput | None:
    category = line.category or (line.product.category if line.product else None)
    if category is None:
        problems.add(
            "lines",
            _("Line %(line)s: choose a product category or a product.")
            % {"line": number},
        )
        return None
    if line.product is not None and line.product.category_id != category.pk:
        problems.add(
            "lines",
            _(
                "Line %(line)s: product %(product)s belongs to %(category)s: "
                "choose that category, or leave the category empty."
            )
            % {
                "line": number,
                "product": line.product.name,
                "category": line.product.category.name,
            },
        )
        return None
    if line.amount is None:
        problems.add(
            "lines",
            _("Line %(line)s: the amount is missing.") % {"line": number},
        )
        return None

    try:
        amount = clean_amount(line.amount)
    except SlipError as error:
        problems.add("lines", f"{number}: {error}")
        return None

    return LineInput(category=category, amount=amount, product=line.product)


def check_admission_basis(
    form: PaperForm, lines: list[LineInput], total: Decimal, problems: Problems
) -> None:
    """Check the admission basis of the card in stock that the form will issue.

    The purchase is compared with the admission amount here, so that the
    clerk sees the message beside the amount. check_admission in the card
    services enforces the same rule when the card is issued.
    """
    if form.admission_basis not in ISSUE_BASES:
        problems.add(
            "admission_basis",
            _("Choose the admission basis: a first purchase, a trip photo or a box."),
        )
        return
    if form.admission_basis != Card.AdmissionBasis.QUALIFYING_SLIP:
        if not form.admission_note.strip():
            problems.add(
                "admission_note",
                _(
                    "The admission note is missing: describe the photo or the "
                    "product box that the household showed."
                ),
            )
        return

    required = ClubSettings.load().admission_amount
    if not lines:
        problems.add(
            "lines",
            _(
                "Admission by a first purchase needs the products bought: enter "
                "them, or choose another admission basis."
            ),
        )
    elif total < required:
        problems.add(
            "amount",
            _(
                "The purchase of ¥%(total)s is ¥%(missing)s short of the "
                "admission amount of ¥%(required)s: choose another admission "
                "basis, or check the amounts."
            )
            % {"total": total, "missing": required - total, "required": required},
        )


def check_card(form: PaperForm, user: User, problems: Problems) -> CardCheck:
    """Check the card: in stock for a new household, or the household's own card."""
    card_check = check_typed_card(form.card_number, user, form.household)
    if not card_check.usable:
        problems.add("card_number", card_check.message)
        return card_check

    if card_check.state == CardState.IN_STOCK and card_check.card is not None:
        check_may_issue(card_check.card, user, problems)
    if card_check.state == CardState.IN_STOCK and form.household is not None:
        current = form.household.cards.filter(
            status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        ).first()
        if current is not None:
            problems.add(
                "card_number",
                _(
                    "Household %(member)s already holds card %(card)s: type that "
                    "card's number, or report it lost before issuing another."
                )
                % {"member": form.household.number, "card": current.card_number},
            )

    return card_check


def check_may_issue(card: Card, user: User, problems: Problems) -> None:
    """Ask the card workflow, which names the roles that may issue cards."""
    try:
        check_action(card, "issue", user)
    except TransitionError as error:
        message = str(error)
        if error.reason == REJECTED_ROLE:
            message = _(
                "You may not issue cards: ask the service centre or the regional "
                "office to key the form of a new household."
            )
        problems.add("card_number", message)


def check_signup(
    form: PaperForm, user: User, lines: list[LineInput], problems: Problems
) -> None:
    if form.signup_activity not in PAPER_ACTIVITIES:
        problems.add(
            "signup_activity",
            _("Choose the sign-up activity printed on the form."),
        )
    if form.store is None:
        if lines or form.signup_activity == Member.SignupActivity.STORE:
            problems.add(
                "store",
                _("The store is missing: choose the store that sold the products."),
            )
    elif not visible_to(Store.objects.filter(pk=form.store.pk), user).exists():
        problems.add(
            "store",
            _("Store %(store)s is outside your cities: choose one of your stores.")
            % {"store": form.store.name},
        )
    if form.signup_activity in VENUE_ACTIVITIES and not form.venue.strip():
        problems.add(
            "venue",
            _(
                "The venue is missing: write the community, campus or trip where "
                "the form was filled in."
            ),
        )
    if not form.consent:
        problems.add(
            "consent",
            _(
                "Consent is not ticked: a household signs up only with the consent "
                "signed on the paper form. Tick it when the form is signed."
            ),
        )


def check_form_date(form: PaperForm, problems: Problems) -> date:
    today = timezone.localdate()
    if form.form_date is None:
        return today
    if form.form_date > today:
        problems.add(
            "form_date",
            _("The date %(date)s is in the future: copy the date on the form.")
            % {"date": form.form_date.isoformat()},
        )
        return today

    return form.form_date


def check_household(form: PaperForm, user: User, problems: Problems) -> None:
    household = form.household
    if household is None:
        return

    if not visible_to(Member.objects.filter(pk=household.pk), user).exists():
        problems.add(
            "household",
            _("Household %(member)s is outside your cities: choose another.")
            % {"member": household.number},
        )
    elif household.merged_into_id is not None:
        problems.add(
            "household",
            _(
                "Household %(member)s was merged into another household: "
                "choose that one."
            )
            % {"member": household.number},
        )
