"""The activity journal: one append-only, hash-chained row per action."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tenancy.models import Organization


class JournalHead(models.Model):
    """The end of an organization's chain. Locking this row serialises writers of
    one organization, so the chain stays linear; the checkpoint is where
    verification starts once old entries have been purged by retention."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")
    # The hash before the last append: the append statement returns it as the
    # new entry's prev_hash (RETURNING sees only the updated row).
    prev_hash = models.CharField(max_length=64, default="")
    checkpoint_seq = models.BigIntegerField(default=0)
    checkpoint_hash = models.CharField(max_length=64, default="")

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"journal head of {self.organization_id} at #{self.seq}"


class JournalEntry(models.Model):
    """Who did what, when and where. Holds ids only, never names, e-mail addresses
    or phone numbers, so it can outlive the personal data it refers to."""

    # No index of its own: journal_unique_seq (organization, seq) leads with it,
    # and every index costs each append.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    seq = models.BigIntegerField()
    created_at = models.DateTimeField(_("time"), db_index=True)
    verb = models.CharField(_("action"), max_length=64)
    actor_kind = models.CharField(max_length=10)  # user, token, system
    actor_id = models.BigIntegerField(null=True, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    site_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-seq"]
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="journal_unique_seq")]
        indexes = [
            models.Index(fields=["organization", "verb", "created_at"]),
            models.Index(fields=["organization", "site_id", "created_at"]),
        ]
        verbose_name = _("journal entry")

    def __str__(self):
        return f"#{self.seq} {self.verb}"
