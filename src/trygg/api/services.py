"""Writes for API keys: created (the key shown once) and revoked, both audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trygg.accounts.models import User
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import ApiKey, api_key_digest

KEY_PREFIX = "trygg_"
_SHOWN_CHARACTERS = len(KEY_PREFIX) + 6


def _municipality_code(user) -> str:
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return ""
    codes = list(organisation.municipalities.values_list("code", flat=True)[:2])
    return codes[0] if len(codes) == 1 else ""


@transaction.atomic
def api_key_create(*, user, name: str = "", actor=None) -> tuple[ApiKey, str]:
    """A new key for ``user``; returns the stored row and the key itself, which is not kept
    and can never be shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    api_key = ApiKey.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[:_SHOWN_CHARACTERS],
        digest=api_key_digest(key),
        created_at=now,
        expires_at=now + timedelta(days=settings.TRYGG_API_KEY_DAYS),
    )
    audit_record(
        actor=actor or user,
        action=AuditAction.CREATE,
        object_type="api.apikey",
        object_id=api_key.pk,
        municipality_code=_municipality_code(user),
        summary=f"Created API key {api_key.prefix}… for {user.username}",
        details={
            "user": user.username,
            "name": api_key.name,
            "expires_at": api_key.expires_at.isoformat(),
        },
    )
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor) -> ApiKey:
    """Revoke a key; a key already revoked stays as it was and is not logged twice."""
    api_key = ApiKey.objects.select_for_update().select_related("user").get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="api.apikey",
        object_id=api_key.pk,
        municipality_code=_municipality_code(api_key.user),
        summary=f"Revoked API key {api_key.prefix}… of {api_key.user.username}",
        details={"user": api_key.user.username, "name": api_key.name},
    )
    return api_key


def user_api_token(*, username: str, name: str = "", actor=None) -> str:
    """Create a new API key for an active user and return it: the only time it is shown
    (only its hash is kept)."""
    try:
        user = User.objects.get(username__iexact=username, is_active=True)
    except User.DoesNotExist:
        raise LookupError(f"No active user '{username}'.") from None
    _api_key, key = api_key_create(user=user, name=name, actor=actor)
    return key
