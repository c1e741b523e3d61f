"""Forms of the case pages. They validate input; the rules are in the services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trygg.accounts.models import Organisation
from trygg.areas.models import Area
from trygg.core.params import DateField, QueryForm, YearField

from .access import FOLLOW_UP_FIELD_WRITES
from .checklists import PROTECTIVE_FACTORS, RISK_FACTORS
from .models import (
    CaseStatus,
    ConsentGiver,
    ContactKind,
    Information,
    Level,
    PlanStatus,
    Programme,
    WithdrawalReceived,
)

DATE = forms.DateInput(attrs={"type": "date"})


class ConcernForm(forms.Form):
    subject_name = forms.CharField(label=_("Name of the young person"), max_length=200)
    subject_age = forms.IntegerField(
        label=_("Age, roughly"), min_value=0, max_value=30, required=False
    )
    description = forms.CharField(
        label=_("What worries you"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe what you have seen or heard. Facts, not guesses."),
    )
    contact = forms.CharField(
        label=_("How the coordinator reaches you"), max_length=200, required=False
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class PersonFindForm(forms.Form):
    pin = forms.CharField(
        label=_("Personal identity number"),
        max_length=20,
        help_text=_("YYYYMMDD-NNNN. The number is stored encrypted."),
    )


class PersonEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    school = forms.CharField(label=_("School"), max_length=200, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas


class PersonCreateForm(PersonFindForm, PersonEditForm):
    field_order = ["pin", "first_name", "last_name", "school", "area"]


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    has_custody = forms.BooleanField(label=_("Has custody"), required=False, initial=True)


class ConsentForm(forms.Form):
    giver = forms.ChoiceField(label=_("Given by"))
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties that may share information"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    information = forms.MultipleChoiceField(
        label=_("Information"), choices=Information.choices, widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        initial=_("Coordinated support within SSPF"),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE)
    received = forms.BooleanField(label=_("The signed form has been received"), required=False)

    def __init__(self, *args, person, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(ConsentGiver.PERSON, str(person))]
        choices += [(f"guardian:{g.public_id}", g.name) for g in person.guardians.all()]
        self.fields["giver"].choices = choices
        self.fields["parties"].queryset = organisations
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_to"].initial = today.replace(year=today.year + 1)
        self.person = person

    def giver_and_guardian(self):
        value = self.cleaned_data["giver"]
        if value == ConsentGiver.PERSON:
            return ConsentGiver.PERSON, None
        public_id = value.split(":", 1)[1]
        return ConsentGiver.GUARDIAN, self.person.guardians.get(public_id=public_id)


class CaseForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.INDIVIDUAL)
    reason = forms.CharField(
        label=_("Reason for concern"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RISK_FACTORS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    protective_factors = forms.MultipleChoiceField(
        label=_("Protective factors"),
        choices=PROTECTIVE_FACTORS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Team member"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation})"


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("cooperation", _("Cooperation meeting")), ("follow_up", _("Follow-up"))],
    )
    participants = forms.CharField(label=_("Participants"), max_length=1000)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}))


class PlanItemForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=500)
    organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    responsible = forms.CharField(label=_("Responsible person"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class PlanStatusForm(forms.Form):
    item = forms.UUIDField()
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class FollowUpForm(forms.Form):
    followed_up_on = forms.DateField(label=_("Date"), widget=DATE)
    school_attendance = forms.IntegerField(
        label=_("School attendance (%)"), min_value=0, max_value=100, required=False
    )
    new_suspicions = forms.BooleanField(label=_("New suspicions of crime"), required=False)
    leisure_activity = forms.BooleanField(
        label=_("Takes part in a leisure activity"), required=False
    )
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, writes=None, **kwargs):
        """``writes``: what the user may report (``CaseAccess.writes``); the other
        measures are left out of the form."""
        super().__init__(*args, **kwargs)
        if writes is not None:
            for name, write in FOLLOW_UP_FIELD_WRITES.items():
                if write not in writes:
                    del self.fields[name]


class PoliceNotesForm(forms.Form):
    text = forms.CharField(
        label=_("Police notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class LogReviewForm(QueryForm):
    since = DateField(label=_("From"), widget=DATE)
    until = DateField(label=_("To"), widget=DATE)
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=500, required=False)


class StatisticsQuery(QueryForm):
    year = YearField()


class WithdrawForm(forms.Form):
    """The confirmation step of a withdrawal: how it was received, and a tick that the
    coordinator means it (it takes effect at once and cannot be undone)."""

    received_how = forms.ChoiceField(
        label=_("How the withdrawal was received"),
        choices=[("", "–"), *WithdrawalReceived.choices],
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        help_text=_("For example the date on the letter or who passed the message on."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the withdrawal. It applies at once and cannot be undone."),
    )


class ContactLogForm(forms.Form):
    contacted_on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=ContactKind.choices)
    note = forms.CharField(label=_("Short note"), max_length=500, required=False)


class CaseListQuery(QueryForm):
    """The filters of the case list (all optional)."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (CaseStatus.OPEN, _("Open")), (CaseStatus.CLOSED, _("Closed"))],
    )
    programme = forms.ChoiceField(
        label=_("Programme"), required=False, choices=[("", _("All")), *Programme.choices]
    )
    coordinator = forms.ChoiceField(label=_("Coordinator"), required=False, choices=[])
    follow_up_due = forms.BooleanField(label=_("Follow-up due"), required=False)

    def __init__(self, *args, coordinators=(), **kwargs):
        """``coordinators``: (username, name) of the coordinators the user may filter by."""
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].choices = [("", _("All")), *coordinators]
