"""Writes for users and organisations."""

from __future__ import annotations

import secrets

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import OidcClaimMapping, Organisation, SafetyGroup, SafetyGroupMembership, User
from .roles import Capability, Role
from .scoping import area_model, municipality_ids_for_user
from .selectors import (
    group_member_candidates,
    organisations_for_administrator,
    users_for_administrator,
)


@transaction.atomic
def user_create(
    *,
    username: str,
    organisation_key: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    if role not in Role.values:
        raise ValidationError(
            _("Unknown role '%(role)s'; choose one of %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)}
        )
    try:
        organisation = Organisation.objects.get(key=organisation_key)
    except Organisation.DoesNotExist:
        raise ValidationError(
            _("Unknown organisation '%(key)s'.") % {"key": organisation_key}
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The user name '%(name)s' is taken.") % {"name": username})
    user = User(
        username=username,
        organisation=organisation,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMINISTRATOR,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="user",
        object_id=user.pk,
        summary=f"Created user {user.username} ({role}, {organisation.key})",
    )
    return user


# --- the municipal administrator's changes (issue 14) -----------------------------------
#
# Each function checks that the actor administers the object (the same rule as the pages'
# selectors, so a forged form is refused here too) and writes its audit entry in the same
# transaction as the change.

# Roles an administrator may give. Superuser and staff status are no roles: nothing here
# ever sets them, and an operator's account is outside every administrator's reach.
GRANTABLE_ROLES: tuple[str, ...] = tuple(Role.values)


def _refuse(message: str) -> ValidationError:
    return ValidationError(message)


def _require_administrator(actor: User) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(Capability.ADMINISTER)):
        raise PermissionDenied


def _administered_organisation(actor: User, organisation: Organisation) -> Organisation:
    if not organisations_for_administrator(actor).filter(pk=organisation.pk).exists():
        raise PermissionDenied
    return organisation


def _administered_user(actor: User, user: User) -> User:
    if not users_for_administrator(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    # Work on a fresh, locked row: the caller's object may carry unsaved changes.
    return User.objects.select_for_update().select_related("organisation").get(pk=user.pk)


def _municipality_code(organisation: Organisation) -> str:
    codes = sorted(organisation.municipalities.values_list("code", flat=True))
    return codes[0] if len(codes) == 1 else ""


def _check_role(role: str) -> None:
    if role not in GRANTABLE_ROLES:
        raise _refuse(_("You cannot give the role '%(role)s'.") % {"role": role})


def _one_time_password() -> str:
    # 20 characters from a 64-symbol alphabet: ~120 bits, passes every password validator.
    return secrets.token_urlsafe(15)


def _end_sessions(user: User) -> int:
    ended = 0
    for session in UserSession.objects.filter(user=user):
        session.end()
        ended += 1
    return ended


@transaction.atomic
def managed_user_create(
    *,
    actor: User,
    username: str,
    organisation: Organisation,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> tuple[User, str]:
    """Create a user in an organisation the actor administers; returns the user and an
    initial password, to be shown once and never stored in clear."""
    _require_administrator(actor)
    _administered_organisation(actor, organisation)
    _check_role(role)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise _refuse(_("The user name '%(name)s' is taken.") % {"name": username})
    password = _one_time_password()
    user = User(
        username=username,
        organisation=organisation,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=False,
        is_superuser=False,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="user",
        object_id=user.pk,
        municipality_code=_municipality_code(organisation),
        summary=f"Created user {user.username} ({role}, {organisation.key})",
        details={"username": user.username, "role": role, "organisation": organisation.key},
    )
    return user, password


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    role: str,
    is_active: bool,
) -> User:
    """Change a user's name, e-mail, organisation, role and whether the account is active."""
    _require_administrator(actor)
    target = _administered_user(actor, user)
    _administered_organisation(actor, organisation)
    _check_role(role)
    if target.pk == actor.pk and (
        role != target.role or organisation.pk != target.organisation_id or not is_active
    ):
        # An administrator who demotes, moves or deactivates themselves may lock the
        # municipality out of its own administration: another administrator does it.
        raise _refuse(
            _(
                "You cannot change your own role, organisation or active status; ask another administrator."
            )
        )
    before = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "organisation": target.organisation.key,
        "role": target.role,
        "is_active": target.is_active,
    }
    target.first_name, target.last_name, target.email = first_name, last_name, email
    target.organisation, target.role, target.is_active = organisation, role, is_active
    if role != Role.ADMINISTRATOR:
        target.is_staff = False
    target.full_clean()
    target.save()
    after = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "organisation": organisation.key,
        "role": role,
        "is_active": is_active,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changed:
        if before["is_active"] and not is_active:
            _end_sessions(target)
        _audit_administered_user(
            actor,
            target,
            action=AuditAction.UPDATE,
            summary=f"Changed user {target.username}: {', '.join(sorted(changed))}",
            details={"changed": changed},
        )
    return target


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """Give a user a new password (returned once, for the administrator to pass on) and end
    the user's sessions."""
    _require_administrator(actor)
    target = _administered_user(actor, user)
    if target.pk == actor.pk:
        raise _refuse(_("Change your own password on the password page."))
    password = _one_time_password()
    target.set_password(password)
    target.save(update_fields=["password"])
    ended = _end_sessions(target)
    _audit_administered_user(
        actor,
        target,
        action=AuditAction.UPDATE,
        summary=f"Reset the password of user {target.username}",
        details={"password_reset": True, "sessions_ended": ended},
    )
    return password


@transaction.atomic
def user_authenticators_remove(*, actor: User, user: User) -> list[str]:
    """Remove a user's second factors (authenticator app, recovery codes, security keys) so
    that the user can enrol again; returns the kinds removed."""
    _require_administrator(actor)
    target = _administered_user(actor, user)
    if target.pk == actor.pk:
        # Removing one's own second factor goes through allauth's page, which asks for the
        # password again.
        raise _refuse(_("Manage your own two-factor login on the two-factor page."))
    authenticators = Authenticator.objects.filter(user=target)
    kinds = sorted(authenticators.values_list("type", flat=True))
    if not kinds:
        raise _refuse(_("%(name)s has no two-factor login to remove.") % {"name": target})
    authenticators.delete()
    ended = _end_sessions(target)
    _audit_administered_user(
        actor,
        target,
        action=AuditAction.DELETE,
        object_type="authenticator",
        summary=f"Removed the two-factor login of user {target.username}: {', '.join(kinds)}",
        details={"removed": kinds, "sessions_ended": ended},
    )
    return kinds


def _audit_administered_user(
    actor: User,
    target: User,
    *,
    action: AuditAction,
    summary: str,
    details: dict,
    object_type: str = "user",
) -> None:
    """One entry for a change an administrator made to a user, under the user's
    municipality, naming the user (the same frame for every administrative change)."""
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=target.pk,
        municipality_code=_municipality_code(target.organisation),
        summary=summary,
        details={"username": target.username, **details},
    )


def _unique_organisation_key(name: str) -> str:
    base = (slugify(name) or "organisation")[:56]
    key, n = base, 1
    while Organisation.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic
def organisation_create(*, actor: User, name: str, kind: str, municipalities) -> Organisation:
    """A new organisation working in some of the actor's municipalities."""
    _require_administrator(actor)
    municipalities = list(municipalities)
    own = set(municipality_ids_for_user(actor))
    if not municipalities or any(m.pk not in own for m in municipalities):
        raise PermissionDenied
    organisation = Organisation(name=name, kind=kind, key=_unique_organisation_key(name))
    organisation.full_clean()
    organisation.save()
    organisation.municipalities.set(municipalities)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="organisation",
        object_id=organisation.pk,
        municipality_code=_municipality_code(organisation),
        summary=f"Created organisation {organisation.key} ({kind})",
        details={
            "name": name,
            "kind": kind,
            "municipalities": sorted(m.code for m in municipalities),
        },
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    kind: str,
    local_passwords_enabled: bool | None = None,
) -> Organisation:
    _require_administrator(actor)
    _administered_organisation(actor, organisation)
    target = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if local_passwords_enabled is None:
        local_passwords_enabled = target.local_passwords_enabled
    changed = {
        key: [old, new]
        for key, old, new in (
            ("name", target.name, name),
            ("kind", target.kind, kind),
            ("local_passwords_enabled", target.local_passwords_enabled, local_passwords_enabled),
        )
        if old != new
    }
    target.name, target.kind = name, kind
    target.local_passwords_enabled = local_passwords_enabled
    target.full_clean()
    target.save()
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="organisation",
            object_id=target.pk,
            municipality_code=_municipality_code(target),
            summary=f"Changed organisation {target.key}: {', '.join(sorted(changed))}",
            details={"changed": changed},
        )
    return target


