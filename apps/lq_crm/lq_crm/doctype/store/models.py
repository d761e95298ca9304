from django.db import models
from django.utils.translation import gettext_lazy as _

from lq_crm.core.models import Document


class Store(Document):
    """A retail store (终端卖场) or another place where slips are written."""

    number_prefix = "ST"

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.ForeignKey(
        "region.Region",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": "city"},
        related_name="stores",
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
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
