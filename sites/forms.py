import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Desk, Site

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class SiteForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)

    class Meta:
        model = Site
        fields = ["name", "address", "timezone", "language", "end_of_day", "kiosk_badge"]
        widgets = {
            "end_of_day": forms.TimeInput(attrs={"type": "time"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = Site.objects.filter(name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A site with this name already exists."))
        return name


class DeskForm(forms.ModelForm):
    class Meta:
        model = Desk
        fields = ["name", "active"]

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = Desk.objects.filter(site=self.site, name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This site already has a desk with this name."))
        return name
