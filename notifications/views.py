"""HTML: notification rules, lists, templates and the send log."""

import json

import segno
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from audit.labels import verb_label
from audit.names import Names
from config import translated
from sites.models import Site
from tenancy.permissions import ADMIN, COMPLIANCE, get_for_member, member_required
from tenancy.scope import tenant_scope
from visitors.codes import SALT

from . import delivery, services
from .forms import ImportForm, ListForm, RuleForm, TemplateForm
from .models import Channel, Event, MessageTemplate, NotificationRule, RecipientList, Status
from .phones import mask
from .selectors import filter_messages, send_log
from .templating import VARIABLES


# --- rules -----------------------------------------------------------------------------
@member_required(ADMIN)
def rule_list(request):
    rules = NotificationRule.objects.prefetch_related("sites", "desks", "visit_types", "lists")
    return render(request, "notifications/rule_list.html", {"rules": rules})


@member_required(ADMIN)
def rule_edit(request, pk=None):
    rule = get_for_member(NotificationRule.objects.all(), pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        services.save_rule(organization=request.organization, rule=rule, **form.cleaned_data)
        messages.success(request, _("Rule saved."))
        return redirect("notification_rules")
    return render(request, "notifications/rule_form.html", {"form": form, "rule": rule})


@require_POST
@member_required(ADMIN)
def rule_delete(request, pk):
    services.delete_rule(rule=get_for_member(NotificationRule.objects.all(), pk=pk))
    messages.success(request, _("Rule deleted."))
    return redirect("notification_rules")


# --- lists -----------------------------------------------------------------------------------
@member_required(ADMIN)
def list_list(request):
    lists = RecipientList.objects.prefetch_related("members__user")
    rows = [
        (lst, [mask("email", e) for e in lst.emails] + [mask("sms", p) for p in lst.phones]) for lst in lists
    ]
    return render(request, "notifications/list_list.html", {"rows": rows})


@member_required(ADMIN)
def list_edit(request, pk=None):
    recipient_list = get_for_member(RecipientList.objects.all(), pk=pk) if pk else None
    form = ListForm(request.POST or None, instance=recipient_list)
    if request.method == "POST" and form.is_valid():
        services.save_list(
            organization=request.organization, recipient_list=recipient_list, **form.cleaned_data
        )
        messages.success(request, _("List saved."))
        return redirect("notification_lists")
    return render(request, "notifications/list_form.html", {"form": form, "recipient_list": recipient_list})


@require_POST
@member_required(ADMIN)
def list_delete(request, pk):
    services.delete_list(recipient_list=get_for_member(RecipientList.objects.all(), pk=pk))
    messages.success(request, _("List deleted."))
    return redirect("notification_lists")


# --- templates -------------------------------------------------------------------------------
@member_required(ADMIN)
def template_list(request):
    custom = {(t.event, t.channel, t.language) for t in MessageTemplate.objects.all()}
    rows = [
        (
            event,
            [
                (channel, lang, (event.value, channel.value, lang) in custom)
                for channel in Channel
                for lang in translated.languages()
            ],
        )
        for event in Event
    ]
    return render(request, "notifications/template_list.html", {"rows": rows})


@member_required(ADMIN)
def template_edit(request, event, channel, language):
    if event not in Event.values or channel not in Channel.values or language not in translated.languages():
        raise Http404
    subject, body, is_custom = services.current_wording(event, channel, language)
    action = request.POST.get("action", "save")
    form = TemplateForm(
        request.POST or None, initial={"subject": subject, "body": body}, channel=channel, language=language
    )
    if request.method == "POST" and action == "reset":
        template = MessageTemplate.objects.filter(event=event, channel=channel, language=language).first()
        if template is not None:
            services.reset_template(template=template)
        messages.success(request, _("Default wording restored."))
        return redirect("message_template_edit", event=event, channel=channel, language=language)
    if request.method == "POST" and action == "preview":
        shown = services.preview(
            channel=channel,
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
            language=language,
        )
        return render(request, "notifications/_preview.html", {"preview": shown, "channel": channel})
    if request.method == "POST" and form.is_valid():
        data = {"subject": form.cleaned_data.get("subject", ""), "body": form.cleaned_data["body"]}
        if action == "test":
            try:
                services.send_test(
                    organization=request.organization,
                    membership=request.membership,
                    channel=channel,
                    language=language,
                    **data,
                )
            except ValueError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Test sent to %(email)s.") % {"email": request.user.email})
        else:
            services.save_template(
                organization=request.organization, event=event, channel=channel, language=language, **data
            )
            messages.success(request, _("Template saved."))
        return redirect("message_template_edit", event=event, channel=channel, language=language)
    context = {
        "form": form,
        "event": Event(event),
        "channel": Channel(channel),
        "language": language,
        "is_custom": is_custom,
        "variables": VARIABLES.items(),
        "preview": services.preview(channel=channel, subject=subject, body=body, language=language),
    }
    return render(request, "notifications/template_form.html", context)


# --- configuration capture -------------------------------------------------------------------
@member_required(ADMIN)
def config_export(request):
    response = HttpResponse(
        json.dumps(services.export_config(), ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="vestibule-notifications.json"'
    return response


@member_required(ADMIN)
def config_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
            counts = services.import_config(organization=request.organization, data=data)
        except (ValueError, ValidationError, KeyError, TypeError) as exc:
            form.add_error("file", str(getattr(exc, "messages", [exc])[0]))
        else:
            messages.success(
                request, _("Imported %(lists)d lists, %(rules)d rules, %(templates)d templates.") % counts
            )
            return redirect("notification_rules")
    return render(request, "notifications/import.html", {"form": form})


# --- send log ------------------------------------------------------------------------------------
@member_required(ADMIN, COMPLIANCE)
def message_log(request):
    rows, chosen = filter_messages(request.GET)
    for problems in chosen.errors.values():
        messages.error(request, problems[0])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    names = Names()
    for message in page:
        message.masked = mask(message.channel, message.recipient)
        message.event_label = verb_label(message.event)
    visit_names = {}
    for message in page:
        if message.visit_id and message.visit_id not in visit_names:
            visit_names[message.visit_id] = names.get("visitors.visit", message.visit_id)
        message.visit_name = visit_names.get(message.visit_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "sites": Site.objects.all(),
        "channels": Channel.choices,
        "statuses": Status.choices,
        "events": [(value, verb_label(value)) for value, _label in Event.choices],
        "filters": request.GET,
        "query": query.urlencode(),
    }
    return render(request, "notifications/message_log.html", context)


@member_required(ADMIN, COMPLIANCE)
def message_detail(request, pk):
    message = get_for_member(send_log(), pk=pk)
    # Compliance audits the log; only admins see full addresses.
    shown = (
        message.recipient if request.membership.role == ADMIN else mask(message.channel, message.recipient)
    )
    context = {
        "message": message,
        "recipient": shown,
        "event_label": verb_label(message.event),
        "visit_name": Names().get("visitors.visit", message.visit_id) if message.visit_id else "",
        "wording": _("Default wording")
        if message.template in ("", "default")
        else _("Organization's own template"),
    }
    return render(request, "notifications/message_detail.html", context)


@require_POST
@member_required(ADMIN, COMPLIANCE)
def message_retry(request, pk):
    message = get_for_member(send_log(), pk=pk)
    if request.membership.role != ADMIN:
        raise PermissionDenied
    if delivery.retry(message=message):
        messages.success(request, _("Message queued again."))
    else:
        messages.error(request, _("Only a failed message can be retried."))
    return redirect("message_detail", pk=pk)


# --- public endpoints ----------------------------------------------------------------------------
@csrf_exempt
@require_POST
def twilio_status(request, token):
    """Twilio's delivery report. Twilio signs the full URL and the posted
    fields with the account's auth token; the path token (signed by us) says
    which organization and message it is about."""
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.PUBLIC_URL + request.get_full_path()
    params = {k: request.POST.get(k) for k in request.POST}
    if not settings.TWILIO_AUTH_TOKEN or not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, params, signature
    ):
        return JsonResponse({"detail": "invalid signature"}, status=403)
    try:
        ref = signing.loads(token, salt=delivery.CALLBACK_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    with tenant_scope(int(ref["o"])):
        delivery.apply_provider_status(
            message_id=int(ref["m"]),
            provider_id=params.get("MessageSid", ""),
            status=params.get("MessageStatus", ""),
            error_code=params.get("ErrorCode", ""),
        )
    return HttpResponse(status=204)


def invitation_qr(request, code):
    """The invitation's QR code as an image, for the link in e-mails and SMS.
    Only a code we signed is drawn; the code itself carries no personal data."""

    try:
        signing.loads(code, salt=SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    svg = segno.make(code, error="m").svg_inline(scale=6, border=2)
    return HttpResponse(svg, content_type="image/svg+xml")
