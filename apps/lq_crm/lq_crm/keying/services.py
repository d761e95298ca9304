"""Save a keyed paper form: the household, its card and its purchase slip at once.

Everything one form creates is saved in one transaction, so an error leaves
nothing half-saved. The form's token is stored first under a unique index:
a second save of the same form by the same user waits for the first and
then returns what the first created.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.masking import may_view_personal_data
from lq_crm.core.scoping import User, may_write, outside_scope_message
from lq_crm.core.users import actor_id
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import (
    CardError,
    FirstPurchase,
    issue_card,
)
from lq_crm.doctype.member.models import Gender, Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import (
    SlipError,
    create_slip,
    find_live_slip,
)
from lq_crm.keying.cards import CardState
from lq_crm.keying.checks import Plan, check_form
from lq_crm.keying.models import KeyedForm
from lq_crm.keying.paper import KeyingError, PaperForm

logger = logging.getLogger(__name__)

KEYING_PERMISSIONS = ("member.add_member", "slip.add_purchaseslip")
# Household fields that users without access.view_personal_data only fill
# when empty, because they cannot see what is stored.
PERSONAL_FIELDS = ("phone", "address", "birth_year")


@dataclass(frozen=True)
class KeyingResult:
    """The household, card and slip that saving a paper form created or updated.

    ``replayed`` is true when the form had been saved before and nothing new
    was saved. ``kept_fields`` names the household fields that the form gave
    differently but that were kept as stored, because the user may not
    change them.
    """

    member: Member
    card: Card
    slip: PurchaseSlip | None
    created_member: bool
    replayed: bool = False
    kept_fields: tuple[str, ...] = ()


def may_key_forms(user: User) -> bool:
    """Tell whether the user may add members and slips, which keying does."""
    if not isinstance(user, PermissionsMixin) or not user.is_active:
        return False

    return user.has_perms(KEYING_PERMISSIONS)


def key_paper_form(form_data: PaperForm, user: User) -> KeyingResult:
    """Create or update the household, issue its card and submit its slip.

    Raises KeyingError with messages per field when the form cannot be saved
    as keyed, and PermissionDenied for a user who may not add members and
    slips. A form that the same user saved before under this token returns
    the earlier result, and a token that another user saved raises KeyingError.
    """
    if not may_key_forms(user):
        raise PermissionDenied

    earlier = replay(form_data.token, user)
    if earlier is not None:
        return earlier

    try:
        plan = check_form(form_data, user)
        with transaction.atomic():
            record = KeyedForm.objects.create(
                token=form_data.token, user_id=actor_id(user)
            )
            result = save_plan(plan, record, user)
    except (KeyingError, IntegrityError):
        # The same form saved by a request that finished first explains
        # both a duplicate token and checks that fail on what it saved.
        earlier = replay(form_data.token, user)
        if earlier is not None:
            return earlier
        raise

    logger.info(
        "Paper form %s keyed: member %s, card %s, slip %s, new household %s",
        record.pk,
        result.member.pk,
        result.card.pk,
        result.slip.pk if result.slip else None,
        result.created_member,
    )
    return result


def replay(token: str, user: User) -> KeyingResult | None:
    """Return the result of the form ``user`` saved earlier with this token, or None.

    Raises KeyingError when another user saved a form with this token, so a
    token copied from someone else's page shows nothing of what they keyed.
    """
    record = (
        KeyedForm.objects.select_related("member", "card", "slip")
        .filter(token=token)
        .first()
    )
    if record is None or record.member is None or record.card is None:
        return None

    user_id = actor_id(user)
    if user_id is None or record.user_id != user_id:
        logger.warning(
            "Paper form %s replay rejected: token sent by user %s, keyed by %s",
            record.pk,
            user_id,
            record.user_id,
        )
        raise KeyingError({NON_FIELD_ERRORS: [token_used_message()]})

    return KeyingResult(
        member=record.member,
        card=record.card,
        slip=record.slip,
        created_member=record.created_member,
        replayed=True,
        kept_fields=tuple(record.kept_fields),
    )


def token_used_message() -> str:
    return _(
        "This form was already saved by another user: reload the page to get "
        "an empty form, then key the paper form again."
    )


def save_plan(plan: Plan, record: KeyedForm, user: User) -> KeyingResult:
    member, created, kept_fields = save_household(plan, user)
    receipt_number = plan.form.receipt_number.strip() or f"FORM-{record.pk:06d}"
    try:
        card, slip = save_card_and_slip(plan, member, receipt_number, user)
    except CardError as error:
        field_name = card_error_field(plan, receipt_number)
        raise KeyingError({field_name: [str(error)]}) from None
    except SlipError as error:
        raise KeyingError({"receipt_number": [str(error)]}) from None

    record.member = member
    record.card = card
    record.slip = slip
    record.created_member = created
    record.kept_fields = list(kept_fields)
    record.save(
        update_fields=["member", "card", "slip", "created_member", "kept_fields"]
    )
    return KeyingResult(member, card, slip, created, kept_fields=kept_fields)


def card_error_field(plan: Plan, receipt_number: str) -> str:
    """Return the form field that an error from issuing the card is about.

    issue_card reports a failed first slip as a CardError too, so a receipt
    number already recorded for the store is looked up to name its field.
    """
    store = plan.form.store
    if store is not None and find_live_slip(store, receipt_number) is not None:
        return "receipt_number"
    if plan.card_state != CardState.IN_STOCK:
        return "card_number"
    if plan.form.admission_basis == Card.AdmissionBasis.QUALIFYING_SLIP:
        return "amount"

    return "admission_note"


# Household ---------------------------------------------------------------------


def form_moment(day: date) -> datetime:
    """Return now for today's form, and noon in Asia/Shanghai for an older one."""
    if day == timezone.localdate():
        return timezone.now()

    return timezone.make_aware(datetime.combine(day, time(12)))


