"""Reads of sites and desks, narrowed to what a membership may see."""

from django.db.models import QuerySet

from tenancy.models import Membership

from .models import Desk, Site


def sites_for(membership: Membership) -> QuerySet[Site]:
    sites = Site.objects.all()
    if membership.sees_all_sites:
        return sites
    if membership.role == "host":
        # Hosts pre-register guests at any site of their organization.
        return sites
    return sites.filter(pk__in=membership.site_ids)


def desks_for(membership: Membership) -> QuerySet[Desk]:
    desks = Desk.objects.select_related("site")
    if membership.sees_all_sites or membership.role == "host":
        return desks
    return desks.filter(site_id__in=membership.site_ids)
