from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from config.exports import datasets
from sites.selectors import sites_for
from tenancy.models import language_choices

from .filters import PERIODS, RELATIVE_PERIODS
from .models import ExportSchedule


def _split(value: str) -> list[str]:
    return [
        part.strip() for part in (value or "").replace(";", ",").replace("\n", ",").split(",") if part.strip()
    ]


class ScheduleForm(forms.ModelForm):
    dataset = forms.ChoiceField(label=_("Dataset"))
    period = forms.ChoiceField(label=_("Period"), choices=[(p, PERIODS[p]) for p in RELATIVE_PERIODS])
    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=None, required=False)
    columns_text = forms.CharField(
        label=_("Columns"),
        required=False,
        help_text=_("Column keys separated by commas; empty for the defaults."),
    )
    recipients_text = forms.CharField(
        label=_("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E-mail addresses separated by commas."),
    )
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=[(";", ";"), (",", ",")])
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)

    class Meta:
        model = ExportSchedule
        fields = ["name", "dataset", "frequency", "time_of_day", "delimiter", "prefix", "language", "active"]
        widgets = {"time_of_day": forms.TimeInput(attrs={"type": "time"})}

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.key, d.label) for d in datasets()]
        self.fields["sites"].queryset = sites_for(membership)
        if self.instance.pk:
            self.initial.update(
                period=self.instance.filters.get("period"),
                sites=self.instance.filters.get("sites", []),
                columns_text=", ".join(self.instance.columns),
                recipients_text=", ".join(self.instance.recipients),
            )

    def clean_recipients_text(self):
        recipients = _split(self.cleaned_data["recipients_text"])
        for address in recipients:
            validate_email(address)
        return recipients

    def values(self) -> dict:
        data = self.cleaned_data
        filters = dict(self.instance.filters or {}) if self.instance.pk else {}
        filters["period"] = data["period"]
        filters.pop("sites", None)
        if data["sites"]:
            filters["sites"] = [s.pk for s in data["sites"]]
        values = {f: data[f] for f in self.Meta.fields}
        values.update(
            filters=filters, columns=_split(data["columns_text"]), recipients=data["recipients_text"]
        )
        return values
