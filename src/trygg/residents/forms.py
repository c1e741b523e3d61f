"""Forms: the public report with its abuse checks, moderation, and the safety walk.

The public form's checks need no third party: a hidden field that people leave empty
(bots fill it), a signed time stamp that refuses forms sent faster than a person can fill
them, and, once an address has sent several reports, a simple sum to answer.
"""

from __future__ import annotations

import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trygg.areas.models import Area, AreaLevel

from .models import PUBLIC_MESSAGE_MAX_LENGTH, TEXT_MAX_LENGTH, RejectReason, WhenSeen
from .reasons import reason_choices

STARTED_SALT = "trygg.residents.started"
CHALLENGE_SALT = "trygg.residents.challenge"
#: A form left open longer than this is sent again with a fresh stamp (offline retries
#: within a day still pass).
FORM_MAX_AGE = 24 * 3600
CHALLENGE_MAX_AGE = 3600


def started_token() -> str:
    return signing.dumps(time.time(), salt=STARTED_SALT)


def new_challenge() -> tuple[str, str]:
    """A signed sum and its question: (token, question)."""
    a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 1
    token = signing.dumps({"a": a, "b": b}, salt=CHALLENGE_SALT)
    return token, challenge_question(token)


def challenge_question(token: str) -> str:
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return ""
    return _("What is %(a)d plus %(b)d? Write the answer in digits.") % data


class ResidentReportForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("What makes the place feel unsafe?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Pick at least one.")},
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    area = forms.ModelChoiceField(
        label=gettext_lazy("Or pick the area from a list"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=gettext_lazy("— no area chosen —"),
    )
    when = forms.ChoiceField(
        label=gettext_lazy("When does it feel unsafe? (optional)"),
        required=False,
        choices=[("", gettext_lazy("— not stated —")), *WhenSeen.choices],
    )
    text = forms.CharField(
        label=gettext_lazy("Describe the place (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
        help_text=gettext_lazy(
            "Describe the place, not people: no names, telephone numbers or e-mail addresses."
        ),
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    # Hidden from people by CSS and from screen readers by aria-hidden; bots fill it in.
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    answer = forms.IntegerField(
        required=False,
        label=gettext_lazy("Answer"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, municipality, challenge_needed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.challenge_needed = challenge_needed
        self.fields["reasons"].choices = reason_choices()
        self.fields["area"].queryset = Area.objects.filter(
            municipality=municipality, level=AreaLevel.AREA
        ).order_by("name")
        self.fields["area"].label_from_instance = lambda area: area.name

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("The report could not be sent."), code="honeypot")
        try:
            started = signing.loads(
                data.get("started") or "", salt=STARTED_SALT, max_age=FORM_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                _("The form is too old. Check it and send it again."), code="stale"
            ) from None
        minimum = getattr(settings, "TRYGG_RESIDENT_MIN_FILL_SECONDS", 3)
        if time.time() - float(started) < minimum:
            raise forms.ValidationError(
                _("That was faster than a person fills in the form. Check it and send again."),
                code="too_fast",
            )
        if self.challenge_needed:
            self._check_challenge(data)
        return data

    def _check_challenge(self, data) -> None:
        try:
            sums = signing.loads(
                data.get("challenge") or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE
            )
        except signing.BadSignature:
            self.add_error(
                "answer", _("Many reports come from your connection: answer the question.")
            )
            return
        if data.get("answer") != sums["a"] + sums["b"]:
            self.add_error("answer", _("The answer is not right. Try again."))


class ModerationForm(forms.Form):
    ACTIONS = (
        ("approve", gettext_lazy("Approve into the situational picture")),
        ("reject", gettext_lazy("Reject")),
        ("action_taken", gettext_lazy("Action taken")),
    )
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    severity = forms.TypedChoiceField(
        label=gettext_lazy("Severity"),
        coerce=int,
        choices=[
            (1, gettext_lazy("1 – noticeable")),
            (2, gettext_lazy("2 – serious")),
            (3, gettext_lazy("3 – very serious")),
        ],
        initial=1,
        required=False,
    )
    reject_reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", "—"), *RejectReason.choices],
        required=False,
    )
    public_message = forms.CharField(
        label=gettext_lazy("Message to the resident (shown on the receipt page)"),
        required=False,
        max_length=PUBLIC_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    internal_note = forms.CharField(
        label=gettext_lazy("Internal note (never shown to the resident)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("all"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ReportStatus

        self.fields["status"].choices = [("", _("all")), *ReportStatus.choices]


class WalkStartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Name of the walk"), max_length=200)
    walked_on = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Areas"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy("Areas the walk passes are also added from its points."),
    )
    participants = forms.IntegerField(
        label=gettext_lazy("Participants"), min_value=0, max_value=10000, required=False
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas
        self.fields["areas"].label_from_instance = lambda area: area.name
        self.fields["walked_on"].initial = timezone.localdate()


class WalkPointForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput)
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("What makes the place feel unsafe?"),
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=gettext_lazy("What did the group see? (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX_LENGTH}),
    )
    severity = forms.TypedChoiceField(
        label=gettext_lazy("Severity (optional)"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", "—"),
            (1, gettext_lazy("1 – noticeable")),
            (2, gettext_lazy("2 – serious")),
            (3, gettext_lazy("3 – very serious")),
        ],
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    recorded_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = reason_choices()


class WalkFinishForm(forms.Form):
    participants = forms.IntegerField(
        label=gettext_lazy("Participants"), min_value=0, max_value=10000, required=False
    )
