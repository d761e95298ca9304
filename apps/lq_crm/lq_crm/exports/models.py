from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportRecord(models.Model):
    """One file of personal or business data that left the system."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        _("source"),
        max_length=100,
        help_text=_("The list or report the rows came from, as app.model."),
    )
    filters = models.TextField(
        _("filters"),
        blank=True,
        help_text=_("The list's filters and search as they were at export."),
    )
    selection = models.CharField(_("selection"), max_length=100, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    exported_at = models.DateTimeField(
        _("exported at"), default=timezone.now, db_index=True
    )

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.source} ({self.rows})"
