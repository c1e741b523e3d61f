from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trygg.accounts.models import User
from trygg.accounts.selectors import organisations_working_in, safety_groups_for_user
from trygg.analysis.situation import LOCAL
from trygg.areas.models import AreaLevel
from trygg.areas.selectors import areas_for_user, municipalities_for_user
from trygg.core.params import MAX_YEAR, MIN_YEAR, DateField, QueryForm
from trygg.core.uploads import validate_upload_size

from .categories import category_choices
from .models import ACTION_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH, ActionStatus, GroupRole, Weekday
from .selectors import groups_for_reporting, places_for_user

SEVERITY_CHOICES = [
    (1, _("1 – noticeable")),
    (2, _("2 – serious")),
    (3, _("3 – very serious")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ObservationForm(forms.Form):
    category = forms.ChoiceField(label=_("What"), widget=forms.RadioSelect)
    observed_at = forms.DateTimeField(label=_("When"), widget=LocalDateTimeInput())
    severity = forms.TypedChoiceField(
        label=_("How serious"),
        coerce=int,
        choices=SEVERITY_CHOICES,
        initial=1,
        widget=forms.RadioSelect,
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    place = forms.ModelChoiceField(
        label=_("Named place"), queryset=None, required=False, empty_label=_("– none –")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, required=False, empty_label=_("– from the map –")
    )
    group = forms.ModelChoiceField(
        label=_("Safety group"), queryset=None, required=False, empty_label=_("– automatic –")
    )
    text = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Describe the place and the situation. No names, personal identity numbers or "
            "descriptions of private persons: the picture is shared across organisations."
        ),
    )
    people_count = forms.IntegerField(
        label=_("Number of people involved"), required=False, min_value=0, max_value=10000
    )
    restricted = forms.BooleanField(
        label=_("Police only"),
        required=False,
        help_text=_("Only police users and you see the report; it is still counted."),
    )
    client_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    municipality = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["place"].queryset = places_for_user(user).order_by("name")
        self.fields["area"].queryset = (
            areas_for_user(user).filter(level=AreaLevel.AREA).order_by("name")
        )
        self.fields["group"].queryset = groups_for_reporting(user)
        self.fields["municipality"].queryset = municipalities_for_user(user)
        if not self.is_bound:
            self.initial.setdefault(
                "observed_at", timezone.now().astimezone(LOCAL).replace(second=0, microsecond=0)
            )
            self.initial.setdefault("client_key", str(uuid.uuid4()))

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("A position needs both latitude and longitude."))
        return data

    #: Sent to the service on every edit; the place fields only when they changed, so that
    #: an unmoved report keeps its area (see :meth:`changes`).
    ALWAYS_SENT = (
        "category",
        "severity",
        "observed_at",
        "text",
        "people_count",
        "restricted",
        "group",
    )
    PLACE_FIELDS = ("lat", "lon", "place", "area")

    @staticmethod
    def initial_of(observation) -> dict:
        """The edit form's starting values: the report as stored."""
        return {
            "category": observation.category,
            "observed_at": observation.observed_at,
            "severity": observation.severity,
            "lat": observation.lat,
            "lon": observation.lon,
            "place": observation.place_id,
            "area": observation.area_id,
            "group": observation.group_id,
            "text": observation.text,
            "people_count": observation.people_count,
            "restricted": observation.restricted,
        }

    def changes(self) -> dict:
        """The valid form's values for ``observation_update``: every plain field, and the
        place fields whose value differs from the initial one."""
        data, initial = self.cleaned_data, self.initial
        changes = {k: data[k] for k in self.ALWAYS_SENT}
        for key in self.PLACE_FIELDS:
            if data[key] != initial[key] and not (
                key in ("place", "area") and data[key] and data[key].pk == initial[key]
            ):
                changes[key] = data[key]
        return changes


class ObservationFilterForm(QueryForm):
    group = forms.ModelChoiceField(
        label=_("Safety group"), queryset=None, required=False, empty_label=_("All")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    since = DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = safety_groups_for_user(user).order_by("name")
        self.fields["area"].queryset = (
            areas_for_user(user).filter(level=AreaLevel.AREA).order_by("name")
        )
        self.fields["category"].choices = [("", _("All")), *category_choices()]

    def filters(self) -> dict:
        """The selector's keyword arguments; dates are whole Swedish days."""
        data = self.cleaned_data if self.is_valid() else {}
        since, until = data.get("since"), data.get("until")
        return {
            "group": data["group"].pk if data.get("group") else None,
            "area": data["area"].pk if data.get("area") else None,
            "category": data.get("category") or None,
            "since": datetime.combine(since, time.min, tzinfo=LOCAL) if since else None,
            "until": datetime.combine(until + timedelta(days=1), time.min, tzinfo=LOCAL)
            if until
            else None,
        }


class PictureForm(forms.Form):
    assessment = forms.CharField(
        label=_("The analyst's assessment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    # The meeting's free-text notes; the actions themselves are items of their own.
    decided_actions = forms.CharField(
        label=_("Notes from the meeting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ObservationImportForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    file = forms.FileField(label=_("CSV file"), validators=[validate_upload_size])
    skip_bad_rows = forms.BooleanField(
        label=_("Import the good rows and list the bad ones"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = municipalities_for_user(user)
        self.fields["municipality"].queryset = municipalities
        only = list(municipalities[:2])
        if len(only) == 1:  # most users work in one municipality: nothing to choose
            self.initial.setdefault("municipality", only[0].pk)


class QuarterQuery(QueryForm):
    """``?q=2026-Q1``: a quarter of a year Trygg holds."""

    q = forms.CharField(required=False, max_length=100)

    def clean_q(self):
        text = self.cleaned_data["q"].upper()
        if text and not (
            re.fullmatch(r"[0-9]{4}-Q[1-4]", text) and MIN_YEAR <= int(text[:4]) <= MAX_YEAR
        ):
            raise forms.ValidationError(
                _("Enter a quarter between %(min)s and %(max)s, such as 2026-Q1."),
                params={"min": f"{MIN_YEAR}-Q1", "max": f"{MAX_YEAR}-Q4"},
            )
        return text


class ActionForm(forms.Form):
    """One action the meeting decides: what, who (organisation, person) and by when."""

    what = forms.CharField(label=_("What is to be done"), max_length=ACTION_TEXT_MAX_LENGTH)
    responsible_organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=None, required=False
    )
    responsible_user = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=None, required=False
    )
    responsible_name = forms.CharField(
        label=_("…or a person without an account"), max_length=200, required=False
    )
    due_on = forms.DateField(label=_("Due by"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_organisation"].queryset = organisations_working_in(
            municipalities=[municipality]
        ).order_by("name")
        self.fields["responsible_user"].queryset = (
            User.objects.filter(is_active=True, organisation__municipalities=municipality)
            .select_related("organisation")
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["responsible_user"].label_from_instance = _person_label


def _person_label(user) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.organisation})" if user.organisation_id else name


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
    due_on = forms.DateField(required=False)


class GroupMeetingForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Meeting day"),
        choices=[("", "–"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    time = forms.TimeField(
        label=_("Meeting time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    contact_person = forms.ModelChoiceField(
        label=_("Contact person"), queryset=None, required=False
    )
    mailing_list = forms.CharField(
        label=_("E-mail list"),
        help_text=_("Addresses that also get the weekly digest, one a line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].queryset = group.members.order_by(
            "first_name", "last_name", "username"
        )
        self.fields["contact_person"].label_from_instance = _person_label


class MemberRoleForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=[("", "–"), *GroupRole.choices], required=False
    )
