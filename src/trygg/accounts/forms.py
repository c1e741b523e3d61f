"""Forms of the municipal administrator's pages and of safety-group management.

Every choice list is built from the acting user's scope, so an id from another
municipality is an invalid choice before a service sees it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation, OrganisationKind, User
from .roles import Role


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Role.choices], required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
        required=False,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def filters(self) -> dict:
        """The validated filters; an invalid value filters nothing (the form shows why)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"].strip().replace("\x00", ""),
            "organisation": data["organisation"],
            "role": data["role"],
            "active": {"1": True, "0": False}.get(data["active"]),
        }


class _UserFieldsForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class UserCreateForm(_UserFieldsForm):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . @ + - _ only."),
    )
    field_order = ["username", "first_name", "last_name", "email", "organisation", "role"]

    def clean_username(self):
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("The user name '%(name)s' is taken.") % {"name": name})
        return name


class UserUpdateForm(_UserFieldsForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive user cannot sign in; the history is kept."),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)


class OrganisationEditForm(OrganisationForm):
    local_passwords_enabled = forms.BooleanField(
        label=_("Local passwords allowed"),
        required=False,
        help_text=_(
            "Switch off when the organisation's staff sign in through single sign-on only."
        ),
    )


class OidcMappingForm(forms.Form):
    provider = forms.ChoiceField(label=_("Identity provider"))
    claim = forms.CharField(label=_("Claim"), max_length=100, initial="groups")
    value = forms.CharField(label=_("Claim value"), max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        help_text=_(
            "Roles that see individual data are never given by the identity provider: such "
            "accounts start read-only until you assign the role on the user's page."
        ),
    )

    def __init__(self, *args, providers, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = providers
        self.fields["role"].choices = roles


class OrganisationCreateForm(OrganisationForm):
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipalities"].initial = list(municipalities)


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    population = forms.IntegerField(
        label=_("Population"), required=False, min_value=0, max_value=100_000_000
    )


class SafetyGroupForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    lead_organisation = forms.ModelChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none()
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args, municipalities, organisations, areas, fixed_municipality=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fixed_municipality = fixed_municipality
        if fixed_municipality is not None:
            del self.fields["municipality"]
        else:
            self.fields["municipality"].queryset = municipalities
            if len(municipalities) == 1:
                self.fields["municipality"].initial = municipalities[0]
        self.fields["lead_organisation"].queryset = organisations
        self.fields["areas"].queryset = areas

    def clean(self):
        data = super().clean()
        municipality = self.fixed_municipality or data.get("municipality")
        if municipality is None:
            return data
        lead = data.get("lead_organisation")
        if lead is not None and not lead.municipalities.filter(pk=municipality.pk).exists():
            self.add_error(
                "lead_organisation",
                _("The lead organisation does not work in the group's municipality."),
            )
        if any(area.municipality_id != municipality.pk for area in data.get("areas") or ()):
            self.add_error("areas", _("Every area must lie in the group's municipality."))
        return data


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    is_convener = forms.BooleanField(label=_("Convener"), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation})"
