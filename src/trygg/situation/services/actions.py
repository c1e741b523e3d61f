"""The meeting's decided actions (what, who, by when, status) and the groups' meetings.

Actions are written at the meeting, on the week's draft picture: once the picture is
published, what it decided and what it marked are frozen with it. Every write is atomic
and audited.
"""

from __future__ import annotations

import re
from datetime import date, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from trygg.accounts.models import Organisation, SafetyGroup, SafetyGroupMembership, User
from trygg.accounts.roles import Capability
from trygg.analysis.situation import IsoWeek
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from ..models import (
    ACTION_TEXT_MAX_LENGTH,
    CLOSED_STATUSES,
    ActionStatus,
    DecidedAction,
    DecidedActionReview,
    GroupMeeting,
    GroupMemberRole,
    GroupRole,
    week_index,
)
from ..selectors import PictureScope
from .checks import actor_require, text_check
from .pictures import _picture_locked

MAILING_LIST_MAX = 200


def _audit(actor, action: str, obj, municipality, summary: str, details=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        municipality_code=municipality.code,
        summary=summary,
        details=details or {},
    )


def _responsible_check(municipality, organisation, user) -> None:
    if (
        organisation is not None
        and not organisation.municipalities.filter(pk=municipality.pk).exists()
    ):
        raise ValidationError(
            {"responsible_organisation": _("The organisation does not work in the municipality.")}
        )
    if user is not None and not (
        user.is_active
        and user.organisation_id
        and user.organisation.municipalities.filter(pk=municipality.pk).exists()
    ):
        raise ValidationError(
            {"responsible_user": _("The person does not work in the municipality.")}
        )


def _texts(what: str, responsible_name: str) -> tuple[str, str]:
    what = text_check(what, field="what", max_length=ACTION_TEXT_MAX_LENGTH)
    if not what:
        raise ValidationError({"what": _("Say what is to be done.")})
    name = text_check(responsible_name, field="responsible_name", max_length=200)
    return what, name


def _checked_fields(municipality, what, responsible_name, organisation, user):
    """The action's texts checked, the responsible party of the municipality, and the
    responsible person's organisation when none was named."""
    what, responsible_name = _texts(what, responsible_name)
    _responsible_check(municipality, organisation, user)
    if organisation is None and user is not None:
        organisation = user.organisation
    return what, responsible_name, organisation


def action_create(
    *,
    actor,
    scope: PictureScope,
    week: IsoWeek,
    what: str,
    due_on: date,
    responsible_organisation: Organisation | None = None,
    responsible_user: User | None = None,
    responsible_name: str = "",
) -> DecidedAction:
    """An action the week's meeting decided, on the week's draft picture."""
    actor_require(actor, Capability.ANALYSE_SITUATION)
    what, responsible_name, responsible_organisation = _checked_fields(
        scope.municipality, what, responsible_name, responsible_organisation, responsible_user
    )
    if due_on < week.monday:
        raise ValidationError({"due_on": _("The date lies before the meeting's week.")})
    with transaction.atomic():
        picture = _picture_locked(scope, week)
        if picture.is_published:
            raise ValidationError(_("The picture is published and can no longer be changed."))
        action = DecidedAction.objects.create(
            municipality=scope.municipality,
            group=scope.group,
            picture=picture,
            decided_week=week_index(week.year, week.week),
            what=what,
            responsible_organisation=responsible_organisation,
            responsible_user=responsible_user,
            responsible_name=responsible_name,
            due_on=due_on,
            created_by=actor,
        )
        _audit(
            actor,
            AuditAction.CREATE,
            action,
            scope.municipality,
            f"Decided action in {scope.name} {week}",
            {"due_on": due_on.isoformat()},
        )
    return action


def _locked_draft_action(action: DecidedAction) -> DecidedAction:
    action = DecidedAction.objects.select_for_update().select_related("picture").get(pk=action.pk)
    if action.picture.is_published:
        raise ValidationError(_("The picture is published and can no longer be changed."))
    return action


def action_update(
    *,
    actor,
    action: DecidedAction,
    what: str,
    due_on: date,
    responsible_organisation: Organisation | None = None,
    responsible_user: User | None = None,
    responsible_name: str = "",
) -> DecidedAction:
    """Correct an action while the picture that decided it is still a draft."""
    actor_require(actor, Capability.ANALYSE_SITUATION)
    what, responsible_name, responsible_organisation = _checked_fields(
        action.municipality, what, responsible_name, responsible_organisation, responsible_user
    )
    with transaction.atomic():
        target = _locked_draft_action(action)
        week = IsoWeek(target.picture.iso_year, target.picture.iso_week)
        if due_on < week.monday:
            raise ValidationError({"due_on": _("The date lies before the meeting's week.")})
        target.what, target.due_on = what, due_on
        target.responsible_organisation = responsible_organisation
        target.responsible_user, target.responsible_name = responsible_user, responsible_name
        target.save()
        _audit(actor, AuditAction.UPDATE, target, target.municipality, "Changed a decided action")
    return target


