"""Operations (insatser), their actions, and citizen promises (medborgarlöften)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OperationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class Operation(models.Model):
    """A planned action against a problem in some areas for a period, across organisations."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="operations"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Observation category keys (configuration, see trygg.situation.categories).
    categories = models.JSONField(_("problem"), default=list)
    areas = models.ManyToManyField("areas.Area", related_name="operations", verbose_name=_("areas"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    lead_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="led_operations",
        verbose_name=_("lead organisation"),
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        related_name="operations",
        blank=True,
        verbose_name=_("participating organisations"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OperationStatus.choices, default="planned"
    )
    weekly_pictures = models.ManyToManyField(
        "situation.WeeklyPicture", related_name="operations", blank=True
    )
    # Evaluation periods; empty means as long as the operation, within 8 to 26 weeks.
    before_weeks = models.PositiveSmallIntegerField(
        _("weeks before, for the evaluation"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    after_weeks = models.PositiveSmallIntegerField(
        _("weeks after, for the evaluation"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    # The safety group's decided action the operation grew out of, if any.
    decided_action = models.ForeignKey(
        "situation.DecidedAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="operations",
        verbose_name=_("decided action"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="interventions_operation_period",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OperationStatus.values),
                name="interventions_operation_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "starts_on"])]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    TODO = "todo", _("to do")
    DOING = "doing", _("in progress")
    DONE = "done", _("done")


class OperationAction(models.Model):
    """One thing to do in an operation, with an owner and a due date."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(_("contact"), max_length=120, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default="todo"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return self.description


class CitizenPromise(models.Model):
    """A public promise by the police and the municipality (medborgarlöfte)."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="citizen_promises"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("the promise"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    operations = models.ManyToManyField(
        Operation, related_name="promises", blank=True, verbose_name=_("operations")
    )
    is_public = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("citizen promise")
        verbose_name_plural = _("citizen promises")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="interventions_promise_period",
            )
        ]

    def __str__(self) -> str:
        return self.title
