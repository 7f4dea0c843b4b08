import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import translated
from sites.selectors import sites_for
from tenancy.models import Membership

from . import contact
from .models import VisitType, WatchlistEntry

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VisitorFields(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    # The same checks as every other path that saves a visitor (visitors.contact).
    def clean_email(self):
        return _contact(contact.clean_email, self.cleaned_data.get("email", ""))

    def clean_phone(self):
        return _contact(contact.clean_phone, self.cleaned_data.get("phone", ""))


def _contact(check, value):
    try:
        return check(value)
    except contact.ContactError as exc:
        raise forms.ValidationError(exc.message) from None


class _MemberChoices:
    def _limit(self, membership):
        self.fields["site"].queryset = sites_for(membership)
        self.fields["visit_type"].queryset = VisitType.objects.filter(active=True)
        self.fields["visit_type"].label_from_instance = str
        if "host" in self.fields:
            self.fields["host"].queryset = Membership.objects.filter(is_active=True).select_related("user")
            self.fields["host"].label_from_instance = lambda m: m.user.get_full_name()
            if membership.role == "host":
                del self.fields["host"]


class VisitForm(_MemberChoices, VisitorFields):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=None)
    host = forms.ModelChoiceField(label=_("Host"), queryset=None, required=False)
    expected_at = forms.DateTimeField(label=_("Expected at"), widget=DT)
    expected_until = forms.DateTimeField(label=_("Expected until"), widget=DT, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_reason = forms.CharField(label=_("Override reason (admins)"), required=False)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit(membership)
        if membership.role != "admin":
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        start, end = data.get("expected_at"), data.get("expected_until")
        if start and end and end < start:
            self.add_error("expected_until", _("The end of the visit must be after its start."))
        return data


class GroupForm(_MemberChoices, forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=None)
    host = forms.ModelChoiceField(label=_("Host"), queryset=None, required=False)
    expected_at = forms.DateTimeField(label=_("Expected at"), widget=DT)
    expected_until = forms.DateTimeField(label=_("Expected until"), widget=DT, required=False)
    people = forms.CharField(
        label=_("Visitors, one per line: first name; last name; company; e-mail; phone"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit(membership)

    def clean_people(self):
        people, errors = [], []
        for number, line in enumerate(self.cleaned_data["people"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace(",", ";").split(";")] + ["", "", "", "", ""]
            if not parts[0] or not parts[1]:
                errors.append(_("Line %(n)d: first and last name are required.") % {"n": number})
                continue
            person = {
                "first_name": parts[0],
                "last_name": parts[1],
                "company": parts[2],
                "email": parts[3],
                "phone": parts[4],
            }
            found = contact.problems(person)
            if found:
                errors.append(
                    _("Line %(n)d: %(problems)s") % {"n": number, "problems": " ".join(m for _f, m in found)}
                )
                continue
            people.append(contact.clean_contact(person))
        if errors:
            raise forms.ValidationError(errors)
        if not people:
            raise forms.ValidationError(_("Give at least one visitor."))
        return people


class ImportForm(_MemberChoices, forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(membership)


class WalkInForm(VisitorFields):
    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=None)
    host = forms.ModelChoiceField(label=_("Host"), queryset=None, required=False)
    override_reason = forms.CharField(label=_("Override reason (admins)"), required=False)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_type"].queryset = VisitType.objects.filter(active=True)
        self.fields["visit_type"].label_from_instance = str
        self.fields["host"].queryset = Membership.objects.filter(is_active=True).select_related("user")
        self.fields["host"].label_from_instance = lambda m: m.user.get_full_name()


class VisitTypeForm(forms.ModelForm):
    # Declared so that no tenant query runs when the module is imported.
    approvers = forms.ModelMultipleChoiceField(label=_("Approvers"), queryset=None, required=False)

    class Meta:
        model = VisitType
        # The name: one input per configured language (`name_fr`, `name_en`, ...),
        # added in __init__ from settings.LANGUAGES.
        fields = [
            "color",
            "host_required",
            "approval_required",
            "default_duration_minutes",
            "kiosk_allowed",
            "active",
            "approvers",
        ]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translated.add_form_fields(
            self, [("name", _("name"), 100, None)], instance=self.instance if self.instance.pk else None
        )
        self.fields["approvers"].queryset = Membership.objects.filter(is_active=True).select_related("user")
        self.fields["approvers"].label_from_instance = lambda m: m.user.get_full_name()


class WatchlistForm(forms.ModelForm):
    class Meta:
        model = WatchlistEntry
        fields = ["first_name", "last_name", "company", "email", "reason", "expires_at"]
        widgets = {"expires_at": DT, "reason": forms.Textarea(attrs={"rows": 2})}


class KioskTokenForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(membership)


def default_start() -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
