from django import forms
from django.utils.translation import gettext_lazy as _

from sites.models import Desk, Site
from visitors.models import VisitType

from .images import MAX_LOGO_BYTES
from .layout import ALIGNMENTS, ELEMENT_TYPES, TEXT, VARIABLES
from .presets import ORIENTATIONS, preset_choices


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    preset = forms.ChoiceField(label=_("Page"), choices=preset_choices)
    orientation = forms.ChoiceField(label=_("Orientation"), choices=ORIENTATIONS)
    logo = forms.FileField(
        label=_("Logo (PNG or JPEG, 2 MB at most)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        # Read one byte past the limit: enough to refuse, never the whole of a huge upload.
        raw = upload.read(MAX_LOGO_BYTES + 1)
        return raw


def _mm(label):
    return forms.FloatField(
        label=label, widget=forms.NumberInput(attrs={"step": "any", "style": "width:4.3em"})
    )


class ElementForm(forms.Form):
    """One layout element; positions and sizes in millimetres from the top-left."""

    type = forms.ChoiceField(
        label=_("Element"),
        choices=ELEMENT_TYPES,
        initial=TEXT,
        widget=forms.Select(attrs={"style": "width:8em"}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=60, required=False, widget=forms.TextInput(attrs={"style": "width:6em"})
    )
    x = _mm("x")
    y = _mm("y")
    width = _mm(_("width"))
    height = _mm(_("height"))
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=300,
        help_text=" ".join(f"{{{v}}}" for v in VARIABLES),
        widget=forms.TextInput(attrs={"style": "width:100%"}),
    )
    font_size = forms.FloatField(
        label=_("size (pt)"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "style": "width:4.5em"}),
    )
    bold = forms.BooleanField(label=_("bold"), required=False)
    align = forms.ChoiceField(
        label=_("alignment"),
        choices=ALIGNMENTS,
        required=False,
        initial="left",
        widget=forms.Select(attrs={"style": "width:6.5em"}),
    )
    color = forms.CharField(
        label=_("colour"),
        required=False,
        max_length=7,
        initial="#000000",
        widget=forms.TextInput(attrs={"type": "color", "style": "width:3em;padding:0"}),
    )
    max_lines = forms.TypedChoiceField(
        label=_("lines"),
        choices=[(1, "1"), (2, "2")],
        coerce=int,
        required=False,
        initial=2,
        widget=forms.Select(attrs={"style": "width:3.5em"}),
    )

    def element(self) -> dict:
        data = self.cleaned_data
        out = {k: data[k] for k in ("type", "name", "x", "y", "width", "height")}
        if data["type"] == TEXT:
            out.update(
                text=data["text"],
                font_size=data["font_size"],
                bold=data["bold"],
                align=data["align"] or "left",
                color=data["color"] or "#000000",
                max_lines=data["max_lines"] or 2,
            )
        elif data.get("color") and data["type"] == "band" and data["color"] != "#000000":
            out["color"] = data["color"]
        return out


ElementFormSet = forms.formset_factory(ElementForm, extra=1, can_delete=True, max_num=40)


def layout_initial(layout: list[dict]) -> list[dict]:
    return [{**element, "color": element.get("color", "#000000")} for element in layout]


def layout_from(formset) -> list[dict]:
    """The elements of a valid formset, in order: existing rows (changed or not)
    and blank rows the admin filled in; rows ticked for deletion are left out."""
    kept = formset.initial_form_count()
    return [
        form.element()
        for i, form in enumerate(formset.forms)
        if (i < kept or form.has_changed()) and not form.cleaned_data.get("DELETE")
    ]


class AssignmentForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    desk = forms.ModelChoiceField(label=_("Desk"), queryset=Desk.objects.none(), required=False)
    visit_type = forms.ModelChoiceField(
        label=_("Visit type"), queryset=VisitType.objects.none(), required=False
    )

    def __init__(self, *args, sites, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["desk"].queryset = desks
        self.fields["visit_type"].queryset = VisitType.objects.filter(active=True)
        self.fields["site"].empty_label = self.fields["desk"].empty_label = _("all")
        self.fields["visit_type"].empty_label = _("all")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Exported template (JSON)"))
    name = forms.CharField(label=_("Name (optional)"), max_length=100, required=False)


class ReprintForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reprint"), max_length=200)
