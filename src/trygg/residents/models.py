"""Residents' reports of unsafe places, and organised safety walks (trygghetsvandringar).

A resident reports without an account, so nothing here identifies them: no name, e-mail,
telephone, photo or network address is stored with a report. The receipt token in the
public status link is the only handle on a report from outside; it is random (128 bits).
The rate limiter keeps counts per hour under a key that changes daily, in its own table.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 500
PUBLIC_MESSAGE_MAX_LENGTH = 500


def new_receipt_token() -> str:
    # 16 random bytes: 128 bits, URL-safe, 22 characters.
    return secrets.token_urlsafe(16)


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    ASSESSED = "assessed", _("assessed")
    # Set by the responsible department through its status link (or by the moderator).
    IN_PROGRESS = "in_progress", _("in progress")
    ACTION_TAKEN = "action_taken", _("action taken")
    REJECTED = "rejected", _("rejected")


#: Approved reports: in the situational picture and on the public map.
PUBLIC_STATUSES = (ReportStatus.ASSESSED, ReportStatus.IN_PROGRESS, ReportStatus.ACTION_TAKEN)
#: Approved and not yet dealt with: offered as "is it this one?" while a resident reports.
OPEN_STATUSES = (ReportStatus.ASSESSED, ReportStatus.IN_PROGRESS)
#: A closed report's e-mail subscriptions are deleted.
CLOSED_STATUSES = (ReportStatus.ACTION_TAKEN, ReportStatus.REJECTED)


class RejectReason(models.TextChoices):
    SPAM = "spam", _("spam or abuse")
    OUT_OF_AREA = "out_of_area", _("outside the municipality's areas")
    PERSONAL_DATA = "personal_data", _("contains personal data")
    OTHER = "other", _("other")


class WhenSeen(models.TextChoices):
    # When the place feels unsafe; a time of day, not a moment, so nothing ties it to a person.
    USUALLY = "usually", _("usually, at any time")
    MORNING = "morning", _("morning")
    DAYTIME = "daytime", _("daytime")
    EVENING = "evening", _("evening")
    NIGHT = "night", _("night")


class ResidentReport(models.Model):
    """One resident's report of an unsafe place, moderated by the safety coordinator."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="resident_reports"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    receipt_token = models.CharField(
        max_length=32, unique=True, default=new_receipt_token, editable=False
    )
    # A hash of the browser's one-time key: a resent form gets its first receipt back.
    client_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_reports",
        verbose_name=_("area"),
    )
    reasons = models.JSONField(_("what makes it feel unsafe"), default=list)
    text = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    when = models.CharField(_("when"), max_length=16, choices=WhenSeen.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    reject_reason = models.CharField(
        _("reason for rejection"), max_length=16, choices=RejectReason.choices, blank=True
    )
    # What the resident reads on the receipt page; internal_note never leaves the moderators.
    public_message = models.TextField(
        _("message to the resident"), max_length=PUBLIC_MESSAGE_MAX_LENGTH, blank=True
    )
    internal_note = models.TextField(_("internal note"), blank=True)
    # The resident's words reach the public map (and the department) only when the
    # moderator publishes them.
    text_public = models.BooleanField(_("publish the description"), default=False)
    # Day precision is enough and says less about who reported.
    created_on = models.DateField(_("reported"))
    agree_count = models.PositiveIntegerField(
        _("others who reported the same"),
        default=0,
        help_text=_("Later reports of the same place and reasons, merged into this one."),
    )
    observation = models.OneToOneField(
        "situation.Observation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_report",
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("resident's report")
        verbose_name_plural = _("residents' reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lon__isnull=True)
                | models.Q(lat__isnull=False, lon__isnull=False),
                name="residents_report_point_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=False) | models.Q(area__isnull=False),
                name="residents_report_has_place",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reject_reason=""),
                name="residents_report_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "created_on"]),
            models.Index(fields=["area", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.created_on} {','.join(self.reasons)}"

    @property
    def is_public(self) -> bool:
        """Approved reports count in the situational picture and on the area page."""
        return self.status in PUBLIC_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class Department(models.Model):
    """A department or organisation that deals with one kind of place: street lighting,
    parks, a housing company, the police. Configured by the municipality's administrator."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="report_departments"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address for reports"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="residents_department_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Reports with this reason (in this area, or anywhere when no area is given) go to
    the department. A rule of the report's own area wins over the municipality-wide one."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="report_routing_rules"
    )
    reason = models.CharField(_("what makes it feel unsafe"), max_length=64)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area (empty: the whole municipality)"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="rules",
        verbose_name=_("department"),
    )

    class Meta:
        ordering = ["reason", "area__name", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reason", "area"],
                name="residents_routing_rule_area",
            ),
            models.UniqueConstraint(
                fields=["municipality", "reason"],
                condition=models.Q(area__isnull=True),
                name="residents_routing_rule_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} → {self.department_id}"


class ReportDispatch(models.Model):
    """An approved report sent to a department. Its status link carries a signed token
    naming this row; deleting the row revokes the link."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="dispatches")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "department"], name="residents_dispatch_once")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.department_id}"


class ReportUpdate(models.Model):
    """A public status change of an approved report, with its note (shown on the public
    map and the receipt)."""

    report = models.ForeignKey(ResidentReport, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices)
    note = models.TextField(_("note"), max_length=PUBLIC_MESSAGE_MAX_LENGTH, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.status}"


class ReportSubscription(models.Model):
    """A resident's e-mail address for news of one report: in its own table, never shown
    with the report, used only for these e-mails, deleted when the report is closed."""

    report = models.ForeignKey(
        ResidentReport, on_delete=models.CASCADE, related_name="subscriptions"
    )
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "email"], name="residents_subscription_once")
        ]

    def __str__(self) -> str:
        return f"subscription {self.pk}"


