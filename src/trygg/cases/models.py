"""Individual cooperation (SSPF, the specialist function, bridge builders).

Everything here is personal data about young people, protected by secrecy law. No page, API
call or export reads these models directly: cases go through ``access.access_case_by_id``
and lists through the selectors, which apply the consent and team rules and write the access
log. Public identifiers are random UUIDs; the integer keys never leave the server.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    SSPF = "sspf", _("SSPF")
    SPECIALIST = "specialist", _("Specialist function")
    BRIDGE_BUILDER = "bridge_builder", _("Bridge builder")


class Level(models.TextChoices):
    UNIVERSAL = "universal", _("Universal")
    SELECTIVE = "selective", _("Selective")
    INDIVIDUAL = "individual", _("Individual")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CULLED = "culled", _("Culled")


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CASE_OPENED = "case_opened", _("Case opened")
    CLOSED = "closed", _("Closed")


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The young person")
    GUARDIAN = "guardian", _("Guardian")


class Information(models.TextChoices):
    """What an organisation may share under a consent."""

    SCHOOL = "school", _("School attendance and results")
    SOCIAL = "social", _("Social services' assessment")
    POLICE = "police", _("Police information about suspected crime")
    LEISURE = "leisure", _("Leisure activities")
    HEALTH = "health", _("Health")


class WithdrawalReceived(models.TextChoices):
    """How a withdrawal of consent reached the coordinator (it takes effect however it came)."""

    IN_WRITING = "in_writing", _("In writing (letter or form)")
    EMAIL = "email", _("By e-mail")
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person, orally")
    VIA_PARTY = "via_party", _("Through another party on the team")


class ContactKind(models.TextChoices):
    """Kinds of contact in a bridge builder's contact log (adult cases)."""

    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Text message")
    HOME_VISIT = "home_visit", _("Home visit")
    ACCOMPANIED = "accompanied", _("Accompanied to an appointment")
    OTHER = "other", _("Other")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Person(models.Model):
    """A young person (or, for the specialist function, an adult).

    The personal identity number is stored encrypted (Fernet, ``TRYGG_FIELD_KEY``); the keyed
    hash (HMAC-SHA256, ``TRYGG_LOOKUP_KEY``) finds a person again without decrypting, and its
    unique constraint keeps a person from being registered twice.
    """

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.PROTECT, related_name="case_people"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    pin_encrypted = models.TextField(blank=True)
    pin_hash = models.CharField(max_length=64, blank=True)
    birth_date = models.DateField(_("birth date"))
    school = models.CharField(_("school"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_people",
        verbose_name=_("area"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "pin_hash"],
                condition=~Q(pin_hash=""),
                name="cases_person_pin_unique",
            ),
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=False) | ~Q(pin_hash=""),
                name="cases_person_pin_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardian(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardians")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    has_custody = models.BooleanField(
        _("has custody"),
        default=True,
        help_text=_("Guardians with custody must each consent while the person is a child."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return self.name


class Concern(models.Model):
    """A worry about a young person, sent to the SSPF coordinator by any signed-in member."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.PROTECT, related_name="concerns"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    submitter_organisation = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    subject_name = models.CharField(_("name of the young person"), max_length=200)
    subject_age = models.PositiveSmallIntegerField(_("age, roughly"), null=True, blank=True)
    description = models.TextField(_("what worries you"), max_length=4000)
    contact = models.CharField(_("how to reach you"), max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    closed_reason = models.CharField(_("reason"), max_length=500, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    case = models.OneToOneField(
        "Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="concern"
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closed_reason=""),
                name="cases_concern_closed_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.submitted_at:%Y-%m-%d}"

    @property
    def status_display(self) -> str:
        """The concern's status, following the case opened from it (open, closed, culled)."""
        if self.status == ConcernStatus.CASE_OPENED and self.case is not None:
            return _("Case opened (%(status)s)") % {
                "status": str(self.case.get_status_display()).lower()
            }
        return str(self.get_status_display())


class Consent(models.Model):
    """One written consent from one giver: which parties may share what, why, and when.

    It counts from the day the signed paper form is recorded as received until ``valid_to``
    or until it is withdrawn, whichever comes first.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGiver.choices)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    parties = models.ManyToManyField(
        "accounts.Organisation", related_name="case_consents", verbose_name=_("parties")
    )
    information = models.JSONField(_("information"), default=list)
    purpose = models.CharField(_("purpose"), max_length=500)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    received_at = models.DateTimeField(_("signed form received"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_received_how = models.CharField(
        _("how the withdrawal was received"),
        max_length=16,
        choices=WithdrawalReceived.choices,
        blank=True,
    )
    withdrawal_note = models.CharField(_("note on the withdrawal"), max_length=500, blank=True)
    # When the coordinator was mailed that the consent runs out (once per consent).
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="cases_consent_period_valid",
            ),
            models.CheckConstraint(
                condition=(Q(given_by="guardian") & Q(guardian__isnull=False))
                | (Q(given_by="person") & Q(guardian__isnull=True)),
                name="cases_consent_giver_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_given_by_display()} {self.valid_from}–{self.valid_to}"


class Case(models.Model):
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.PROTECT, related_name="cases"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", null=True, blank=True
    )
    programme = models.CharField(_("programme"), max_length=16, choices=Programme.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_cases",
        verbose_name=_("coordinator"),
    )
    reason = models.TextField(_("reason for concern"), max_length=4000, blank=True)
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    protective_factors = models.JSONField(_("protective factors"), default=list, blank=True)
    police_notes = models.TextField(_("police notes"), max_length=4000, blank=True)
    # Kept after culling, for statistics only.
    age_band = models.CharField(max_length=8, blank=True)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(_("reason for closure"), max_length=500, blank=True)
    # The latest reopening; the audit log has every one (without the free text, which goes
    # with the case when it is culled).
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=500, blank=True)
    last_entry_at = models.DateTimeField(_("last entry"))
    culled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="open") | Q(closed_at__isnull=True),
                name="cases_case_open_not_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_at__isnull=False) & ~Q(closure_reason="")),
                name="cases_case_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="culled") | Q(culled_at__isnull=False, person__isnull=True),
                name="cases_case_culled_anonymous",
            ),
            models.CheckConstraint(
                condition=Q(status="culled") | Q(person__isnull=False),
                name="cases_case_has_person",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "status", "last_entry_at"])]

    def __str__(self) -> str:
        return f"{self.get_programme_display()} {self.public_id.hex[:8]}"

    @property
    def follow_up_due_on(self) -> date | None:
        """When the next follow-up is due: ``TRYGG_FOLLOW_UP_INTERVAL_DAYS`` after the
        latest one, or after opening; None for a case that is not open. Lists annotate
        ``last_follow_up_on`` (selectors) so this costs no query there."""
        if self.status != CaseStatus.OPEN:
            return None
        if hasattr(self, "last_follow_up_on"):
            last = self.last_follow_up_on
        else:
            last = (
                self.follow_ups.order_by("-followed_up_on")
                .values_list("followed_up_on", flat=True)
                .first()
            )
        start = last or timezone.localdate(self.opened_at)
        return start + timedelta(days=settings.TRYGG_FOLLOW_UP_INTERVAL_DAYS)

    @property
    def follow_up_overdue(self) -> bool:
        due = self.follow_up_due_on
        return due is not None and due <= timezone.localdate()


class CaseMember(models.Model):
    """A member of a case team. The organisation is copied: the team is by organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__last_name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="cases_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class Meeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    held_on = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[("cooperation", _("Cooperation meeting")), ("follow_up", _("Follow-up"))],
        default="cooperation",
    )
    participants = models.CharField(_("participants"), max_length=1000)
    minutes = models.TextField(_("minutes"), max_length=8000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


class PlanItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_items")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    what = models.CharField(_("what"), max_length=500)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    responsible = models.CharField(_("responsible person"), max_length=200, blank=True)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")

    def __str__(self) -> str:
        return self.what


class FollowUp(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    followed_up_on = models.DateField(_("date"))
    school_attendance = models.PositiveSmallIntegerField(
        _("school attendance (%)"), null=True, blank=True
    )
    # None: not reported in this entry (a team member reports only their own measure).
    new_suspicions = models.BooleanField(
        _("new suspicions of crime"), null=True, blank=True, default=False
    )
    leisure_activity = models.BooleanField(
        _("takes part in a leisure activity"), null=True, blank=True, default=False
    )
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-followed_up_on", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_attendance__isnull=True) | Q(school_attendance__lte=100),
                name="cases_followup_attendance_percent",
            )
        ]

    def __str__(self) -> str:
        return str(self.followed_up_on)


class ContactLogEntry(models.Model):
    """A bridge builder's (or specialist's) contact with an adult: date, kind, a short note.

    Adult cases have no guardians; the contact log is their own record of the work."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_log")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contacted_on = models.DateField(_("date"))
    kind = models.CharField(_("kind of contact"), max_length=16, choices=ContactKind.choices)
    note = models.CharField(_("short note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.contacted_on}"
