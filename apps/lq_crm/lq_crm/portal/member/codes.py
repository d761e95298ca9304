"""Send and check the one-time codes for signing in and for changing a phone.

A code is six random digits from ``secrets``, kept only as an HMAC keyed with
the site's secret key, valid for ``portal_code_ttl_seconds``, spent by its
first correct use and voided after ``portal_code_max_attempts`` tries. The
responses are the same whether or not a household uses the phone, so the
sign-in page does not reveal who is a member.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.doctype.member.models import Member
from lq_crm.notify.models import Channel, MessageTemplate, Notification, job_id_for
from lq_crm.notify.services import render
from lq_crm.portal.member.config import PortalLimits, portal_limits
from lq_crm.portal.member.models import LoginCode
from lq_crm.portal.member.ratelimit import (
    LimitUnavailable,
    RateLimited,
    count_request,
    hold_interval,
)

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
TEMPLATE_CODE = "portal_login_code"
HASH_SALT = "lq_crm.portal.member.codes"


class CodeError(Exception):
    """A code that was not sent or not accepted, with what to do next."""


class CodeRateLimited(CodeError):
    """Too many codes were requested. ``retry_after`` is the wait in seconds."""

    def __init__(self, retry_after: int, *, just_sent: bool = False) -> None:
        if just_sent:
            message = _(
                "A code was sent just now: wait %(seconds)s seconds before "
                "requesting another."
            ) % {"seconds": retry_after}
        elif retry_after > 60:
            message = _(
                "Too many codes were requested: try again in %(minutes)s minutes."
            ) % {"minutes": math.ceil(retry_after / 60)}
        else:
            message = _(
                "Too many codes were requested: try again in %(seconds)s seconds."
            ) % {"seconds": retry_after}
        super().__init__(message)
        self.retry_after = retry_after


def wrong_code() -> CodeError:
    return CodeError(
        _(
            "The code is wrong or no longer valid: check the latest SMS, or "
            "request a new code."
        )
    )


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(phone: str, purpose: str, code: str) -> str:
    """Return the keyed hash stored for ``code``, salted with phone and purpose."""
    message = f"{purpose}:{phone}:{code}"
    return salted_hmac(HASH_SALT, message, algorithm="sha256").hexdigest()


def households_for_phone(phone: str) -> list[Member]:
    """Return the households whose own phone or a person's phone is ``phone``."""
    matching = Member.objects.filter(Q(phone=phone) | Q(persons__phone=phone))
    return list(matching.distinct().select_related("city").order_by("pk"))


# Names of the per-phone counters by code purpose. Each purpose counts apart,
# so a signed-in household that requests phone-change codes for a number
# cannot use up that number's sign-in codes.
PHONE_LIMIT_NAMES: dict[str, str] = {
    LoginCode.Purpose.SIGN_IN: "code-phone",
    LoginCode.Purpose.PHONE_CHANGE: "change-code-phone",
}


def check_send_limits(
    phone: str, purpose: str, client_ip: str | None, limits: PortalLimits
) -> None:
    """Count a code request against the per-IP limit and the phone's limit for
    ``purpose``.

    A repeat within the resend interval is rejected before the phone's window
    counts it, so impatient clicks do not use up the phone's codes. While the
    counters cannot be kept, no code is sent: each one is a paid SMS.
    """
    try:
        count_send_limits(phone, purpose, client_ip, limits)
    except LimitUnavailable:
        raise CodeError(
            _(
                "Codes cannot be sent at the moment: try again in a few minutes, "
                "or ask a store or the service centre for help."
            )
        ) from None


def count_send_limits(
    phone: str, purpose: str, client_ip: str | None, limits: PortalLimits
) -> None:
    window = limits.code_window_seconds
    phone_name = f"{PHONE_LIMIT_NAMES[purpose]}:{phone}"
    try:
        if client_ip:
            count_request(f"code-ip:{client_ip}", limits.code_ip_limit, window)
    except RateLimited as error:
        logger.info("Portal code requests from one IP over the limit")
        raise CodeRateLimited(error.retry_after) from None

    try:
        hold_interval(phone_name, limits.code_resend_seconds)
    except RateLimited as error:
        raise CodeRateLimited(error.retry_after, just_sent=True) from None

    try:
        count_request(phone_name, limits.code_phone_limit, window)
    except RateLimited as error:
        logger.info("Portal code requests for one phone over the limit")
        raise CodeRateLimited(error.retry_after) from None


