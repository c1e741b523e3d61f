from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "actor_username",
        "actor_organisation",
        "action",
        "object_type",
        "object_id",
        "summary",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_username", "object_id", "summary"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
