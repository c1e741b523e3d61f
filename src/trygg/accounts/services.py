"""Writes for users and organisations."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import Organisation, User
from .roles import Role


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


def user_api_token(*, username: str) -> str:
    try:
        user = User.objects.get(username__iexact=username, is_active=True)
    except User.DoesNotExist:
        raise LookupError(f"No active user '{username}'.") from None
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
