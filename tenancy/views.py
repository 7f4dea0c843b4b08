"""HTML: sign-in, organization switcher, home, members, API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.registries import home_summaries

from . import ratelimit
from .context import client_ip
from .forms import EmailAuthenticationForm, MembershipForm, TokenForm
from .middleware import SESSION_KEY, SESSION_ORG_KEY
from .models import ApiToken, Membership, Role
from .perimeter import perimeter
from .permissions import get_for_member, member_required
from .services import change_membership, memberships_of
from .tokens import create_token, revoke_token


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, limited per address asked for and per client address.

    The per-account count is kept on the address typed, whether or not an
    account has it, so the limit's message tells nothing about who exists."""

    template_name = "tenancy/password_reset.html"
    email_template_name = "tenancy/password_reset_email.txt"
    subject_template_name = "tenancy/password_reset_subject.txt"

    def form_valid(self, form):
        period = settings.PASSWORD_RESET_PERIOD_MINUTES * 60
        address = client_ip(self.request) or "unknown"
        email = form.cleaned_data["email"].strip().lower()
        # The client address first: a caller already refused does not use up the
        # account's own allowance (which would keep its owner from resetting).
        allowed = ratelimit.hit(
            f"password-reset:ip:{address}", limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, period=period
        ) and ratelimit.hit(
            f"password-reset:email:{ratelimit.digest(email)}",
            limit=settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT,
            period=period,
        )
        if not allowed:
            form.add_error(
                None,
                _(
                    "Too many reset requests for this address or from your network. "
                    "Please try again in %(minutes)s minutes."
                )
                % {"minutes": settings.PASSWORD_RESET_PERIOD_MINUTES},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    template_name = "tenancy/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


@require_POST
def switch_organization(request):
    if not request.user.is_authenticated:
        return redirect("login")
    wanted = request.POST.get("membership")
    for m in memberships_of(request.user):
        if str(m.pk) == wanted:
            request.session[SESSION_KEY] = m.pk
            request.session[SESSION_ORG_KEY] = m.organization_id
    return redirect("home")


LANDINGS = {Role.RECEPTION: "desk_screen", Role.HOST: "visit_list"}


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if request.membership is None:
        if request.user.is_platform_support:
            # Support has no organization of its own: its page is the console.
            return redirect("support_console")
        return render(request, "tenancy/no_membership.html", status=403)
    # Each role lands where its day starts: reception at the desk of its
    # perimeter, a host on its visits, admins and compliance on what needs them.
    landing = LANDINGS.get(request.membership.role)
    if landing:
        try:
            return redirect(reverse(landing))
        except NoReverseMatch:
            pass
    items = []
    if request.membership.role in (Role.ADMIN, Role.COMPLIANCE):
        for summary in sorted(home_summaries, key=lambda s: s.order):
            items += summary.items(request.membership)
    context = {"site_count": perimeter.every_site().count(), "attention": items}
    return render(request, "tenancy/home.html", context)


@member_required(Role.ADMIN)
def members(request):
    rows = Membership.objects.select_related("user").prefetch_related("sites").order_by("user__email")
    return render(request, "tenancy/members.html", {"members": rows})


@member_required(Role.ADMIN)
def member_edit(request, pk):
    member = get_for_member(Membership.objects.select_related("user"), pk=pk)
    if request.method == "POST":
        form = MembershipForm(request.POST)
        if form.is_valid():
            change_membership(
                membership=member,
                role=form.cleaned_data["role"],
                sites=list(form.cleaned_data["sites"]),
                is_active=form.cleaned_data["is_active"],
            )
            messages.success(request, _("Membership saved."))
            return redirect("members")
    else:
        form = MembershipForm(
            initial={
                "role": member.role,
                "sites": list(member.site_ids),
                "is_active": member.is_active,
            }
        )
    return render(request, "tenancy/member_form.html", {"form": form, "member": member})


@member_required()
def tokens(request):
    new_key = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _token, new_key = create_token(membership=request.membership, name=form.cleaned_data["name"])
            form = TokenForm()
    else:
        form = TokenForm()
    rows = ApiToken.objects.select_related("membership__user")
    if request.membership.role != Role.ADMIN:
        rows = rows.filter(membership=request.membership)
    return render(request, "tenancy/tokens.html", {"tokens": rows, "form": form, "new_key": new_key})


@member_required()
@require_POST
def token_revoke(request, pk):
    rows = ApiToken.objects.all()
    if request.membership.role != Role.ADMIN:
        rows = rows.filter(membership=request.membership)
    revoke_token(token=get_for_member(rows, pk=pk))
    messages.success(request, _("Token revoked."))
    return redirect(reverse("tokens"))
