from django.contrib import admin

from trygg.audit.admin_mixins import AuditedAdminMixin

from .models import Area, Municipality, PopulationCount


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "municipality", "population"]
    list_filter = ["municipality", "level"]
    search_fields = ["name", "code"]
    # Boundaries change through the validated GeoJSON import, not by hand.
    readonly_fields = ["geometry", "centroid_lon", "centroid_lat", "updated_at"]


@admin.register(PopulationCount)
class PopulationCountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "year", "sex", "age_group", "count"]
    list_filter = ["year", "sex", "age_group"]
    search_fields = ["area__name", "area__code"]
