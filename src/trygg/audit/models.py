"""The audit log: append-only and hash-chained, so that any later edit shows.

Each entry's hash is an HMAC (under a key kept outside the database, see keys.py) of its
own content and the previous entry's hash. ``trygg audit verify`` recomputes the chain,
names the first entry that does not match, and compares the chain with the anchors that
``trygg audit anchor`` wrote outside the database, which shows the newest entries deleted.
Database triggers (see the migration) refuse UPDATE and DELETE on the table as a second line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")
    EXPORT = "export", _("exported")
    READ = "read", _("read")
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    LOGIN_FAILED = "login_failed", _("failed login")
    CULL = "cull", _("culled")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The log outlives users: no cascade, no constraint, the name is copied below.
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # Copied at the time of the event so the record survives renames and deletions.
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    actor_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    municipality_code = models.CharField(_("municipality"), max_length=4, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    # The id of the key whose HMAC entry_hash is; empty for entries written before the chain
    # was keyed (a plain SHA-256), which verification accepts only before the first keyed one.
    key_id = models.CharField(max_length=32, blank=True, default="")
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
