"""Events, their departures, trip registrations and lottery draws.

Seats are counted on the departure (a bus or a day of the event): its
``seats_taken`` is changed only by the conditional UPDATE in
``allocation.take_seats`` and ``allocation.release_seats``, so no process can
push it past the departure's capacity.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lq_crm.core.models import Document


class Event(Document):
    """A trip, lecture or gathering that households register for."""

    number_prefix = "EV"

    class Kind(models.TextChoices):
        TRIP = "trip", _("Trip")
        LECTURE = "lecture", _("Lecture")
        GATHERING = "gathering", _("Gathering")
        OTHER = "other", _("Other")

    class AllocationMode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, then waiting list")
        LOTTERY = "lottery", _("Lottery among registrants")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")

    class SpendBasis(models.TextChoices):
        TOTAL = "total", _("Slip totals")
        QUALIFYING = "qualifying", _("Lines of qualifying categories")

    kind = models.CharField(
        _("type"), max_length=16, choices=Kind.choices, default=Kind.TRIP
    )
    title = models.CharField(_("title"), max_length=200)
    city = models.ForeignKey(
        "region.Region",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"level": "city"},
        related_name="+",
        help_text=_("The organising city; leave empty for a province-wide event."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    registration_opens_at = models.DateTimeField(_("registration opens at"))
    registration_closes_at = models.DateTimeField(_("registration closes at"))
    capacity = models.PositiveIntegerField(
        _("capacity"),
        help_text=_("Seats of the default departure, created when the event has none."),
    )
    household_seat_limit = models.PositiveSmallIntegerField(
        _("seats per household"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_("The most persons one household may register."),
    )
    allocation_mode = models.CharField(
        _("allocation mode"),
        max_length=16,
        choices=AllocationMode.choices,
        default=AllocationMode.FIRST_COME,
    )
    fee_per_person = models.DecimalField(
        _("fee per person"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Yuan each person pays; the fee shares below lower it for some tiers."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )

    # Eligibility rules, editable in the desk.
    spend_since = models.DateField(
        _("spend counted from"),
        null=True,
        blank=True,
        help_text=_("First day of the spend window, in Asia/Shanghai."),
    )
    spend_until = models.DateField(
        _("spend counted until"),
        null=True,
        blank=True,
        help_text=_("Last day of the spend window; the whole day counts."),
    )
    spend_basis = models.CharField(
        _("spend basis"),
        max_length=16,
        choices=SpendBasis.choices,
        default=SpendBasis.QUALIFYING,
    )
    min_spend_new = models.DecimalField(
        _("minimum spend, new households"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Yuan of spend in the window for a household never on a trip."),
    )
    min_spend_returning = models.DecimalField(
        _("minimum spend, returning trip members"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Yuan of spend in the window for a household that attended an earlier trip."
        ),
    )
    min_tier = models.ForeignKey(
        "tier.Tier",
        verbose_name=_("minimum tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    allowed_cities = models.ManyToManyField(
        "region.Region",
        verbose_name=_("cities allowed"),
        blank=True,
        limit_choices_to={"level": "city"},
        related_name="+",
        help_text=_("Households of these cities may register; empty allows all."),
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["status", "registration_closes_at"])]
        permissions = [
            ("draw_event", _("Can draw the lottery of an event")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("The event cannot end before it starts.")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes <= opens:
            errors["registration_closes_at"] = _(
                "Registration must close after it opens."
            )
        if (
            self.spend_since
            and self.spend_until
            and self.spend_until < self.spend_since
        ):
            errors["spend_until"] = _("The spend window cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class EventFeeShare(models.Model):
    """The percentage of an event's fee per person that one tier's households pay.

    A tier without a row pays the whole fee, so an event with no rows charges
    every household ``fee_per_person`` for each person.
    """

    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="fee_shares",
    )
    tier = models.ForeignKey(
        "tier.Tier",
        verbose_name=_("tier"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    percent = models.DecimalField(
        _("share of the fee, percent"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("100 pays the whole fee, 50 half of it, 0 nothing."),
    )

    class Meta:
        verbose_name = _("fee share")
        verbose_name_plural = _("fee shares")
        ordering = ["event", "tier__threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "tier"], name="event_fee_share_unique_tier"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100),
                name="event_fee_share_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.percent}%"


class Departure(models.Model):
    """A bus or a day of an event, with its own seats."""

    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="departures",
    )
    name = models.CharField(_("name"), max_length=100)
    departs_at = models.DateTimeField(_("departs at"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(
        _("seats taken"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["event", "departs_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="departure_seats_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class LotteryDraw(models.Model):
    """The stored seed and result of a departure's lottery.

    ``candidates`` lists the registration ids that took part, sorted by id,
    and ``result`` lists them in draw order; shuffling ``candidates`` with
    ``random.Random(seed)`` gives ``result`` again. A re-draw overwrites the
    row, so each departure has one current result.
    """

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="draws"
    )
    departure = models.OneToOneField(
        Departure,
        verbose_name=_("departure"),
        on_delete=models.CASCADE,
        related_name="draw",
    )
    seed = models.BigIntegerField(_("seed"))
    candidates = models.JSONField(_("candidates"), default=list)
    result = models.JSONField(_("result in draw order"), default=list)
    winners = models.JSONField(_("winners"), default=list)
    rounds = models.PositiveIntegerField(
        _("rounds"), default=1, help_text=_("How many times this departure was drawn.")
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.departure} #{self.rounds} (seed {self.seed})"


class Registration(Document):
    """A household's registration for an event, for one or more persons."""

    number_prefix = "TRG"

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No show")

    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    departure = models.ForeignKey(
        Departure,
        verbose_name=_("departure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        help_text=_("Empty for a lottery registration without a preference."),
    )
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    # The member id while the registration is live, NULL once cancelled. The
    # unique index on (event, member_key) rejects a second live registration of
    # a household, because MariaDB has no partial indexes and unique indexes
    # ignore NULLs.
    member_key = models.BigIntegerField(null=True, editable=False)
    card = models.ForeignKey(
        "card.Card",
        verbose_name=_("card"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"), validators=[MinValueValidator(1)], editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REGISTERED,
        editable=False,
    )
    waitlist_position = models.PositiveIntegerField(
        _("waiting list position"), null=True, blank=True, editable=False
    )
    eligible_spend = models.DecimalField(
        _("qualifying spend found"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    spend_since = models.DateField(
        _("spend counted from"), null=True, blank=True, editable=False
    )
    spend_until = models.DateField(
        _("spend counted until"), null=True, blank=True, editable=False
    )
    eligibility_rule = models.CharField(
        _("rule applied"), max_length=200, blank=True, editable=False
    )
    lottery_draw = models.ForeignKey(
        LotteryDraw,
        verbose_name=_("lottery draw"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        editable=False,
    )
    fee_due = models.DecimalField(
        _("fee due"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text=_("Yuan the household pays for all its persons."),
    )
    fee_tier = models.ForeignKey(
        "tier.Tier",
        verbose_name=_("tier at registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("The household's tier when it registered, which set the fee."),
    )
    fee_percent = models.DecimalField(
        _("fee share, percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Share of the fee per person that the tier paid; empty for a free event."
        ),
    )
    # A random key that the desk form sends with its submit button. A second
    # submit of the same form finds the registration that the first made.
    submission_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    checked_in_at = models.DateTimeField(
        _("checked in at"), null=True, blank=True, editable=False
    )
    cancelled_at = models.DateTimeField(
        _("cancelled at"), null=True, blank=True, editable=False
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("trip registration")
        verbose_name_plural = _("trip registrations")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member_key"], name="registration_unique_live"
            ),
            models.UniqueConstraint(
                fields=["departure", "waitlist_position"],
                name="registration_unique_waitlist_position",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]
        permissions = [
            ("cancel_registration", _("Can cancel trip registration")),
            ("checkin_registration", _("Can check in trip registration")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.member.name}" if self.pk else super().__str__()


class RegistrationPerson(models.Model):
    """A person who takes one seat of a registration."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="persons",
    )
    person = models.ForeignKey(
        "member.HouseholdPerson",
        verbose_name=_("household person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("registered person")
        verbose_name_plural = _("registered persons")
        ordering = ["registration", "pk"]

    def __str__(self) -> str:
        return self.name
