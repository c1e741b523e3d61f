"""Writes of operations and citizen promises: atomic, audited, within the actor's rights."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trygg.accounts.models import Organisation
from trygg.accounts.roles import Capability
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.situation.categories import category_keys
from trygg.situation.models import DecidedAction

from .models import ActionStatus, CitizenPromise, Operation, OperationAction, OperationStatus


def _require(actor, municipality: Municipality) -> None:
    if not (actor.is_authenticated and actor.can(Capability.MANAGE_OPERATIONS)):
        raise PermissionDenied("manage_operations")
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied("municipality")


def _check(municipality, *, starts_on, ends_on, categories, areas, organisations=()) -> None:
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("The period ends before it starts.")
    unknown = set(categories) - set(category_keys())
    if unknown:
        errors["categories"] = _("Unknown category: %(keys)s") % {
            "keys": ", ".join(sorted(unknown))
        }
    if any(a.municipality_id != municipality.pk for a in areas):
        errors["areas"] = _("Every area must lie in the operation's municipality.")
    if any(not o.municipalities.filter(pk=municipality.pk).exists() for o in organisations):
        errors["organisations"] = _("Every organisation must work in the municipality.")
    if errors:
        raise ValidationError(errors)


def _check_weeks(**weeks: int | None) -> None:
    wrong = {
        k: _("Between 1 and 104 weeks.")
        for k, v in weeks.items()
        if v is not None and not 1 <= v <= 104
    }
    if wrong:
        raise ValidationError(wrong)


def _audit(actor, action, obj, summary: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        municipality_code=obj.municipality.code,
        summary=summary,
    )


def operation_create(
    *,
    actor,
    municipality: Municipality,
    title: str,
    starts_on: date,
    ends_on: date,
    lead_organisation: Organisation,
    areas: list[Area],
    categories: list[str],
    organisations: list[Organisation] = (),
    description: str = "",
    status: str = OperationStatus.PLANNED,
    before_weeks: int | None = None,
    after_weeks: int | None = None,
    decided_action: DecidedAction | None = None,
) -> Operation:
    """A new operation; made of a safety group's ``decided_action``, it is linked to the
    action and to the weekly picture whose meeting decided it."""
    _require(actor, municipality)
    if decided_action is not None and decided_action.municipality_id != municipality.pk:
        raise ValidationError(
            {"municipality": _("The operation lies in the decided action's municipality.")}
        )
    _check(
        municipality,
        starts_on=starts_on,
        ends_on=ends_on,
        categories=categories,
        areas=areas,
        organisations=[lead_organisation, *organisations],
    )
    _check_weeks(before_weeks=before_weeks, after_weeks=after_weeks)
    with transaction.atomic():
        operation = Operation.objects.create(
            municipality=municipality,
            title=title.strip(),
            description=description.strip(),
            categories=list(categories),
            starts_on=starts_on,
            ends_on=ends_on,
            lead_organisation=lead_organisation,
            status=status,
            before_weeks=before_weeks,
            after_weeks=after_weeks,
            created_by=actor,
            decided_action=decided_action,
        )
        operation.areas.set(areas)
        operation.organisations.set(organisations)
        if decided_action is not None:
            operation.weekly_pictures.add(decided_action.picture_id)
        _audit(actor, AuditAction.CREATE, operation, f"Operation {operation.title}")
    return operation


def operation_update(*, actor, operation: Operation, **changes) -> Operation:
    _require(actor, operation.municipality)
    areas = changes.pop("areas", None)
    organisations = changes.pop("organisations", None)
    pictures = changes.pop("weekly_pictures", None)
    allowed = {
        "title",
        "description",
        "categories",
        "starts_on",
        "ends_on",
        "lead_organisation",
        "status",
        "before_weeks",
        "after_weeks",
    }
    if set(changes) - allowed:
        raise ValueError(f"not editable: {sorted(set(changes) - allowed)}")
    values = {k: getattr(operation, k) for k in allowed} | changes
    _check(
        operation.municipality,
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        categories=values["categories"],
        areas=areas if areas is not None else list(operation.areas.all()),
        organisations=[values["lead_organisation"], *(organisations or [])],
    )
    _check_weeks(before_weeks=values["before_weeks"], after_weeks=values["after_weeks"])
    if pictures is not None and any(
        p.municipality_id != operation.municipality_id for p in pictures
    ):
        raise ValidationError({"weekly_pictures": _("Link pictures of the same municipality.")})
    with transaction.atomic():
        for key, value in changes.items():
            setattr(operation, key, value)
        operation.save()
        if areas is not None:
            operation.areas.set(areas)
        if organisations is not None:
            operation.organisations.set(organisations)
        if pictures is not None:
            operation.weekly_pictures.set(pictures)
        _audit(actor, AuditAction.UPDATE, operation, f"Operation {operation.title} changed")
    return operation


def operation_action_add(
    *,
    actor,
    operation: Operation,
    description: str,
    owner_organisation: Organisation,
    owner_name: str = "",
    due_on: date | None = None,
) -> OperationAction:
    _require(actor, operation.municipality)
    if not owner_organisation.municipalities.filter(pk=operation.municipality_id).exists():
        raise ValidationError({"owner_organisation": _("The owner must work in the municipality.")})
    with transaction.atomic():
        action = OperationAction.objects.create(
            municipality=operation.municipality,
            operation=operation,
            description=description.strip(),
            owner_organisation=owner_organisation,
            owner_name=owner_name.strip(),
            due_on=due_on,
        )
        _audit(actor, AuditAction.CREATE, action, f"Action on {operation.title}: {description}")
    return action


def operation_action_set_status(*, actor, action: OperationAction, status: str) -> OperationAction:
    _require(actor, action.municipality)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        action.status = status
        action.save(update_fields=["status"])
        _audit(actor, AuditAction.UPDATE, action, f"Action {action.pk} is {status}")
    return action


def promise_save(
    *,
    actor,
    municipality: Municipality,
    title: str,
    text: str,
    starts_on: date,
    ends_on: date,
    operations: list[Operation] = (),
    is_public: bool = False,
    promise: CitizenPromise | None = None,
) -> CitizenPromise:
    """Create a citizen promise, or change ``promise``."""
    _require(actor, municipality)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The period ends before it starts.")})
    if any(o.municipality_id != municipality.pk for o in operations):
        raise ValidationError({"operations": _("Link operations of the same municipality.")})
    with transaction.atomic():
        created = promise is None
        promise = promise or CitizenPromise(municipality=municipality)
        promise.title, promise.text = title.strip(), text.strip()
        promise.starts_on, promise.ends_on, promise.is_public = starts_on, ends_on, is_public
        promise.save()
        promise.operations.set(operations)
        _audit(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            promise,
            f"Citizen promise {promise.title}",
        )
    return promise
