from django import forms
from django.utils.translation import gettext_lazy as _

from sites.models import Site

from .models import DataType, Environment, Urgency

WIDGET_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TicketForm(forms.Form):
    environment = forms.ChoiceField(label=_("Environment"), choices=Environment.choices)
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=Site.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    period_start = forms.DateTimeField(label=_("From"), required=False, widget=WIDGET_DT)
    period_end = forms.DateTimeField(label=_("To"), required=False, widget=WIDGET_DT)
    data_types = forms.MultipleChoiceField(
        label=_("Data types"), choices=DataType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    point_in_time = forms.DateTimeField(label=_("Target point in time"), required=False, widget=WIDGET_DT)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    impact = forms.CharField(label=_("Impact"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    visit_ids = forms.CharField(
        label=_("Visit ids"), required=False, help_text=_("Separated by commas or spaces.")
    )
    timestamps = forms.CharField(
        label=_("Timestamps"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    screenshot = forms.FileField(label=_("Screenshot"), required=False)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites if sites is not None else Site.objects.none()

    def clean_visit_ids(self):
        raw = self.cleaned_data.get("visit_ids", "").replace(",", " ").split()
        if any(not item.isdigit() for item in raw):
            raise forms.ValidationError(_("Visit ids are whole numbers."))
        return [int(item) for item in raw]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
