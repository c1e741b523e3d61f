from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from trygg.audit.admin_mixins import AuditedAdminMixin

from .models import OidcClaimMapping, Organisation, SafetyGroup, SafetyGroupMembership, User


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "key"]
    list_filter = ["kind", "municipalities"]
    search_fields = ["name", "key"]
    filter_horizontal = ["municipalities"]


@admin.register(User)
class TryggUserAdmin(AuditedAdminMixin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Trygg"), {"fields": ("organisation", "role", "employee_id")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Trygg"), {"fields": ("organisation", "role")}),
    )


class MembershipInline(admin.TabularInline):
    model = SafetyGroupMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(SafetyGroup)
class SafetyGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "municipality", "lead_organisation"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    filter_horizontal = ["areas"]
    inlines = [MembershipInline]


@admin.register(OidcClaimMapping)
class OidcClaimMappingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Roles that see individual data may be listed but are never applied from the claim
    # alone (trygg.accounts.oidc): the administrator assigns them on the user.
    list_display = ["provider", "claim", "value", "organisation", "role"]
    list_filter = ["provider", "organisation"]
