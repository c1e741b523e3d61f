from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trygg.accounts.models import Organisation
from trygg.areas.models import AreaLevel
from trygg.areas.selectors import areas_for_user, municipalities_for_user
from trygg.situation.categories import category_choices

from .models import ActionStatus, OperationStatus

DATE = forms.DateInput(attrs={"type": "date"})


def _organisations(user):
    return (
        Organisation.objects.filter(municipalities__in=municipalities_for_user(user))
        .distinct()
        .order_by("name")
    )


class OperationForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    categories = forms.MultipleChoiceField(
        label=_("Problem"), widget=forms.CheckboxSelectMultiple, required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("Starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE)
    lead_organisation = forms.ModelChoiceField(label=_("Lead organisation"), queryset=None)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(label=_("Status"), choices=OperationStatus.choices)
    before_weeks = forms.IntegerField(
        label=_("Weeks before, for the evaluation"),
        required=False,
        min_value=1,
        max_value=104,
        help_text=_("Empty: as long as the operation, at least 8 and at most 26 weeks."),
    )
    after_weeks = forms.IntegerField(
        label=_("Weeks after, for the evaluation"),
        required=False,
        min_value=1,
        max_value=104,
        help_text=_("Empty: as long as the operation, at least 8 and at most 26 weeks."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities_for_user(user)
        self.fields["categories"].choices = category_choices()
        self.fields["areas"].queryset = (
            areas_for_user(user).filter(level=AreaLevel.AREA).order_by("name")
        )
        self.fields["lead_organisation"].queryset = _organisations(user)
        self.fields["organisations"].queryset = _organisations(user)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    owner_organisation = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    owner_name = forms.CharField(label=_("Contact"), max_length=120, required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = _organisations(user)


class PictureChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, picture) -> str:
        scope = picture.group.name if picture.group_id else picture.municipality.name
        state = _("published") if picture.is_published else _("draft")
        return _("%(scope)s, week %(week)d %(year)d (%(state)s)") % {
            "scope": scope,
            "week": picture.iso_week,
            "year": picture.iso_year,
            "state": state,
        }


class PictureLinkForm(forms.Form):
    """Which weekly pictures led to or follow up an operation."""

    weekly_pictures = PictureChoiceField(
        label=_("Weekly pictures"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, pictures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekly_pictures"].queryset = pictures


class ActionStatusForm(forms.Form):
    action_id = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ActionStatus.choices)


class PromiseForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("The promise"), widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = forms.DateField(label=_("Starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE)
    operations = forms.ModelMultipleChoiceField(
        label=_("Operations that deliver it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_public = forms.BooleanField(label=_("Show on the public page"), required=False)

    def __init__(self, *args, user, operations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities_for_user(user)
        self.fields["operations"].queryset = operations
