from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRecord(models.Model):
    """One run of an import: who ran it, on which file, and what it did."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        MEMBERS = "members", _("Member households")
        PERSONS = "persons", _("Household persons")
        CARDS = "cards", _("Cards")
        SLIPS = "slips", _("Purchase slips")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    profile = models.CharField(_("profile"), max_length=64, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file = models.FileField(
        _("uploaded file"),
        upload_to="imports/uploads/%Y/%m/",
        max_length=255,
        blank=True,
        help_text=_("Kept for the background job; empty for command-line imports."),
    )
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    encoding = models.CharField(
        _("encoding"),
        max_length=16,
        blank=True,
        help_text=_("Detected encoding of a CSV file; empty for XLSX."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(
        _("skipped"), default=0, help_text=_("Rows already on file, left unchanged.")
    )
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    processed_rows = models.PositiveIntegerField(
        _("rows processed"),
        default=0,
        help_text=_("Rows checked or written so far, for the progress bar."),
    )
    preview = models.JSONField(
        _("preview"),
        default=dict,
        blank=True,
        help_text=_("Counts and failing rows found before the import was confirmed."),
    )
    error_file = models.FileField(
        _("error file"), upload_to="imports/errors/%Y/%m/", max_length=255, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import record")
        verbose_name_plural = _("import records")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        """Return the share of rows processed, 0 to 100, for the progress bar."""
        if not self.rows:
            return 100 if self.finished else 0

        return min(100, self.processed_rows * 100 // self.rows)