def _require_group_manager(actor: User, municipality) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(Capability.MANAGE_GROUPS)):
        raise PermissionDenied
    if municipality.pk not in municipality_ids_for_user(actor):
        raise PermissionDenied


def _check_group_parts(*, municipality, lead_organisation: Organisation, areas) -> None:
    if not lead_organisation.municipalities.filter(pk=municipality.pk).exists():
        raise _refuse(_("The lead organisation does not work in the group's municipality."))
    if any(area.municipality_id != municipality.pk for area in areas):
        raise _refuse(_("Every area must lie in the group's municipality."))


@transaction.atomic
def safety_group_create(
    *, actor: User, municipality, name: str, lead_organisation: Organisation, areas=()
) -> SafetyGroup:
    _require_group_manager(actor, municipality)
    areas = list(areas)
    _check_group_parts(municipality=municipality, lead_organisation=lead_organisation, areas=areas)
    base = (slugify(name) or "group")[:56]
    key, n = base, 1
    while SafetyGroup.objects.filter(municipality=municipality, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    group = SafetyGroup(
        municipality=municipality, key=key, name=name, lead_organisation=lead_organisation
    )
    group.full_clean()
    group.save()
    group.areas.set(areas)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="safety_group",
        object_id=group.pk,
        municipality_code=municipality.code,
        summary=f"Created safety group {group.key}",
        details={"name": name, "areas": sorted(a.code for a in areas)},
    )
    return group


