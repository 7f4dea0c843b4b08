from django import forms
from django.utils.translation import gettext_lazy as _

from config import translated
from sites.models import Site
from visitors.models import VisitType

from .models import AttachmentKind, ConsentKind, FileType


class ConsentTextForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsentKind.choices)
    # The wording: `title_<code>` and `body_<code>` for each configured language,
    # added in __init__ from settings.LANGUAGES.
    visit_types = forms.ModelMultipleChoiceField(
        label=_("Visit types that require it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    validity_months = forms.IntegerField(
        label=_("Validity (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("A returning visitor who signed this version within this period is not asked again."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        translated.add_form_fields(
            self,
            [
                ("title", _("Title"), 200, None),
                ("body", _("Text"), None, lambda: forms.Textarea(attrs={"rows": 8})),
            ],
            instance=version,
            after="kind",
        )
        self.fields["visit_types"].queryset = VisitType.objects.all()


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"))


class PolicyForm(forms.Form):
    allowed_types = forms.MultipleChoiceField(
        label=_("Allowed file types"), choices=FileType.choices, widget=forms.CheckboxSelectMultiple
    )
    max_size_mb = forms.IntegerField(label=_("Maximum file size (MB)"), min_value=1, max_value=100)


class ArchiveForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = Site.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data
