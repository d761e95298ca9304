"""Monthly aggregates that the dashboards read instead of scanning slips.

Every table is keyed by the first day of a month in Asia/Shanghai and is
changed by adding signed deltas with ``INSERT ... ON DUPLICATE KEY UPDATE``
in the transaction that changes the slips or households (see
``aggregates.py``), so concurrent writers do not lose each other's counts. Store and
category ids are plain integers rather than foreign keys: the rows are
derived data, and ``rebuild_aggregates`` recounts them from scratch.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class SalesMonth(models.Model):
    """Submitted slip lines of one month, store, category and sign-up activity.

    ``slips`` counts the slips with at least one line of the category, so a
    slip with two categories counts once in each; SlipMonth counts it once.
    """

    month = models.DateField(_("month"))
    city_id = models.PositiveIntegerField(_("city"))
    store_id = models.PositiveIntegerField(_("store"))
    category_id = models.PositiveIntegerField(_("category"))
    activity = models.CharField(_("sign-up activity"), max_length=32)
    slips = models.IntegerField(_("slips"), default=0)
    slip_lines = models.IntegerField(_("slip lines"), default=0)
    quantity = models.BigIntegerField(_("quantity"), default=0)
    spend = models.DecimalField(
        _("spend"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "store_id", "category_id", "activity"],
                name="sales_month_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["city_id", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} store {self.store_id} category {self.category_id}"


class SlipMonth(models.Model):
    """Submitted slips of one month, store and sign-up activity of the household."""

    month = models.DateField(_("month"))
    city_id = models.PositiveIntegerField(_("city"))
    store_id = models.PositiveIntegerField(_("store"))
    activity = models.CharField(_("sign-up activity"), max_length=32)
    slips = models.IntegerField(_("slips"), default=0)
    slip_lines = models.IntegerField(_("slip lines"), default=0)
    spend = models.DecimalField(
        _("spend"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("monthly slips")
        verbose_name_plural = _("monthly slips")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "store_id", "activity"], name="slip_month_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["city_id", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} store {self.store_id} {self.activity}"


class HouseholdMonth(models.Model):
    """One household's submitted slips of one month, for recency and frequency."""

    month = models.DateField(_("month"))
    member_id = models.PositiveIntegerField(_("household"))
    slips = models.IntegerField(_("slips"), default=0)
    spend = models.DecimalField(
        _("spend"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("monthly household purchases")
        verbose_name_plural = _("monthly household purchases")
        constraints = [
            models.UniqueConstraint(
                fields=["member_id", "month"], name="household_month_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} household {self.member_id}"


class HouseholdCategoryMonth(models.Model):
    """One household's submitted lines of one category in one month.

    Cross purchases are the categories a household bought in a period.
    """

    month = models.DateField(_("month"))
    member_id = models.PositiveIntegerField(_("household"))
    category_id = models.PositiveIntegerField(_("category"))
    slip_lines = models.IntegerField(_("slip lines"), default=0)
    spend = models.DecimalField(
        _("spend"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("monthly household purchases by category")
        verbose_name_plural = _("monthly household purchases by category")
        constraints = [
            models.UniqueConstraint(
                fields=["member_id", "month", "category_id"],
                name="household_category_month_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} household {self.member_id} category {self.category_id}"
        )


class SignupMonth(models.Model):
    """Households that joined in one month, by city, sign-up store and activity.

    ``store_id`` is 0 for households signed up outside a store, because a
    unique index treats NULLs as distinct.
    """

    month = models.DateField(_("month"))
    city_id = models.PositiveIntegerField(_("city"))
    store_id = models.PositiveIntegerField(_("sign-up store"))
    activity = models.CharField(_("sign-up activity"), max_length=32)
    households = models.IntegerField(_("households"), default=0)

    class Meta:
        verbose_name = _("monthly sign-ups")
        verbose_name_plural = _("monthly sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "city_id", "store_id", "activity"],
                name="signup_month_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["city_id", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} city {self.city_id} {self.activity}"


class HouseholdCount(models.Model):
    """Households now in one city, tier, sign-up activity and sign-up store.

    ``tier_id`` and ``store_id`` are 0 for none, because a unique index
    treats NULLs as distinct.
    """

    city_id = models.PositiveIntegerField(_("city"))
    tier_id = models.PositiveIntegerField(_("tier"))
    activity = models.CharField(_("sign-up activity"), max_length=32)
    store_id = models.PositiveIntegerField(_("sign-up store"))
    households = models.IntegerField(_("households"), default=0)

    class Meta:
        verbose_name = _("household count")
        verbose_name_plural = _("household counts")
        constraints = [
            models.UniqueConstraint(
                fields=["city_id", "tier_id", "activity", "store_id"],
                name="household_count_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"city {self.city_id} tier {self.tier_id} {self.activity}"
