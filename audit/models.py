"""The activity journal: one append-only, hash-chained row per action."""

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tenancy.context import current_actor
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


class ChangeEntryManager(LogEntryManager):
    """django-auditlog writes through these two methods: each entry takes the
    organization of the object that changed and the acting member and client
    address of the request (tenancy.context), never the user's e-mail nor a
    client-supplied X-Forwarded-For."""

    @staticmethod
    def _tenant(instance, kwargs):
        actor = current_actor.get()
        kwargs.setdefault("organization_id", instance.organization_id)
        kwargs.setdefault("member_id", actor.membership_id)
        kwargs.setdefault("remote_addr", actor.ip)
        return kwargs

    def log_create(self, instance, force_log: bool = False, **kwargs):
        return super().log_create(instance, force_log, **self._tenant(instance, kwargs))

    def log_m2m_changes(self, changed_queryset, instance, operation, field_name, **kwargs):
        return super().log_m2m_changes(
            changed_queryset, instance, operation, field_name, **self._tenant(instance, kwargs)
        )


class ChangeEntry(AbstractLogEntry):
    """The field-level history of configuration objects (sites, desks, badge
    templates, consent texts, ...), recorded by django-auditlog
    (AUDITLOG_LOGENTRY_MODEL) but kept inside tenancy: an organization, forced
    row-level security, a retention period ("change_history"). Where the journal
    says who did what, this says which values changed; the journal stays ids only
    and append-only, while these values can be purged."""

    # Indexed by changeentry_object_idx, which leads with it.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    # A pseudonymous reference, as in the journal: the membership's id.
    member_id = models.BigIntegerField(_("member"), null=True, blank=True)
    # Not kept: auditlog's user and e-mail (member_id says who), and the port a
    # client claims in X-Forwarded-Port.
    actor = None
    actor_email = None
    remote_port = None

    objects = ScopedManager(organization="organization", _manager_class=ChangeEntryManager)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        indexes = [
            models.Index(fields=["organization", "content_type", "object_id"], name="changeentry_object_idx")
        ]