def action_delete(*, actor, action: DecidedAction) -> None:
    """Take back an action typed by mistake, while its picture is a draft."""
    actor_require(actor, Capability.ANALYSE_SITUATION)
    with transaction.atomic():
        target = _locked_draft_action(action)
        if target.operations.exists():
            raise ValidationError(_("An operation was made of this action: it stays."))
        pk, municipality = target.pk, target.municipality
        target.delete()
        target.pk = pk
        _audit(actor, AuditAction.DELETE, target, municipality, "Removed a decided action")


def action_update_status(
    *,
    actor,
    action: DecidedAction,
    week: IsoWeek,
    status: str,
    due_on: date | None = None,
) -> DecidedAction:
    """What the week's meeting says about an action carried from an earlier week: done, not
    done, postponed (to ``due_on``) or still open. Kept in the action's history; a second
    word at the same meeting replaces the first."""
    actor_require(actor, Capability.ANALYSE_SITUATION)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    index = week_index(week.year, week.week)
    with transaction.atomic():
        target = DecidedAction.objects.select_for_update().get(pk=action.pk)
        if target.decided_week >= index:
            raise ValidationError(_("A meeting marks the actions of earlier weeks."))
        if target.closed_week is not None and target.closed_week < index:
            raise ValidationError(_("An earlier meeting has already closed this action."))
        if status == ActionStatus.POSTPONED:
            if due_on is None:
                raise ValidationError({"due_on": _("Give the new date.")})
            if due_on < week.monday:
                raise ValidationError({"due_on": _("The date lies before the meeting's week.")})
        scope = PictureScope(target.municipality, target.group)
        picture = _picture_locked(scope, week)
        if picture.is_published:
            raise ValidationError(_("The picture is published and can no longer be changed."))
        before = target.status
        if status == ActionStatus.POSTPONED:
            target.due_on = due_on
        target.status = status
        target.closed_week = index if status in CLOSED_STATUSES else None
        target.save()
        DecidedActionReview.objects.update_or_create(
            action=target,
            picture=picture,
            defaults={"status": status, "due_on": target.due_on, "reviewed_by": actor},
        )
        _audit(
            actor,
            AuditAction.UPDATE,
            target,
            target.municipality,
            f"Marked a decided action {status} in {scope.name} {week}",
            {"from": before, "to": status, "due_on": target.due_on.isoformat()},
        )
    return target


# --- the groups' meetings ----------------------------------------------------------------


def _require_group_manager(actor, group: SafetyGroup) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(Capability.MANAGE_GROUPS)):
        raise PermissionDenied(Capability.MANAGE_GROUPS)
    if not municipalities_for_user(actor).filter(pk=group.municipality_id).exists():
        raise PermissionDenied("municipality")


def _mailing_list(text: str) -> str:
    addresses = [a for a in re.split(r"[\s,;]+", text or "") if a]
    if len(addresses) > MAILING_LIST_MAX:
        raise ValidationError(
            {"mailing_list": _("At most %(n)d addresses.") % {"n": MAILING_LIST_MAX}}
        )
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"mailing_list": _("Not an e-mail address: %(a)s") % {"a": address[:100]}}
            ) from None
    return "\n".join(dict.fromkeys(a.lower() for a in addresses))


def group_meeting_save(
    *,
    actor,
    group: SafetyGroup,
    weekday: int | None,
    time: time | None,
    contact_person: User | None,
    mailing_list: str,
) -> GroupMeeting:
    """The group's meeting day and time, contact person and e-mail list."""
    _require_group_manager(actor, group)
    if weekday is not None and not 1 <= weekday <= 7:
        raise ValidationError({"weekday": _("Choose a weekday.")})
    addresses = _mailing_list(mailing_list)
    if contact_person is not None and not group.memberships.filter(user=contact_person).exists():
        raise ValidationError({"contact_person": _("The contact person must be a member.")})
    with transaction.atomic():
        meeting, _created = GroupMeeting.objects.select_for_update().get_or_create(group=group)
        meeting.weekday, meeting.time = weekday, time
        meeting.contact_person, meeting.mailing_list = contact_person, addresses
        meeting.save()
        _audit(
            actor,
            AuditAction.UPDATE,
            meeting,
            group.municipality,
            f"Changed the meeting of safety group {group.key}",
            {
                "weekday": weekday,
                "time": time.isoformat() if time else None,
                "contact": contact_person.username if contact_person else None,
                "addresses": len(addresses.splitlines()) if addresses else 0,
            },
        )
    return meeting


def group_member_role_set(*, actor, group: SafetyGroup, user: User, role: str) -> None:
    """A member's role in the group; an empty role removes it."""
    _require_group_manager(actor, group)
    if role and role not in GroupRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    try:
        membership = SafetyGroupMembership.objects.get(group=group, user=user)
    except SafetyGroupMembership.DoesNotExist:
        raise ValidationError(
            _("%(name)s is not a member of this group.") % {"name": user}
        ) from None
    with transaction.atomic():
        if role:
            GroupMemberRole.objects.update_or_create(membership=membership, defaults={"role": role})
        else:
            GroupMemberRole.objects.filter(membership=membership).delete()
        _audit(
            actor,
            AuditAction.UPDATE,
            membership,
            group.municipality,
            f"Role of {user.username} in safety group {group.key}: {role or '-'}",
            {"group": group.key, "username": user.username, "role": role},
        )
