from django.contrib import admin

from .models import Area, Municipality, PopulationCount


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "municipality", "population"]
    list_filter = ["municipality", "level"]
    search_fields = ["name", "code"]
    # Boundaries change through the validated GeoJSON import, not by hand.
    readonly_fields = ["geometry", "centroid_lon", "centroid_lat", "updated_at"]


@admin.register(PopulationCount)
class PopulationCountAdmin(admin.ModelAdmin):
    list_display = ["area", "year", "sex", "age_group", "count"]
    list_filter = ["year", "sex", "age_group"]
    search_fields = ["area__name", "area__code"]
