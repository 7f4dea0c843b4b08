"""HTML: Sites & desks (Sites & guichets)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenancy.permissions import ADMIN, COMPLIANCE, RECEPTION, get_for_member, member_required

from . import services
from .forms import DeskForm, SiteForm
from .selectors import desks_for, sites_for


@member_required(ADMIN, RECEPTION, COMPLIANCE)
def site_list(request):
    sites = sites_for(request.membership).prefetch_related("desks")
    return render(request, "sites/site_list.html", {"sites": sites})


@member_required(ADMIN)
def site_edit(request, pk=None):
    site = get_for_member(sites_for(request.membership), pk=pk) if pk else None
    form = SiteForm(request.POST or None, instance=site, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields}
        if site is None:
            services.create_site(organization=request.organization, **values)
        else:
            # The form wrote the new values onto `site`; the service compares
            # them with the stored row, so it gets a fresh copy.
            services.update_site(site=sites_for(request.membership).get(pk=site.pk), **values)
        messages.success(request, _("Site saved."))
        return redirect("site_list")
    return render(request, "sites/site_form.html", {"form": form, "site": site})


@member_required(ADMIN)
def desk_edit(request, site_pk, pk=None):
    site = get_for_member(sites_for(request.membership), pk=site_pk)
    desk = get_for_member(desks_for(request.membership).filter(site=site), pk=pk) if pk else None
    form = DeskForm(request.POST or None, instance=desk, site=site)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields}
        if desk is None:
            services.create_desk(site=site, **values)
        else:
            services.update_desk(desk=desks_for(request.membership).get(pk=desk.pk), **values)
        messages.success(request, _("Desk saved."))
        return redirect("site_list")
    return render(request, "sites/desk_form.html", {"form": form, "site": site, "desk": desk})
