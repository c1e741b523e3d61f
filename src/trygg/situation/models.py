"""The situational picture: named places, observations and the weekly pictures.

Observations are about places and situations, never about named private persons. Each row
carries its municipality (the shard key). A weekly picture, once published, holds a frozen
copy of its figures so that later edits to observations do not change what the meeting saw.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 600


class Place(models.Model):
    """A named place that reporters pick instead of tapping the map (a square, a school)."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="places"
    )
    name = models.CharField(_("name"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="places"
    )

    class Meta:
        ordering = ["municipality__code", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="situation_place_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ObservationSource(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")
    IMPORT = "import", _("import")
    # A resident's report of an unsafe place, approved by the safety coordinator.
    RESIDENTS = "residents", _("residents")


class Observation(models.Model):
    """One thing a safety-group member saw: when, where, what, how serious."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="observations"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("reporter"),
    )
    group = models.ForeignKey(
        "accounts.SafetyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("safety group"),
    )
    observed_at = models.DateTimeField(_("when"))
    category = models.CharField(_("category"), max_length=32)
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    people_count = models.PositiveIntegerField(_("people involved"), null=True, blank=True)
    text = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("area"),
    )
    restricted = models.BooleanField(
        _("police only"),
        default=False,
        help_text=_("Only police users and the reporter see the report; counts include it."),
    )
    source = models.CharField(max_length=16, choices=ObservationSource.choices, default="web")
    # The import file's id, or the form's own key: a retried submission is not a second report.
    source_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-observed_at"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3),
                name="situation_observation_severity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                name="situation_observation_lat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lon__isnull=True)
                | models.Q(lat__isnull=False, lon__isnull=False),
                name="situation_observation_point_complete",
            ),
            models.UniqueConstraint(
                fields=["municipality", "reporter", "source", "source_id"],
                condition=~models.Q(source_id=""),
                name="situation_observation_source_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "observed_at"]),
            models.Index(fields=["area", "observed_at"]),
            models.Index(fields=["group", "observed_at"]),
            models.Index(fields=["reporter", "observed_at"]),
            # The weekly picture's cache version: the latest change in a municipality.
            models.Index(fields=["municipality", "updated_at"], name="situation_obs_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.observed_at:%Y-%m-%d %H:%M}"


class PictureStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class WeeklyPicture(models.Model):
    """The picture of one ISO week for one safety group, or the whole municipality.

    While a draft, its figures are computed live; publishing stores them in ``snapshot``
    and the page shows that copy from then on.
    """

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="weekly_pictures"
    )
    group = models.ForeignKey(
        "accounts.SafetyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weekly_pictures",
    )
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(53)]
    )
    assessment = models.TextField(_("analyst's assessment"), blank=True)
    decided_actions = models.TextField(_("decided actions"), blank=True)
    status = models.CharField(
        max_length=16, choices=PictureStatus.choices, default=PictureStatus.DRAFT
    )
    snapshot = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-iso_year", "-iso_week"]
        verbose_name = _("weekly picture")
        verbose_name_plural = _("weekly pictures")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "group", "iso_year", "iso_week"],
                condition=models.Q(group__isnull=False),
                name="situation_picture_group_week_unique",
            ),
            models.UniqueConstraint(
                fields=["municipality", "iso_year", "iso_week"],
                condition=models.Q(group__isnull=True),
                name="situation_picture_municipality_week_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(iso_week__gte=1, iso_week__lte=53),
                name="situation_picture_week_range",
            ),
        ]

    def __str__(self) -> str:
        scope = self.group.name if self.group_id else self.municipality.name
        return f"{scope} {self.iso_year}-W{self.iso_week:02d}"

    @property
    def is_published(self) -> bool:
        return self.status == PictureStatus.PUBLISHED


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    NOT_DONE = "not_done", _("not done")
    POSTPONED = "postponed", _("postponed")


#: Statuses that carry an action into the next week's picture.
PENDING_STATUSES = (ActionStatus.OPEN, ActionStatus.POSTPONED)
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.NOT_DONE)
ACTION_TEXT_MAX_LENGTH = 300


def week_index(year: int, week: int) -> int:
    """An ISO week as one sortable number (2026-W49 -> 202649)."""
    return year * 100 + week


class DecidedAction(models.Model):
    """An action the group's meeting decided: what, who, by when, and where it stands.

    Open and postponed actions are carried into every later picture of the group until a
    meeting marks them done or not done (``closed_week``).
    """

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="decided_actions"
    )
    group = models.ForeignKey(
        "accounts.SafetyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decided_actions",
        verbose_name=_("safety group"),
    )
    picture = models.ForeignKey(
        # RESTRICT: a picture with decided actions is not deleted alone, but goes with its group.
        WeeklyPicture,
        on_delete=models.RESTRICT,
        related_name="actions_decided",
    )
    # The picture's week as yyyyww: "decided before week W" is one comparison.
    decided_week = models.PositiveIntegerField()
    what = models.CharField(_("what"), max_length=ACTION_TEXT_MAX_LENGTH)
    responsible_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_actions",
        verbose_name=_("responsible organisation"),
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_actions",
        verbose_name=_("responsible person"),
    )
    # Someone without an account (a caretaker, a youth worker): a name or a function.
    responsible_name = models.CharField(_("responsible (name)"), max_length=200, blank=True)
    due_on = models.DateField(_("by"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    # The week of the meeting that marked it done or not done; None while it is pending.
    closed_week = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("decided action")
        verbose_name_plural = _("decided actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ActionStatus.values),
                name="situation_action_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PENDING_STATUSES, closed_week__isnull=True)
                | models.Q(status__in=CLOSED_STATUSES, closed_week__isnull=False),
                name="situation_action_closed_week",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "due_on"]),
            models.Index(fields=["group", "decided_week"]),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def responsible(self) -> str:
        """Who answers for it, as the meeting wrote it: organisation and person."""
        person = self.responsible_name or (
            self.responsible_user.get_full_name() or self.responsible_user.username
            if self.responsible_user_id
            else ""
        )
        parts = [str(self.responsible_organisation or ""), person]
        return " · ".join(p for p in parts if p)


class DecidedActionReview(models.Model):
    """What one meeting said about an action it carried: the status history."""

    action = models.ForeignKey(DecidedAction, on_delete=models.CASCADE, related_name="reviews")
    picture = models.ForeignKey(
        WeeklyPicture, on_delete=models.CASCADE, related_name="action_reviews"
    )
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    due_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["picture__iso_year", "picture__iso_week"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "picture"], name="situation_action_review_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} – {self.status}"


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class GroupMeeting(models.Model):
    """How a safety group meets: its day and time, contact person and e-mail list."""

    group = models.OneToOneField(
        "accounts.SafetyGroup", on_delete=models.CASCADE, related_name="meeting"
    )
    weekday = models.PositiveSmallIntegerField(
        _("meeting day"), choices=Weekday.choices, null=True, blank=True
    )
    time = models.TimeField(_("meeting time"), null=True, blank=True)
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    # Addresses outside Trygg that receive the weekly digest too, one a line.
    mailing_list = models.TextField(_("e-mail list"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__isnull=True) | models.Q(weekday__gte=1, weekday__lte=7),
                name="situation_meeting_weekday_range",
            )
        ]

    def __str__(self) -> str:
        return str(self.group)

    @property
    def addresses(self) -> list[str]:
        return [a for a in (line.strip() for line in self.mailing_list.splitlines()) if a]


class GroupRole(models.TextChoices):
    CONVENER = "convener", _("convener")
    SECRETARY = "secretary", _("secretary")
    POLICE = "police", _("police")
    MUNICIPALITY = "municipality", _("municipality")
    SOCIAL_SERVICES = "social_services", _("social services")
    SCHOOL = "school", _("school")
    PROPERTY_OWNER = "property_owner", _("property owner")
    ASSOCIATION = "association", _("association")
    MEMBER = "member", _("member")


class GroupMemberRole(models.Model):
    """A member's role in the group (the membership itself lives in accounts)."""

    membership = models.OneToOneField(
        "accounts.SafetyGroupMembership", on_delete=models.CASCADE, related_name="group_role"
    )
    role = models.CharField(_("role in the group"), max_length=32, choices=GroupRole.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=GroupRole.values),
                name="situation_member_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership} – {self.role}"
