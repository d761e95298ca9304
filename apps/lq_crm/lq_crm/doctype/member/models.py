from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lq_crm.core.models import Document, DocumentQuerySet


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Not given")


class MemberQuerySet(DocumentQuerySet):
    def unmerged(self) -> MemberQuerySet:
        """Select the households that were not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def with_points(self) -> MemberQuerySet:
        """Annotate each household with its points balance, the ledger's sum."""
        from lq_crm.doctype.points.models import PointsLedgerEntry

        balance = (
            PointsLedgerEntry.objects.filter(member=models.OuterRef("pk"))
            .order_by()
            .values("member")
            .annotate(total=Sum("points"))
            .values("total")
        )
        return self.annotate(
            points_balance=Coalesce(models.Subquery(balance), Value(0))
        )


class Member(Document):
    """A household with a club membership and its card."""

    number_prefix = "M"

    class SignupActivity(models.TextChoices):
        STORE = "store", _("Store promotion")
        COMMUNITY = "community", _("Community promotion")
        CAMPUS = "campus", _("Campus promotion")
        SNAKE_PARK_TRIP = "snake_park_trip", _("Snake-park trip")
        LEGACY = "legacy", _("Migrated from an earlier system")
        OTHER = "other", _("Other")

    class ConsentMethod(models.TextChoices):
        PAPER_FORM = "paper_form", _("Signed paper form")
        PHONE = "phone", _("By phone, recorded")
        ONLINE = "online", _("Online")
        LEGACY = "legacy", _("Carried over from an earlier system")

    name = models.CharField(
        pgettext_lazy("person", "name"), max_length=64, db_index=True
    )
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN
    )
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("Stored in E.164 form, such as +8613912345678."),
    )
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.ForeignKey(
        "region.Region",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": "city"},
        related_name="members",
    )
    district = models.ForeignKey(
        "region.Region",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"level": "district"},
        related_name="+",
    )
    occupation = models.CharField(_("occupation"), max_length=64, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    signup_activity = models.CharField(
        _("sign-up activity"),
        max_length=32,
        choices=SignupActivity.choices,
        default=SignupActivity.STORE,
    )
    signup_store = models.ForeignKey(
        "store.Store",
        verbose_name=_("sign-up store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signup_venue = models.CharField(
        _("sign-up venue"),
        max_length=100,
        blank=True,
        help_text=_("The community, campus or trip where the form was filled in."),
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    consent_given_at = models.DateTimeField(
        _("consent given at"), null=True, blank=True
    )
    consent_method = models.CharField(
        _("consent method"), max_length=16, choices=ConsentMethod.choices, blank=True
    )
    consent_marketing = models.BooleanField(
        _("consents to marketing messages"),
        default=False,
        help_text=_("Bulletins, magazines and offers by SMS, email or post."),
    )
    tier = models.ForeignKey(
        "tier.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    qualifying_spend = models.DecimalField(
        _("qualifying spend"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text=_("Sum of the submitted slips that count toward tiers, in yuan."),
    )
    legacy_source = models.CharField(_("legacy source"), max_length=32, blank=True)
    # NULL rather than "" for households keyed in by hand, because a unique
    # index ignores NULLs and MariaDB has no partial indexes.
    legacy_id = models.CharField(  # noqa: DJ001
        _("legacy id"), max_length=64, null=True, blank=True, default=None
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_members",
        editable=False,
        help_text=_(
            "The household that took over this one's slips, points, cards and "
            "history in a merge of duplicates."
        ),
    )
    # Blocking keys for duplicate detection, kept by lq_crm.duplicates.keys:
    # the name as toneless pinyin and the address without spaces and marks.
    name_key = models.CharField(max_length=128, blank=True, editable=False)
    address_key = models.CharField(max_length=120, blank=True, editable=False)

    objects = MemberQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("member household")
        verbose_name_plural = _("member households")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_source", "legacy_id"], name="member_unique_legacy_id"
            ),
        ]
        indexes = [
            models.Index(fields=["city", "tier"]),
            models.Index(fields=["city", "name_key"]),
            models.Index(fields=["city", "address_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new household starts in the tier its spend reaches (the lowest,
        # for a household keyed in by hand); that is no change to announce.
        if self.tier_id is None:
            from lq_crm.doctype.tier.services import tier_for_spend

            self.tier = tier_for_spend(self.qualifying_spend)
        super().save(*args, **kwargs)


class HouseholdPerson(models.Model):
    """A member of the household who may shop with its card."""

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="persons",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    relation = models.CharField(
        _("relation"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    custom = models.JSONField(
        _("custom fields"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Values of the custom fields that admins define in the desk."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household person")
        verbose_name_plural = _("household persons")
        ordering = ["member", "pk"]

    def __str__(self) -> str:
        return self.name
