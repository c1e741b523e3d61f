from rest_framework import serializers

from trygg.accounts.models import SafetyGroup, User
from trygg.areas.models import Area, Municipality


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["code", "name"]


class AreaSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "level",
            "municipality",
            "parent_code",
            "population",
            "centroid_lon",
            "centroid_lat",
        ]


class SafetyGroupSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    area_codes = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SafetyGroup
        fields = [
            "id",
            "key",
            "name",
            "municipality",
            "lead_organisation",
            "area_codes",
            "member_count",
        ]

    def get_area_codes(self, group) -> list[str]:
        return [area.code for area in group.areas.all()]


class MeSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    municipalities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "role", "organisation", "municipalities"]

    def get_municipalities(self, user) -> list[str]:
        return list(user.organisation.municipalities.values_list("code", flat=True))
