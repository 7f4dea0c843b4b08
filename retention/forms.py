from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.registries import Identity, retention_types, subject_people

from . import policies
from .models import Action, RequestKind, person_model


class PolicyForm(forms.Form):
    consultation_days = forms.IntegerField(label=_("Consultation period (days)"))
    retention_days = forms.IntegerField(label=_("Retention period (days)"))
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        errors = policies.validate(
            data_type=self.policy.data_type,
            site=self.policy.site,
            consultation_days=data["consultation_days"],
            retention_days=data["retention_days"],
            action=data["action"],
        )
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
        return data


def type_choices():
    return [(t.key, t.label) for t in retention_types]


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=None, required=False)
    data_types = forms.MultipleChoiceField(label=_("Data types"), choices=(), required=False)
    period_start = forms.DateField(
        label=_("Period from"), required=False, widget=forms.DateInput({"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput({"type": "date"})
    )
    person = forms.CharField(
        label=_("Person (name, e-mail or phone)"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to hold everyone's data in the scope above."),
    )
    ends_on = forms.DateField(label=_("End date"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        self.fields["data_types"].choices = type_choices()

    def clean_person(self):
        """The one person the words name, found as a data-subject request finds
        people (config.registries.subject_people)."""
        text = " ".join(self.cleaned_data["person"].split())
        if not text:
            return None
        if "@" in text:
            identity = Identity(email=text)
        elif sum(c.isdigit() for c in text) >= 6 and not any(c.isalpha() for c in text):
            identity = Identity(phone=text)
        else:
            identity = Identity(full_name=text)
        found = subject_people.finder.candidates(identity, 6)
        if not found:
            raise forms.ValidationError(_("Nobody matches this name, e-mail or phone."))
        if len(found) > 1:
            names = ", ".join(
                " ".join(
                    filter(None, [p["first_name"], p["last_name"], f"({p['email']})" if p["email"] else ""])
                )
                for p in found[:5]
            )
            raise forms.ValidationError(
                _("Several people match: %(names)s. Give their e-mail or phone to choose one.")
                % {"names": names}
            )
        return person_model().objects.get(pk=found[0]["id"])

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        if data.get("ends_on") and data["ends_on"] < timezone.localdate():
            self.add_error("ends_on", _("The end date is in the past."))
        # The service's name for it.
        data["visitor"] = data.pop("person", None)
        return data


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput({"type": "date"}))
    reference = forms.CharField(label=_("Reference"), required=False)
    full_name = forms.CharField(label=_("Name"), required=False)
    email = forms.CharField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)

    def clean(self):
        data = super().clean()
        if not any((data.get(k) or "").strip() for k in ("full_name", "email", "phone")):
            self.add_error("full_name", _("Give a name, an e-mail address or a phone."))
        if data.get("received_on") and data["received_on"] > timezone.localdate():
            self.add_error("received_on", _("The request cannot be received in the future."))
        return data


class ArchiveForm(forms.Form):
    data_type = forms.ChoiceField(label=_("Data type"), choices=())
    reason = forms.CharField(
        label=_("Why do you need the archive?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The journal too: its screen hides entries past their consultation
        # period for every role, compliance included, so this is where they are.
        self.fields["data_type"].choices = type_choices()
