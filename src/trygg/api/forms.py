from django import forms
from django.utils.translation import gettext_lazy as _


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("What the key is for"),
        max_length=100,
        required=False,
        help_text=_("For example the script or system that will use it."),
    )


class ApiKeyRevokeForm(forms.Form):
    revoke = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
