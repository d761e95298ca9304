"""Candidate pairs of duplicate households, and the merges that joined them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lq_crm.core.models import Document


class Reason(models.TextChoices):
    """Evidence that two households may be the same, as stored on a pair."""

    SAME_PHONE = "same_phone", _("same phone")
    PERSON_PHONE = "person_phone", _("same phone as a person of the household")
    SAME_NAME = "same_name", _("same name")
    SAME_NAME_SOUND = "same_name_sound", _("names sound the same")
    SIMILAR_NAME = "similar_name", _("similar name")
    SAME_ADDRESS = "same_address", _("same address")
    SIMILAR_ADDRESS = "similar_address", _("similar address")


def reason_labels(codes: list[str]) -> list[str]:
    """Return the translated labels of stored reason codes, skipping unknown ones."""
    known = dict(Reason.choices)
    return [str(known[code]) for code in codes if code in known]


class DuplicateCandidateQuerySet(models.QuerySet):
    def open(self) -> DuplicateCandidateQuerySet:
        """Select undecided pairs whose two households both still exist unmerged."""
        return self.filter(
            status=DuplicateCandidate.Status.OPEN,
            member_low__merged_into__isnull=True,
            member_high__merged_into__isnull=True,
        )


class DuplicateCandidate(models.Model):
    """Two households that may be the same, waiting for a decision.

    ``member_low`` has the smaller id, so each pair is stored once, and the
    unique index keeps a pair from being recorded again after a decision.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        NOT_DUPLICATES = "not_duplicates", _("Not duplicates")
        MERGED = "merged", _("Merged")

    member_low = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    member_high = models.ForeignKey(
        "member.Member",
        verbose_name=_("other household"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(
        _("score"), help_text=_("From 0 to 1; higher means more likely the same.")
    )
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.OPEN,
        db_index=True,
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_low", "member_high"], name="duplicate_unique_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(member_low__lt=models.F("member_high")),
                name="duplicate_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_low_id} / {self.member_high_id}"

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)


class Merge(Document):
    """One merge of a duplicate household into the household that survives it.

    ``rows`` lists every field of every row that the merge re-pointed, so
    that an undo moves exactly those rows back. ``snapshot`` contains both
    households' fields as they were before the merge.
    """

    number_prefix = "MG"

    class Status(models.TextChoices):
        DONE = "done", _("Merged")
        UNDONE = "undone", _("Undone")

    survivor = models.ForeignKey(
        "member.Member",
        verbose_name=_("surviving household"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged = models.ForeignKey(
        "member.Member",
        verbose_name=_("merged household"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    candidate = models.ForeignKey(
        DuplicateCandidate,
        verbose_name=_("candidate pair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merges",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DONE
    )
    snapshot = models.JSONField(_("fields before the merge"), default=dict)
    filled_fields = models.JSONField(
        _("fields filled in"),
        default=dict,
        help_text=_("Survivor fields that the merge filled from the other household."),
    )
    collapsed_registrations = models.JSONField(
        _("registrations collapsed"), default=list
    )
    merge_notes = models.JSONField(_("merge notes"), default=list)
    undo_notes = models.JSONField(_("undo notes"), default=list)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.number


class MovedRow(models.Model):
    """One field of one row that a merge changed from ``old_value`` to ``new_value``."""

    merge = models.ForeignKey(
        Merge, verbose_name=_("merge"), on_delete=models.CASCADE, related_name="rows"
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(_("row id"))
    field = models.CharField(_("field"), max_length=64)
    old_value = models.BigIntegerField(_("value before"), null=True)
    new_value = models.BigIntegerField(_("value after"), null=True)

    class Meta:
        verbose_name = _("moved row")
        verbose_name_plural = _("moved rows")
        ordering = ["merge", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}.{self.field}"