def request_sign_in_code(phone: str, client_ip: str | None) -> LoginCode | None:
    """Send a sign-in code to ``phone`` when a household uses it.

    ``phone`` is in E.164 form. The limits are counted before the households
    are looked up, so a number that belongs to no household is limited in the
    same way. Returns the code row, or None when no household uses the phone.
    """
    limits = portal_limits()
    check_send_limits(phone, LoginCode.Purpose.SIGN_IN, client_ip, limits)

    households = households_for_phone(phone)
    # NOTE: only a household's number makes rows to write, so its response may
    # take a few milliseconds longer than the response to an unknown number.
    if not households:
        logger.info("Portal sign-in code not sent: no household uses the number")
        return None

    # A phone shared by several households is nobody's in particular.
    notified = households[0] if len(households) == 1 else None
    return issue_code(
        phone, LoginCode.Purpose.SIGN_IN, owner=None, notified=notified, limits=limits
    )


def request_phone_change_code(
    member: Member, new_phone: str, client_ip: str | None
) -> LoginCode:
    """Send a code to ``new_phone`` that lets ``member`` switch to that number."""
    if new_phone == member.phone:
        raise CodeError(_("This is already the household's phone number."))

    limits = portal_limits()
    check_send_limits(new_phone, LoginCode.Purpose.PHONE_CHANGE, client_ip, limits)
    return issue_code(
        new_phone,
        LoginCode.Purpose.PHONE_CHANGE,
        owner=member,
        notified=member,
        limits=limits,
    )


@transaction.atomic
def issue_code(
    phone: str,
    purpose: str,
    *,
    owner: Member | None,
    notified: Member | None,
    limits: PortalLimits,
) -> LoginCode:
    """Store a new code for ``phone``, void its earlier live codes and queue the SMS."""
    now = timezone.now()
    earlier = LoginCode.objects.filter(
        phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    )
    earlier.update(expires_at=now)

    code = generate_code()
    login_code = LoginCode.objects.create(
        phone=phone,
        purpose=purpose,
        member=owner,
        code_hash=hash_code(phone, purpose, code),
        created=now,
        expires_at=now + timedelta(seconds=limits.code_ttl_seconds),
    )
    queue_code_message(login_code, code, notified, limits)
    logger.info("Portal login code %s issued for %s", login_code.pk, purpose)
    return login_code


def queue_code_message(
    login_code: LoginCode, code: str, member: Member | None, limits: PortalLimits
) -> Notification | None:
    """Put the code's SMS in the outbox, to be sent once the transaction commits.

    The notify service picks the recipient from the household's own phone,
    but a code must go to the number that was entered, which may be a
    household person's or a new number, so the row is written here.
    """
    # The outbox keeps the body for the send job; the desk's outbox page
    # hides the digits of this template's messages.
    template = MessageTemplate.objects.filter(code=TEMPLATE_CODE, active=True).first()
    if template is None:
        logger.error(
            "Template %s is missing or inactive; login code %s not sent. Run "
            "sync_fixtures or activate the template in the desk.",
            TEMPLATE_CODE,
            login_code.pk,
        )
        return None

    context = {
        "code": code,
        "minutes": math.ceil(limits.code_ttl_seconds / 60),
    }
    notification = Notification.objects.create(
        key=f"portal-code:{login_code.pk}",
        member=member,
        template=template,
        channel=Channel.SMS,
        recipient=login_code.phone,
        subject=render(template.subject, context),
        body=render(template.body, context),
        status=Notification.Status.PENDING,
    )
    from lq_crm.notify.sending import send_notification

    enqueue_on_commit(
        send_notification, notification.pk, job_id=job_id_for(notification.pk)
    )
    return notification


def verify_code(
    phone: str, purpose: str, code: str, *, member: Member | None = None
) -> LoginCode:
    """Spend the newest live code of ``phone`` for ``purpose`` if ``code`` matches.

    Every try uses up one attempt before the comparison, by a conditional
    UPDATE, so concurrent guesses cannot exceed the limit. A wrong, expired,
    spent or voided code, and a phone that was never sent one, all raise the
    same CodeError.
    """
    limits = portal_limits()
    now = timezone.now()
    live = LoginCode.objects.filter(
        phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    )
    if member is not None:
        live = live.filter(member=member)
    login_code = live.order_by("-pk").first()
    if login_code is None:
        raise wrong_code()

    counted = LoginCode.objects.filter(
        pk=login_code.pk, attempts__lt=limits.code_max_attempts
    ).update(attempts=F("attempts") + 1)
    if not counted:
        logger.info("Portal login code %s has no attempts left", login_code.pk)
        raise wrong_code()

    expected = login_code.code_hash
    if not constant_time_compare(expected, hash_code(phone, purpose, code.strip())):
        logger.info("Wrong code entered for portal login code %s", login_code.pk)
        raise wrong_code()

    spent = LoginCode.objects.filter(
        pk=login_code.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not spent:
        raise wrong_code()

    login_code.used_at = now
    logger.info("Portal login code %s used", login_code.pk)
    return login_code


def purge_codes(older_than: timedelta) -> int:
    """Delete codes created more than ``older_than`` ago, and return how many."""
    cutoff = timezone.now() - older_than
    deleted, _by_model = LoginCode.objects.filter(created__lt=cutoff).delete()
    return deleted
