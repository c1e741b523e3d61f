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


# --- survey and statistics (issue 6) ----------------------------------------------------


class AnalysisRunSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    municipality = serializers.CharField(source="municipality.code")
    year = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    parameters = serializers.JSONField()
    summary = serializers.JSONField()
    published = serializers.SerializerMethodField()

    def get_published(self, run) -> bool:
        publication = getattr(run, "publication", None)
        return publication is not None and publication.withdrawn_at is None


class PriorityRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    district = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    rank_low = serializers.IntegerField(allow_null=True)
    rank_high = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    problem_index = serializers.FloatField(allow_null=True)
    problem_low = serializers.FloatField(allow_null=True)
    problem_high = serializers.FloatField(allow_null=True)
    crimes = serializers.IntegerField(allow_null=True)
    crime_rate = serializers.FloatField(allow_null=True)
    hotspot = serializers.CharField(allow_null=True)
    components = serializers.SerializerMethodField()

    def get_components(self, row) -> dict[str, float | None]:
        return {c["code"]: c["z"] for c in row["components"]}


class PublishedAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    district = serializers.CharField(allow_blank=True)
    rank = serializers.IntegerField(allow_null=True)
    rank_low = serializers.IntegerField(allow_null=True)
    rank_high = serializers.IntegerField(allow_null=True)
    problem_index = serializers.FloatField(allow_null=True)
    problem_index_low = serializers.FloatField(allow_null=True)
    problem_index_high = serializers.FloatField(allow_null=True)
    worry_index = serializers.FloatField(allow_null=True)
    unsafety_index = serializers.FloatField(allow_null=True)
    crimes = serializers.IntegerField(allow_null=True)
    crime_rate_per_1000 = serializers.FloatField(allow_null=True)
    # The tested change from the year before, with its 95 % interval (empty if suppressed).
    problem_index_change = serializers.FloatField(allow_null=True, required=False)
    problem_index_change_low = serializers.FloatField(allow_null=True, required=False)
    problem_index_change_high = serializers.FloatField(allow_null=True, required=False)
    problem_index_change_significant = serializers.BooleanField(allow_null=True, required=False)
    crime_rate_change_percent = serializers.FloatField(allow_null=True, required=False)
    crime_rate_change_low = serializers.FloatField(allow_null=True, required=False)
    crime_rate_change_high = serializers.FloatField(allow_null=True, required=False)
    crime_rate_change_significant = serializers.BooleanField(allow_null=True, required=False)
