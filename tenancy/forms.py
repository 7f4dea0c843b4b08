from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Role
from .perimeter import perimeter


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _("E-mail address or password incorrect."),
        "inactive": _("This account is inactive."),
    }


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites (perimeter)"),
        queryset=None,
        required=False,
        help_text=_("Empty: every site for administrators and compliance, none for reception."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = perimeter.every_site()


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
