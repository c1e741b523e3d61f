from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportedCrime(models.Model):
    """One reported crime as the police's extract or events feed gives it.

    Rows are keyed by their source and the source's own id, so importing a file again
    changes nothing. ``area`` is where the point lies (or what the file named); it is empty
    for a point outside every area, which is kept but counted in no area's rate.
    """

    # No index of their own on the two foreign keys: the indexes below start with them, and
    # every index is written once per row of a big import. No constraint in the database
    # either (ADR 0008): checking two keys per row doubled the time of a 1 M-row import, so
    # the import locks the municipality and its areas instead, and Django applies the
    # on_delete rules.
    municipality = models.ForeignKey(
        "areas.Municipality",
        on_delete=models.CASCADE,
        related_name="crimes",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(_("source"), max_length=64)
    source_id = models.CharField(_("source id"), max_length=128)
    occurred_at = models.DateTimeField(_("occurred"))
    occurred_to = models.DateTimeField(_("occurred until"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=32)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crimes",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("reported crime")
        verbose_name_plural = _("reported crimes")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source", "source_id"], name="crime_source_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                name="crime_lat_range",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "occurred_at"]),
            models.Index(fields=["area", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id} {self.category} {self.occurred_at:%Y-%m-%d}"


class MunicipalCrimeStatistic(models.Model):
    """Reported crimes of one municipality, year and crime as Brå's open statistics give
    them, for comparing the municipality with the others. Each municipality keeps its own
    copy of the file it imported (``municipality``), with the rows of every municipality in
    it (``region_code``): public figures, not personal data."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="crime_statistics"
    )
    region_code = models.CharField(_("municipality code"), max_length=4)
    region_name = models.CharField(_("municipality"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("crime"), max_length=100)
    count = models.PositiveIntegerField(_("reported crimes"))
    rate_per_100k = models.FloatField(_("per 100,000 inhabitants"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "year", "category", "region_code"]
        verbose_name = _("municipal crime statistic")
        verbose_name_plural = _("municipal crime statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "region_code", "year", "category"],
                name="crime_municipal_statistic_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year} {self.category}: {self.count}"
