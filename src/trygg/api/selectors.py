"""Reads for API keys."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiKey


def api_keys_for_user(user) -> QuerySet[ApiKey]:
    """A user's own keys, the newest first; revoked ones too, so that the list explains
    why an old key stopped working."""
    return ApiKey.objects.filter(user=user).order_by("-created_at")
