from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelMultipleChoiceField

from sites.models import Desk, Site
from tenancy.models import Membership
from visitors.models import VisitType

from . import templating
from .models import NotificationRule, RecipientList
from .phones import InvalidPhone, normalize_phone


class LinesField(forms.CharField):
    """One value per line (or comma-separated)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value


class ListForm(forms.ModelForm):
    emails = LinesField(label=_("External e-mail addresses"), required=False)
    phones = LinesField(label=_("External phone numbers"), required=False)

    class Meta:
        model = RecipientList
        fields = ["name", "description", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}
        # The real querysets are set per request, inside the tenant scope.
        field_classes = {"members": SafeModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Membership.objects.select_related("user").filter(is_active=True)
        self.fields["members"].label_from_instance = lambda m: (
            f"{m.user.get_full_name()} ({m.get_role_display()})"
        )
        if self.instance.pk:
            self.initial["emails"] = self.instance.emails
            self.initial["phones"] = self.instance.phones

    def clean_name(self):
        name = self.cleaned_data["name"]
        if RecipientList.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A list with this name already exists."))
        return name

    def clean_emails(self):
        field = forms.EmailField()
        return [field.clean(e) for e in self.cleaned_data["emails"]]

    def clean_phones(self):
        try:
            return [normalize_phone(p) for p in self.cleaned_data["phones"]]
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc


class RuleForm(forms.ModelForm):
    class Meta:
        model = NotificationRule
        fields = [
            "name",
            "event",
            "active",
            "sites",
            "desks",
            "visit_types",
            "to_host",
            "to_visitor",
            "to_approvers",
            "lists",
            "by_email",
            "by_sms",
        ]
        widgets = dict.fromkeys(("sites", "desks", "visit_types", "lists"), forms.CheckboxSelectMultiple)
        field_classes = dict.fromkeys(
            ("sites", "desks", "visit_types", "lists"), SafeModelMultipleChoiceField
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Querysets of the current tenant scope only.
        self.fields["sites"].queryset = Site.objects.all()
        self.fields["desks"].queryset = Desk.objects.select_related("site")
        self.fields["visit_types"].queryset = VisitType.objects.all()
        self.fields["lists"].queryset = RecipientList.objects.all()
        for name in ("sites", "desks", "visit_types"):
            self.fields[name].help_text = _("None ticked: all.")

    def clean(self):
        data = super().clean()
        if not (data.get("by_email") or data.get("by_sms")):
            raise ValidationError(_("Choose at least one channel."))
        if not (
            data.get("to_host") or data.get("to_visitor") or data.get("to_approvers") or data.get("lists")
        ):
            raise ValidationError(_("Choose at least one recipient."))
        return data


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args, channel, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel, self.language = channel, language
        if channel == "sms":
            del self.fields["subject"]

    def clean(self):
        data = super().clean()
        if "body" in data:
            try:
                templating.validate(
                    channel=self.channel,
                    subject=data.get("subject", ""),
                    body=data["body"],
                    sample=templating.sample_context(self.language),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (JSON)"))
