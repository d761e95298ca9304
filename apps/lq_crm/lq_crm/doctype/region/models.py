from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionQuerySet(models.QuerySet):
    def cities(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.CITY)

    def districts(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.DISTRICT)


class Region(models.Model):
    """A city of Shandong (a regional office) or one of its districts or counties."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District or county")

    adcode = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        help_text=_("The 12-digit national administrative division code."),
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=10, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=10, decimal_places=6, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["adcode"]

    def __str__(self) -> str:
        return self.name

    @property
    def city(self) -> Region:
        return self if self.level == self.Level.CITY else self.parent  # type: ignore[return-value]
