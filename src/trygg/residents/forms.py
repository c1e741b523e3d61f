"""Forms: the public report with its abuse checks, moderation, and the safety walk.

The public form's checks need no third party: a hidden field that people leave empty
(bots fill it), a time stamp kept in the session that refuses forms sent faster than a
person can fill them (and each form used twice), and, once an address has sent several
reports, a simple sum to answer.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trygg.areas.models import Area, AreaLevel

from .models import (
    PUBLIC_MESSAGE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    RejectReason,
    ReportStatus,
    WhenSeen,
)
from .reasons import reason_choices

#: A form left open longer than this is sent again with a fresh stamp (offline retries
#: within a day still pass, in the same browser session).
FORM_MAX_AGE = 24 * 3600
CHALLENGE_MAX_AGE = 3600
# The form's stamp and the question's answer live in the visitor's session, under a random
# token that is all the page holds: nothing to read in the page, nothing to use in another
# session, and each is used once.
SESSION_FORMS = "residents_forms"
SESSION_SENT = "residents_forms_sent"
SESSION_CHALLENGES = "residents_challenges"
_SESSION_KEEP = 20


def _remember(session, name: str, token: str, value) -> None:
    entries = dict(session.get(name) or {})
    entries[token] = value
    # A visitor opening many tabs keeps the newest few; older ones are simply stale.
    session[name] = dict(list(entries.items())[-_SESSION_KEEP:])


def _forget(session, name: str, token: str):
    entries = dict(session.get(name) or {})
    value = entries.pop(token, None)
    session[name] = entries
    return value


def started_token(session) -> str:
    """A new form's stamp: the time it was opened, kept in the session."""
    token = secrets.token_urlsafe(16)
    _remember(session, SESSION_FORMS, token, time.time())
    return token


def form_sent(session, token: str, client_key_hash: str) -> None:
    """The form with this stamp was accepted: the stamp cannot send another report. Only a
    resend of the same report (the same client key) gets its receipt again."""
    if _forget(session, SESSION_FORMS, token) is not None:
        _remember(session, SESSION_SENT, token, client_key_hash)


def new_challenge(session) -> tuple[str, str]:
    """A sum to answer: (token, question); the sum stays in the session."""
    a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 1
    token = secrets.token_urlsafe(16)
    _remember(session, SESSION_CHALLENGES, token, {"a": a, "b": b, "t": time.time()})
    return token, challenge_question(a, b)


def challenge_question(a: int, b: int) -> str:
    return _("What is %(a)d plus %(b)d? Write the answer in digits.") % {"a": a, "b": b}


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
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address, for news of the report (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy(
            "Stored apart from the report, used only to tell you when its status changes, "
            "and deleted when the report is closed. The receipt link works without it."
        ),
    )
    # The public id of a nearby report the resident confirmed ("is it this one?").
    same_as = forms.UUIDField(required=False, widget=forms.HiddenInput)
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

    def __init__(self, *args, municipality, session, challenge_needed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.session = session
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
        token = data.get("started") or ""
        started = (self.session.get(SESSION_FORMS) or {}).get(token)
        sent = (self.session.get(SESSION_SENT) or {}).get(token)
        if started is None and sent is not None:
            if sent and sent == client_key_digest(data.get("client_key") or ""):
                # The same report sent again (a retry after a lost answer): the service
                # gives back its first receipt and counts nothing.
                return data
            raise forms.ValidationError(
                _("This form has already been sent. Open the form again to report another place."),
                code="used",
            )
        if started is None or time.time() - float(started) > FORM_MAX_AGE:
            raise forms.ValidationError(
                _(
                    "The form is too old or was opened in another browser. Check it and send "
                    "it again."
                ),
                code="stale",
            )
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
        token = data.get("challenge") or ""
        # Used once, right or wrong: a wrong answer gets a new question, so the sum cannot
        # be found by trying every answer to one question.
        sums = _forget(self.session, SESSION_CHALLENGES, token) if token else None
        if sums is None or time.time() - sums["t"] > CHALLENGE_MAX_AGE:
            message = (
                _("This question is no longer valid: answer the new question.")
                if token
                else _("Many reports come from your connection: answer the question.")
            )
            self.add_error("answer", message)
            return
        if data.get("answer") != sums["a"] + sums["b"]:
            self.add_error("answer", _("The answer is not right. Try again."))


def client_key_digest(client_key: str) -> str:
    return hashlib.sha256(client_key.encode()).hexdigest() if client_key else ""


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
    text_public = forms.BooleanField(
        label=gettext_lazy("Publish the resident's description on the public map"),
        required=False,
        help_text=gettext_lazy(
            "Only if it says nothing about people. Departments also get it only when published."
        ),
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


# ----------------------------------------------------------------- public map


class PublicMapFilterForm(forms.Form):
    """The public map's filters. An unknown value is dropped, never an error page."""

    reason = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    area = forms.ModelChoiceField(
        label=gettext_lazy("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=gettext_lazy("all areas"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("all")),
            ("open", gettext_lazy("open")),
            ("done", gettext_lazy("action taken")),
        ],
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("everything")), *reason_choices()]
        self.fields["area"].queryset = Area.objects.filter(
            municipality=municipality, level=AreaLevel.AREA
        ).order_by("name")
        self.fields["area"].label_from_instance = lambda area: area.name

    def values(self) -> dict:
        """The valid filters; invalid ones count as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {}) or {}
        return {
            "reason": data.get("reason") or "",
            "area": data.get("area"),
            "status": data.get("status") or "",
        }


class NearbyQueryForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
    reasons = forms.MultipleChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = reason_choices()


class DepartmentStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        widget=forms.RadioSelect,
        choices=[
            (ReportStatus.IN_PROGRESS, gettext_lazy("In progress: we are dealing with it")),
            (ReportStatus.ACTION_TAKEN, gettext_lazy("Action taken: done, the report closes")),
        ],
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the resident and the public map"),
        required=False,
        max_length=PUBLIC_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": PUBLIC_MESSAGE_MAX_LENGTH}),
        help_text=gettext_lazy("Public: about the place, never about people."),
    )


# ------------------------------------------------------------- routing (admin)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail address for reports"))
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class RoutingRuleForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("What makes it feel unsafe"))
    area = forms.ModelChoiceField(
        label=gettext_lazy("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=gettext_lazy("the whole municipality"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Area.objects.none()
    )

    def __init__(self, *args, municipality, **kwargs):
        from .models import Department

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = reason_choices()
        self.fields["area"].queryset = Area.objects.filter(
            municipality=municipality, level=AreaLevel.AREA
        ).order_by("name")
        self.fields["area"].label_from_instance = lambda area: area.name
        self.fields["department"].queryset = Department.objects.filter(
            municipality=municipality
        ).order_by("name")
