"""Badge templates, their versions and assignments, and the prints made with them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from sites.models import Desk, Site
from tenancy.models import Organization
from visitors.models import Visit, VisitType

from .presets import ORIENTATIONS, PORTRAIT, preset_choices


class BadgeImage(models.Model):
    """An image used by templates (the logo), stored once per content.

    Kept in the database rather than object storage: it is small configuration
    (≤ 2 MB), it must be at hand for every print, and it travels with the
    database backup and the template's JSON export."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "sha256"], name="badgeimage_unique_content")
        ]

    def __str__(self):
        return f"{self.content_type} {self.sha256[:12]}"


class BadgeTemplate(models.Model):
    """The template an admin edits. Every save makes a new `BadgeTemplateVersion`;
    prints point at the version, so an old print can be reproduced exactly."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    preset = models.CharField(_("page"), max_length=40, choices=preset_choices)
    orientation = models.CharField(_("orientation"), max_length=10, choices=ORIENTATIONS, default=PORTRAIT)
    layout = models.JSONField(_("layout"), default=list)
    logo = models.ForeignKey(
        BadgeImage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("logo")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    current = models.ForeignKey(
        "BadgeTemplateVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="badgetemplate_unique_name")
        ]
        verbose_name = _("badge template")

    def __str__(self):
        return self.name


class BadgeTemplateVersion(models.Model):
    """A frozen copy of a template as it was saved."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    template = models.ForeignKey(BadgeTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    preset = models.CharField(max_length=40)
    orientation = models.CharField(max_length=10)
    layout = models.JSONField(default=list)
    logo = models.ForeignKey(BadgeImage, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="badgetemplateversion_unique_number")
        ]

    def __str__(self):
        return f"{self.template_id} v{self.number}"


class BadgeAssignment(models.Model):
    """Which template prints where. Empty fields match everything; the most
    specific match wins (see selectors.resolve_template)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    template = models.ForeignKey(
        BadgeTemplate, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("template")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("desk")
    )
    visit_type = models.ForeignKey(
        VisitType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit type"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "site", "desk", "visit_type"],
                name="badgeassignment_unique_target",
                nulls_distinct=False,
            )
        ]
        verbose_name = _("badge template assignment")

    def __str__(self):
        return f"{self.template_id} → site {self.site_id} desk {self.desk_id} type {self.visit_type_id}"


class BadgePrint(models.Model):
    """One badge that went to a printer. A reprint is another row with a reason;
    the badge number is the visit's and does not change."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="badge_prints")
    template_version = models.ForeignKey(
        BadgeTemplateVersion, on_delete=models.PROTECT, related_name="prints"
    )
    desk = models.ForeignKey(Desk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    printed_at = models.DateTimeField(auto_now_add=True)
    badge_number = models.PositiveIntegerField(null=True, blank=True)
    reprint_reason = models.CharField(_("reprint reason"), max_length=200, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-printed_at"]
        indexes = [models.Index(fields=["organization", "site", "printed_at"])]
        verbose_name = _("badge print")

    def __str__(self):
        return f"badge of visit {self.visit_id} at {self.printed_at:%Y-%m-%d %H:%M}"

    @property
    def is_reprint(self) -> bool:
        return bool(self.reprint_reason)
