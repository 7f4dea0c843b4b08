"""Recipient lists, notification rules, message templates and the send log.

The send log (`Message`) is also the outbox: a row is written in the
transaction of the event that caused it, and a Celery task sends it after
commit. Its subject and body are rendered when the row is written, so what the
log shows is exactly what was sent, and sending needs nothing but the row.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from sites.models import Desk, Site
from tenancy.models import Membership, Organization, language_choices
from visitors.models import VisitType


class Event(models.TextChoices):
    PRE_REGISTERED = "visit.pre_registered", _("Visit pre-registered")
    UPDATED = "visit.updated", _("Visit changed")
    CANCELLED = "visit.cancelled", _("Visit cancelled")
    ARRIVED = "visit.arrived", _("Visitor arrived")
    DEPARTED = "visit.departed", _("Visitor left")
    OVERDUE = "visit.overdue", _("Visitor still on site after the expected end")
    DENIED = "visit.denied", _("Visit denied")
    PENDING_APPROVAL = "visit.pending_approval", _("Visit waiting for approval")
    APPROVED = "visit.approved", _("Visit approved")
    REFUSED = "visit.refused", _("Visit refused by an approver")
    CONSENT_SIGNED = "consent.signed", _("Consent signed")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class RecipientList(models.Model):
    """A named group of people to notify ("Accueil", "Sécurité"): members of the
    organization and external addresses or numbers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    members = models.ManyToManyField(Membership, blank=True, related_name="+", verbose_name=_("members"))
    emails = ArrayField(models.EmailField(), default=list, blank=True, verbose_name=_("e-mail addresses"))
    # E.164 (+33612345678), normalised by the services.
    phones = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("phones"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="recipientlist_unique_name")
        ]
        verbose_name = _("recipient list")

    def __str__(self):
        return self.name


class NotificationRule(models.Model):
    """When `event` happens in the scope (sites, desks, visit types; empty means
    all), send to the recipients on the channels."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    active = models.BooleanField(_("active"), default=True)
    sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("sites"))
    desks = models.ManyToManyField(Desk, blank=True, related_name="+", verbose_name=_("desks"))
    visit_types = models.ManyToManyField(
        VisitType, blank=True, related_name="+", verbose_name=_("visit types")
    )
    to_host = models.BooleanField(_("the host"), default=False)
    to_visitor = models.BooleanField(_("the visitor"), default=False)
    # Those who may decide a visit waiting for approval: its type's approvers, or
    # the admins when the type names none.
    to_approvers = models.BooleanField(_("the approvers of the visit type"), default=False)
    lists = models.ManyToManyField(RecipientList, blank=True, related_name="rules", verbose_name=_("lists"))
    by_email = models.BooleanField(_("by e-mail"), default=True)
    by_sms = models.BooleanField(_("by SMS"), default=False)
    # The invitation rule every organization starts with (see defaults.py).
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["event", "name"]
        indexes = [models.Index(fields=["organization", "event", "active"])]
        verbose_name = _("notification rule")

    def __str__(self):
        return self.name

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.EMAIL, self.by_email), (Channel.SMS, self.by_sms)) if on]


class MessageTemplate(models.Model):
    """An organization's own wording for one event, channel and language; when
    there is none, the shipped default (defaults.py) is used."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5, choices=language_choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event", "channel", "language"], name="messagetemplate_unique"
            )
        ]
        verbose_name = _("message template")

    def __str__(self):
        return f"{self.event} {self.channel} {self.language}"


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class RecipientKind(models.TextChoices):
    HOST = "host", _("Host")
    VISITOR = "visitor", _("Visitor")
    MEMBER = "member", _("List member")
    APPROVER = "approver", _("Approver")
    EXTERNAL = "external", _("External address")
    TEST = "test", _("Test")


class Message(models.Model):
    """One e-mail or SMS to one recipient: the outbox row and its fate."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    recipient_kind = models.CharField(_("recipient type"), max_length=10, choices=RecipientKind.choices)
    event = models.CharField(_("event"), max_length=40)
    # Ids, not foreign keys: the log outlives visits and rules it refers to.
    journal_entry_id = models.BigIntegerField(null=True, blank=True)
    visit_id = models.BigIntegerField(null=True, blank=True)
    rule = models.ForeignKey(
        NotificationRule, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("rule")
    )
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("site"))
    # "custom #12" or "default": which wording produced the text.
    template = models.CharField(_("template"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the message until then; after it, the sweeper may take it back.
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Attempts before the last manual retry: the retry cap counts from there.
    retry_base = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "next_attempt_at"]),
            models.Index(fields=["organization", "event", "created_at"]),
            models.Index(fields=["organization", "visit_id"]),
            models.Index(fields=["provider_id"]),
        ]
        verbose_name = _("message")

    def __str__(self):
        return f"{self.channel} #{self.pk} {self.status}"
