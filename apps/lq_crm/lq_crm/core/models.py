"""Building blocks that every document type shares."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DocumentQuerySet(models.QuerySet):
    def by_number(self, number: str) -> models.QuerySet:
        """Select the document whose readable number is ``number``."""
        pk = parse_number(self.model, number)
        if pk is None:
            return self.none()

        return self.filter(pk=pk)


class Document(models.Model):
    """A business document with a readable number, an owner and a history.

    The readable number (``PS-2026-000123``) is the series prefix, the year
    the document was created in Asia/Shanghai and the primary key. It is
    derived rather than stored, so numbering needs no shared counter row that
    every writer would have to lock.
    """

    number_prefix: ClassVar[str] = "DOC"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True)
    custom = models.JSONField(
        _("custom fields"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Values of the custom fields that admins define in the desk."),
    )

    history = HistoricalRecords(inherit=True)
    objects = DocumentQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or str(_("(new)"))

    @property
    def number(self) -> str:
        if self.pk is None:
            return ""

        year = timezone.localtime(self.created).year
        return f"{self.number_prefix}-{year}-{self.pk:06d}"


def parse_number(model: type[models.Model], number: str) -> int | None:
    """Return the primary key in a readable number of ``model``, or None."""
    parts = number.strip().upper().split("-")
    prefix = getattr(model, "number_prefix", None)
    if len(parts) != 3 or parts[0] != prefix:
        return None
    if not (parts[1].isdigit() and parts[2].isdigit()):
        return None

    return int(parts[2])
