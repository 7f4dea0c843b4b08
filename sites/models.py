"""Sites (a customer's premises) and their reception desks (guichets)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tenancy.models import Organization, language_choices


class Site(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    name = models.CharField(_("name"), max_length=150)
    address = models.TextField(_("address"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    language = models.CharField(
        _("language"), max_length=5, choices=language_choices, default=settings.LANGUAGE_CODE
    )
    # Visits still on site at this local time are checked out automatically.
    end_of_day = models.TimeField(_("end of day"), default=datetime.time(20, 0))
    # The site's badge policy at the kiosk: a kiosk with a printer prints the
    # badge of the visitor it has just arrived.
    kiosk_badge = models.BooleanField(_("print the badge at the kiosk"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name")]
        verbose_name = _("site")

    def __str__(self):
        return self.name


class Desk(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="desks", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=150)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="desk_unique_name")]
        verbose_name = _("desk")

    def __str__(self):
        return f"{self.site.name} — {self.name}"