@transaction.atomic
def safety_group_update(
    *, actor: User, group: SafetyGroup, name: str, lead_organisation: Organisation, areas
) -> SafetyGroup:
    target = SafetyGroup.objects.select_for_update().get(pk=group.pk)
    _require_group_manager(actor, target.municipality)
    areas = list(areas)
    _check_group_parts(
        municipality=target.municipality, lead_organisation=lead_organisation, areas=areas
    )
    before = {
        "name": target.name,
        "lead_organisation": target.lead_organisation.key,
        "areas": sorted(target.areas.values_list("code", flat=True)),
    }
    target.name, target.lead_organisation = name, lead_organisation
    target.full_clean()
    target.save()
    target.areas.set(areas)
    after = {
        "name": name,
        "lead_organisation": lead_organisation.key,
        "areas": sorted(a.code for a in areas),
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="safety_group",
            object_id=target.pk,
            municipality_code=target.municipality.code,
            summary=f"Changed safety group {target.key}: {', '.join(sorted(changed))}",
            details={"changed": changed},
        )
    return target


@transaction.atomic
def safety_group_member_add(
    *, actor: User, group: SafetyGroup, user: User, is_convener: bool = False
) -> SafetyGroupMembership:
    _require_group_manager(actor, group.municipality)
    if not group_member_candidates(group=group).filter(pk=user.pk).exists():
        raise _refuse(
            _(
                "%(name)s cannot join this group: not active, not working in its municipality, or already a member."
            )
            % {"name": user}
        )
    membership = SafetyGroupMembership.objects.create(
        group=group, user=user, is_convener=is_convener
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="safety_group_membership",
        object_id=membership.pk,
        municipality_code=group.municipality.code,
        summary=f"Added {user.username} to safety group {group.key}",
        details={"group": group.key, "username": user.username, "convener": is_convener},
    )
    return membership


@transaction.atomic
def safety_group_member_remove(*, actor: User, group: SafetyGroup, user: User) -> None:
    _require_group_manager(actor, group.municipality)
    deleted, _kinds = SafetyGroupMembership.objects.filter(group=group, user=user).delete()
    if not deleted:
        raise _refuse(_("%(name)s is not a member of this group.") % {"name": user})
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="safety_group_membership",
        object_id=group.pk,
        municipality_code=group.municipality.code,
        summary=f"Removed {user.username} from safety group {group.key}",
        details={"group": group.key, "username": user.username},
    )


@transaction.atomic
def area_update(*, actor: User, area, name: str, population: int | None):
    """Rename an area or correct its total population (an import replaces both again)."""
    _require_administrator(actor)
    target = area_model().objects.select_for_update().select_related("municipality").get(pk=area.pk)
    if target.municipality_id not in municipality_ids_for_user(actor):
        raise PermissionDenied
    changed = {
        key: [old, new]
        for key, old, new in (
            ("name", target.name, name),
            ("population", target.population, population),
        )
        if old != new
    }
    target.name, target.population = name, population
    target.full_clean()
    target.save()
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="area",
            object_id=target.pk,
            municipality_code=target.municipality.code,
            summary=f"Changed area {target.code}: {', '.join(sorted(changed))}",
            details={"code": target.code, "changed": changed},
        )
    return target


# --- single sign-on: the claim mapping table (trygg.accounts.oidc) ------------------------


@transaction.atomic
def oidc_mapping_create(
    *, actor: User, organisation: Organisation, provider: str, claim: str, value: str, role: str
) -> OidcClaimMapping:
    """A claim value that gives new accounts this organisation and role. A role that sees
    individual data may be named but is never applied from the claim alone."""
    _require_administrator(actor)
    _administered_organisation(actor, organisation)
    _check_role(role)
    if OidcClaimMapping.objects.filter(provider=provider, claim=claim, value=value).exists():
        raise _refuse(_("This claim value is already mapped."))
    mapping = OidcClaimMapping(
        provider=provider, claim=claim, value=value, organisation=organisation, role=role
    )
    mapping.full_clean()
    mapping.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="oidc_mapping",
        object_id=mapping.pk,
        municipality_code=_municipality_code(organisation),
        summary=f"Mapped {provider}: {claim}={value} to {organisation.key} / {role}",
        details={"provider": provider, "claim": claim, "value": value, "role": role},
    )
    return mapping


@transaction.atomic
def oidc_mapping_delete(*, actor: User, mapping: OidcClaimMapping) -> None:
    _require_administrator(actor)
    _administered_organisation(actor, mapping.organisation)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="oidc_mapping",
        object_id=mapping.pk,
        municipality_code=_municipality_code(mapping.organisation),
        summary=(
            f"Removed mapping {mapping.provider}: {mapping.claim}={mapping.value} "
            f"({mapping.organisation.key} / {mapping.role})"
        ),
    )
    mapping.delete()