class RateSalt(models.Model):
    """Today's random key for the rate limiter's counters: drawn when the day's first report
    comes, deleted the next day. Once it is gone, no counter of that day can be tied to an
    address, even by someone holding the server's secrets."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.day}"


class RateBucket(models.Model):
    """How many reports came from one address in one hour (or one day) today.

    ``key`` is an HMAC of the hour (or "day") and the address under today's salt: the row
    holds no address, no time of its own and nothing derived from SECRET_KEY, so neither the
    address nor a report's time can be read from it; rows of earlier days are deleted.
    """

    # The key is the primary key: a running id would tell the order of the first reports.
    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate-limit entry")
        verbose_name_plural = _("rate-limit entries")

    def __str__(self) -> str:
        return f"{self.key[:8]}…: {self.count}"


class WalkStatus(models.TextChoices):
    RECORDING = "recording", _("recording")
    FINISHED = "finished", _("finished")
    FOLLOWED_UP = "followed_up", _("in the situational picture")


class SafetyWalk(models.Model):
    """An organised safety walk (trygghetsvandring): its route and the places pointed out."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="safety_walks"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("name of the walk"), max_length=200)
    areas = models.ManyToManyField(
        "areas.Area", related_name="safety_walks", blank=True, verbose_name=_("areas")
    )
    walked_on = models.DateField(_("date"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_safety_walks",
        verbose_name=_("group leader"),
    )
    participants = models.PositiveIntegerField(
        _("participants"), null=True, blank=True, validators=[MaxValueValidator(10000)]
    )
    # A GeoJSON LineString in WGS84, [lon, lat] pairs in the order walked.
    route = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WalkStatus.choices, default=WalkStatus.RECORDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-walked_on", "-id"]
        verbose_name = _("safety walk")
        verbose_name_plural = _("safety walks")

    def __str__(self) -> str:
        return f"{self.title} {self.walked_on}"

    @property
    def route_coordinates(self) -> list[list[float]]:
        return list((self.route or {}).get("coordinates") or [])


class WalkPoint(models.Model):
    """A place pointed out on a walk: what makes it feel unsafe, and how much."""

    walk = models.ForeignKey(SafetyWalk, on_delete=models.CASCADE, related_name="points")
    number = models.PositiveIntegerField()
    client_key = models.CharField(max_length=64, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reasons = models.JSONField(_("what makes it feel unsafe"), default=list)
    text = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    recorded_at = models.DateTimeField()
    observation = models.OneToOneField(
        "situation.Observation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="walk_point",
    )

    class Meta:
        ordering = ["walk", "number"]
        verbose_name = _("walk point")
        verbose_name_plural = _("walk points")
        constraints = [
            models.UniqueConstraint(fields=["walk", "number"], name="residents_walkpoint_number"),
            models.UniqueConstraint(
                fields=["walk", "client_key"],
                condition=~models.Q(client_key=""),
                name="residents_walkpoint_client_key",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__isnull=True)
                | models.Q(severity__gte=1, severity__lte=3),
                name="residents_walkpoint_severity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.walk_id} #{self.number}"
