from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

AGE_GROUP_PATTERN = r"^(\d{1,3}-\d{1,3}|\d{1,3}\+)$"


class Municipality(models.Model):
    """A municipality; its code is also the shard key when a national operator scales out."""

    code = models.CharField(
        _("code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("A municipality code has four digits."))],
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    AREA = "area", _("Area")


class Area(models.Model):
    """A district or an area inside one, with its boundary as a GeoJSON geometry (WGS84)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="areas", verbose_name=_("municipality")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("district"),
    )
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    geometry = models.JSONField(_("boundary"))
    # The boundary simplified for drawing, kept beside the exact one so that no map request
    # simplifies anything; recomputed whenever the boundary is saved. Analyses and the
    # point-in-area test use ``geometry``.
    map_geometry = models.JSONField(_("boundary for maps"), default=dict, editable=False)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality__code", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="areas_area_code_unique"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="areas_area_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "geometry" in update_fields:
            from trygg.analysis.areas_io import simplify_for_map

            self.map_geometry = simplify_for_map(self.geometry)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "map_geometry"}
        super().save(*args, **kwargs)


class Sex(models.TextChoices):
    FEMALE = "F", _("Women")
    MALE = "M", _("Men")


class PopulationCount(models.Model):
    """Residents of one area in one year by sex and age group."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="population_counts")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1900)])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(
        _("age group"), max_length=8, validators=[RegexValidator(AGE_GROUP_PATTERN)]
    )
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        ordering = ["area", "year", "sex", "age_group"]
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year", "sex", "age_group"], name="areas_population_unique"
            ),
            models.CheckConstraint(condition=models.Q(sex__in=["F", "M"]), name="areas_sex_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.area.code} {self.year} {self.sex} {self.age_group}: {self.count}"
