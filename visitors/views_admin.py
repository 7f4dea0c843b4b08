"""HTML: what admins configure — visit types, the watchlist, kiosk tokens."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config import translated
from tenancy.permissions import ADMIN, get_for_member, member_required

from . import configuration, selectors
from .forms import KioskTokenForm, VisitTypeForm, WatchlistForm


@member_required(ADMIN)
def visit_types(request, pk=None):
    current = get_for_member(selectors.visit_types(), pk=pk) if pk else None
    form = VisitTypeForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields if f != "approvers"}
        values["name"] = translated.form_values(form.cleaned_data, "name")
        configuration.save_visit_type(
            organization=request.organization,
            visit_type=selectors.visit_types().get(pk=current.pk) if current else None,
            approvers=form.cleaned_data["approvers"],
            **values,
        )
        messages.success(request, _("Visit type saved."))
        return redirect("visit_types")
    return render(
        request,
        "visitors/visit_types.html",
        {
            "types": [
                (t, " / ".join(name for name in translated.translations(t, "name").values() if name))
                for t in selectors.visit_types().prefetch_related("approvers__user")
            ],
            "form": form,
            "current": current,
        },
    )


@member_required(ADMIN)
def watchlist(request):
    form = WatchlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        configuration.add_watchlist_entry(
            organization=request.organization, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Added to the watchlist."))
        return redirect("watchlist")
    return render(
        request, "visitors/watchlist.html", {"entries": selectors.watchlist_entries(), "form": form}
    )


@require_POST
@member_required(ADMIN)
def watchlist_delete(request, pk):
    configuration.remove_watchlist_entry(entry=get_for_member(selectors.watchlist_entries(), pk=pk))
    messages.success(request, _("Removed from the watchlist."))
    return redirect("watchlist")


@member_required(ADMIN)
def kiosk_admin(request):
    form = KioskTokenForm(request.POST or None, membership=request.membership)
    new_url = None
    if request.method == "POST" and form.is_valid():
        _token, key = configuration.create_kiosk_token(
            site=form.cleaned_data["site"], name=form.cleaned_data["name"]
        )
        new_url = request.build_absolute_uri(f"/kiosk/{key}/")
        form = KioskTokenForm(membership=request.membership)
    return render(
        request,
        "visitors/kiosk_admin.html",
        {"tokens": selectors.kiosk_tokens(), "form": form, "new_url": new_url},
    )


@require_POST
@member_required(ADMIN)
def kiosk_revoke(request, pk):
    configuration.revoke_kiosk_token(token=get_for_member(selectors.kiosk_tokens(), pk=pk))
    messages.success(request, _("Kiosk link revoked."))
    return redirect("kiosk_admin")
