"""DRF's tokens (rest_framework.authtoken, no longer installed) were stored in clear: each
becomes a hashed API key that expires TRYGG_API_KEY_DAYS from now, and the clear rows are
deleted. The table itself is left empty (docs/operations.md)."""

import hashlib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

LEGACY_TABLE = "authtoken_token"


def _aware(value) -> datetime:
    # A raw query answers with a datetime or a string, naive on SQLite.
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is None:
        return timezone.now()
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def hash_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiKey = apps.get_model("api", "ApiKey")
    table = connection.ops.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id, created FROM {table}")
        rows = cursor.fetchall()
    expires_at = timezone.now() + timedelta(days=settings.TRYGG_API_KEY_DAYS)
    for key, user_id, created in rows:
        ApiKey.objects.create(
            user_id=user_id,
            name="Token (before 2026-12)",
            prefix=key[:6],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            created_at=_aware(created),
            expires_at=expires_at,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(hash_legacy_tokens, migrations.RunPython.noop)]
