"""Visitors (the people), visit types with their reception policy, visits and
their life cycle, the watchlist and kiosk tokens."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from modeltrans.fields import TranslationField

from config import translated
from config.matching import Fold
from sites.models import Desk, Site
from tenancy.models import Membership, Organization, language_choices


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Visitor(models.Model):
    """A person who visits. Found again on a later visit by e-mail, or by name and
    company, rather than duplicated."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    company = models.CharField(_("company"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=language_choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by retention when the identity has been anonymised.
    anonymized_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["organization", "email"]),
            # A returning visitor is found by folded name (people.find_visitor) at
            # every pre-registration: without it, a scan of every visitor (1M in
            # bench/load, the main PostgreSQL cost under load).
            models.Index(
                F("organization"), Fold("last_name"), Fold("first_name"), name="visitor_folded_name_idx"
            ),
        ]
        verbose_name = _("visitor")

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)


class VisitType(models.Model):
    """A kind of visit and its reception policy."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    # In settings.LANGUAGE_CODE; the other languages in `i18n` (config/translated.py).
    name = models.CharField(_("name"), max_length=100)
    color = models.CharField(_("colour"), max_length=7, default="#1f5fbf")
    host_required = models.BooleanField(_("host required"), default=True)
    approval_required = models.BooleanField(_("approval required"), default=False)
    default_duration_minutes = models.PositiveIntegerField(_("default duration (minutes)"), default=120)
    kiosk_allowed = models.BooleanField(_("kiosk check-in allowed"), default=True)
    active = models.BooleanField(_("active"), default=True)
    # Members who may approve or refuse visits of this type, besides admins.
    approvers = models.ManyToManyField(Membership, blank=True, related_name="+", verbose_name=_("approvers"))

    i18n = TranslationField(fields=("name",))

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        verbose_name = _("visit type")

    def __str__(self):
        # `name_i18n` (django-modeltrans): the active language, else LANGUAGE_CODE.
        return translated.get(self, "name")


class VisitStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    EXPECTED = "expected", _("Expected")
    ARRIVED = "arrived", _("On site")
    DEPARTED = "departed", _("Departed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    REFUSED = "refused", _("Refused")


class Visit(models.Model):
    """One visit of one visitor to one site. Its status changes only through
    visitors.services, each change journaled."""

    # Every index is written again at each status change (the status is indexed,
    # so no update is HOT): foreign keys get no index of their own when a
    # composite one leads with them (organization, site) or when only a rare
    # deletion of the referenced row would look them up (people and desks).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=False)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="visits", verbose_name=_("site"), db_index=False
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("desk")
    )
    visitor = models.ForeignKey(
        Visitor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("visitor"),
    )
    host = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_visits",
        verbose_name=_("host"),
    )
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visit type")
    )
    expected_at = models.DateTimeField(_("expected at"))
    expected_until = models.DateTimeField(_("expected until"))
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.EXPECTED
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrived_desk = models.ForeignKey(
        Desk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    departed_desk = models.ForeignKey(
        Desk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    departed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    departure_automatic = models.BooleanField(default=False)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    notes = models.TextField(_("notes"), blank=True)
    # Why an admin let the visit through a blocking check (watchlist, missing
    # consent); the journal keeps only the fact (visit.override).
    override_reason = models.TextField(_("override reason"), blank=True)
    # Per site and local day, assigned at arrival without gaps (visitors.services).
    badge_number = models.PositiveIntegerField(_("badge number"), null=True, blank=True)
    badge_day = models.DateField(null=True, blank=True)
    # Random secret behind the signed invitation and badge codes; rotating it
    # invalidates every code issued for the visit.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["expected_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "badge_day", "badge_number"], name="visit_unique_badge"),
            models.CheckConstraint(
                condition=models.Q(expected_until__gte=models.F("expected_at")), name="visit_period_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "site", "expected_at"]),
            models.Index(fields=["organization", "status", "site"]),
            models.Index(fields=["organization", "host", "expected_at"]),
            # The desk's day at a site with a long history (bench/load: 1M
            # visits): who is on site, who left today, without scanning every
            # departed visit of the site (desk list 350 -> 160-190 ms).
            models.Index(fields=["site", "status", "departed_at"], name="visit_desk_day_idx"),
        ]
        verbose_name = _("visit")

    def __str__(self):
        return f"{self.visitor} @ {self.site_id} {self.expected_at:%Y-%m-%d}"


class WatchlistEntry(models.Model):
    """A person reception must not let in without security's say-so."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    company = models.CharField(_("company"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("watchlist entry")

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class KioskToken(models.Model):
    """The secret in a site's kiosk URL. Only its SHA-256 is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="kiosk_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"kiosk {self.name or self.pk} @ {self.site_id}"


class BadgeCounter(models.Model):
    """The last badge number given at a site on a local day. Incremented with a
    row lock in the arrival's transaction, so a rolled-back arrival gives its
    number back and two desks never get the same one."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="badgecounter_unique_day")]

    def __str__(self):
        return f"{self.site_id} {self.day}: {self.last}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing imported")
    FAILED = "failed", _("Failed: nothing imported")


class ImportJob(models.Model):
    """One CSV import of visits, run by a Celery task (visitors.imports). The
    file waits in the configured storage (any worker machine reads it) and is
    deleted once the import is over. The job becomes `done` in the same
    transaction as its visits: done and imported, or neither."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", verbose_name=_("site"))
    requested_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    storage_key = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    language = models.CharField(max_length=5, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("lines"), default=0)
    rows_checked = models.PositiveIntegerField(_("lines checked"), default=0)
    rows_imported = models.PositiveIntegerField(_("visits imported"), default=0)
    # Line-numbered problems, in the language of the person who imported.
    errors = models.JSONField(default=list, blank=True)
    # Invitation outcome (visitors.invitations.OUTCOMES) -> number of visits.
    invitations = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"])]
        verbose_name = _("visit import")

    def __str__(self):
        return f"import {self.pk} ({self.status})"

    @property
    def over(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)