def household_values(plan: Plan) -> dict[str, object]:
    form = plan.form
    return {
        "name": plan.name,
        "gender": form.gender,
        "occupation": form.occupation.strip(),
        "phone": plan.phone,
        "address": " ".join(form.address.split()),
        "birth_year": plan.birth_year,
        "consent_marketing": form.consent_marketing,
    }


def save_household(plan: Plan, user: User) -> tuple[Member, bool, tuple[str, ...]]:
    """Create the household, or update the chosen one; return it, whether it is
    new, and the fields kept as stored."""
    household = plan.form.household
    if household is None:
        return create_household(plan, user), True, ()

    return update_household(plan, household, user)


def create_household(plan: Plan, user: User) -> Member:
    form = plan.form
    member = Member(
        **household_values(plan),
        city=plan.city,
        district=plan.district,
        signup_activity=form.signup_activity,
        signup_store=form.store,
        signup_venue=form.venue.strip(),
        joined_on=plan.form_date,
        consent_given_at=form_moment(plan.form_date),
        consent_method=Member.ConsentMethod.PAPER_FORM,
        owner_id=actor_id(user),
    )
    require_scope(member, user)
    save_member(member, user, "keyed from a paper form")
    return member


def update_household(
    plan: Plan, household: Member, user: User
) -> tuple[Member, bool, tuple[str, ...]]:
    """Write the form's values to the chosen household, as far as the user may.

    Users without member.change_member leave the household as stored and
    only add the card and slip. Users who may not view personal data fill
    phone, address and birth year only where they are empty.
    """
    member = Member.objects.select_for_update().get(pk=household.pk)
    values = household_values(plan)
    if plan.form.gender == Gender.UNKNOWN:
        del values["gender"]
    if plan.form.address.strip():
        values.update(city=plan.city, district=plan.district)

    changed = {
        key: value
        for key, value in values.items()
        if value not in ("", None) and getattr(member, key) != value
    }
    allowed = writable_fields(member, changed, user)
    for key in allowed:
        setattr(member, key, changed[key])
    if member.consent_given_at is None:
        member.consent_given_at = form_moment(plan.form_date)
        member.consent_method = Member.ConsentMethod.PAPER_FORM
        allowed.append("consent_given_at")

    if allowed:
        require_scope(member, user)
        save_member(member, user, "updated from a paper form")
    kept_fields = tuple(key for key in changed if key not in allowed)
    return member, False, kept_fields


def writable_fields(
    member: Member, changed: dict[str, object], user: User
) -> list[str]:
    if not isinstance(user, PermissionsMixin) or not user.has_perm(
        "member.change_member"
    ):
        return []
    if may_view_personal_data(user):
        return list(changed)

    personal = {*PERSONAL_FIELDS, "city", "district"}
    return [
        key
        for key in changed
        if key not in personal or getattr(member, key) in ("", None)
    ]


def require_scope(member: Member, user: User) -> None:
    if not may_write(member, user):
        raise KeyingError({"city": [outside_scope_message()]})


def save_member(member: Member, user: User, reason: str) -> None:
    if isinstance(user, AbstractBaseUser):
        member._history_user = user  # type: ignore[attr-defined]
    member._change_reason = reason  # type: ignore[attr-defined]
    member.save()


# Card and slip -----------------------------------------------------------------


def save_card_and_slip(
    plan: Plan, member: Member, receipt_number: str, user: User
) -> tuple[Card, PurchaseSlip | None]:
    """Issue the card in stock, or use the household's own, and record the purchase.

    A card admitted by the purchase on the form is issued together with its
    first slip by issue_card, which checks the admission amount.
    """
    form = plan.form
    if plan.card_state == CardState.HOUSEHOLD_CARD:
        return plan.card, record_purchase(plan, plan.card, receipt_number, user)

    if form.admission_basis == Card.AdmissionBasis.QUALIFYING_SLIP:
        if form.store is None:
            raise KeyingError(
                {"store": [_("The store is missing: choose the store that sold it.")]}
            )
        purchase = FirstPurchase(
            store=form.store,
            receipt_number=receipt_number,
            lines=plan.lines,
            purchased_at=form_moment(plan.form_date),
            source=form.source,
        )
        card = issue_card(
            plan.card,
            member,
            basis=form.admission_basis,
            first_purchase=purchase,
            user=user,
        )
        return card, card.admission_slip

    card = issue_card(
        plan.card,
        member,
        basis=form.admission_basis,
        note=form.admission_note,
        user=user,
    )
    return card, record_purchase(plan, card, receipt_number, user)


def record_purchase(
    plan: Plan, card: Card, receipt_number: str, user: User
) -> PurchaseSlip | None:
    """Create and submit the slip of the form's purchase, if the form has one."""
    if not plan.lines or plan.form.store is None:
        return None

    return create_slip(
        card=card,
        store=plan.form.store,
        receipt_number=receipt_number,
        lines=plan.lines,
        purchased_at=form_moment(plan.form_date),
        clerk=user,
        source=plan.form.source,
        submit=True,
    )
