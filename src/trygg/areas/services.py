"""Writes for areas and population. Imports are atomic and idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from trygg.analysis.areas_io import load_areas, parse_areas, read_population
from trygg.analysis.population_io import read_scb_population, sniff
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import Area, AreaLevel, Municipality, PopulationCount


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        return f"{self.created} new, {self.updated} changed, {self.unchanged} unchanged"


def municipality_get_or_create(*, code: str, name: str | None = None) -> Municipality:
    municipality, created = Municipality.objects.get_or_create(
        code=code, defaults={"name": name or code}
    )
    if not created and name and municipality.name != name:
        municipality.name = name
        municipality.save(update_fields=["name"])
    return municipality


def areas_import_geojson(
    *,
    municipality: Municipality,
    path: str | Path,
    actor=None,
    file_name: str | None = None,
    layer: str | None = None,
) -> ImportResult:
    """Import or update areas from a GeoJSON file or a GeoPackage (its ``layer``, or its only
    polygon layer), reprojected to WGS84 when the file is in another coordinate system;
    nothing is stored if any feature is wrong."""
    path = Path(path)
    name = file_name or path.name
    existing = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    features = parse_areas(
        load_areas(path, file=name, layer=layer),
        file=name,
        known_parent_codes=existing.keys(),
        max_vertices=settings.TRYGG_MAX_AREA_VERTICES,
        municipality_code=municipality.code,
    )
    parent_codes = {f.parent_code for f in features if f.parent_code}
    parent_codes |= {a.parent.code for a in existing.values() if a.parent_id and a.parent}
    status: dict[str, str] = {}
    with transaction.atomic():
        # Two passes: first every area without its parent, then the links, so a file may
        # list an area before its district.
        for feature in features:
            fields = {
                "name": feature.name,
                "geometry": feature.geometry,
                "population": feature.population,
                "centroid_lon": feature.centroid_lon,
                "centroid_lat": feature.centroid_lat,
                "level": AreaLevel.DISTRICT if feature.code in parent_codes else AreaLevel.AREA,
            }
            area = existing.get(feature.code)
            if area is None:
                existing[feature.code] = Area.objects.create(
                    municipality=municipality, code=feature.code, **fields
                )
                status[feature.code] = "created"
                continue
            changed = [f for f, v in fields.items() if getattr(area, f) != v]
            if changed:
                for field in changed:
                    setattr(area, field, fields[field])
                area.save(update_fields=[*changed, "updated_at"])
            status[feature.code] = "updated" if changed else "unchanged"
        for feature in features:
            area = existing[feature.code]
            parent = existing[feature.parent_code] if feature.parent_code else None
            if area.parent_id != (parent.id if parent else None):
                area.parent = parent
                area.save(update_fields=["parent", "updated_at"])
                if status[feature.code] == "unchanged":
                    status[feature.code] = "updated"
        counts = list(status.values())
        created, updated = counts.count("created"), counts.count("updated")
        unchanged = counts.count("unchanged")
        result = ImportResult(created, updated, unchanged)
        if result.changed:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="areas",
                municipality_code=municipality.code,
                summary=f"Imported areas from {name}: {result}",
                details={"file": name, "created": created, "updated": updated},
            )
    return result


def population_read(*, municipality: Municipality, path: str | Path, file_name: str | None = None):
    """The population file as Trygg's table, validated against the municipality's areas."""
    path = Path(path)
    name = file_name or path.name
    codes = list(Area.objects.filter(municipality=municipality).values_list("code", flat=True))
    if path.suffix.lower() not in (".xlsx", ".xlsm") and (kind := sniff(path)):
        return read_scb_population(
            path, known_area_codes=codes, municipality_code=municipality.code, file=name, kind=kind
        )
    return read_population(path, known_area_codes=codes, file=name)


def population_import_csv(
    *, municipality: Municipality, path: str | Path, actor=None, file_name: str | None = None
) -> ImportResult:
    """Import population counts; a row for the same area, year, sex and age group replaces
    the stored count, so importing the same file twice changes nothing. Trygg's own table
    (CSV, XLSX) or SCB's PX-Web table by DeSO (JSON-stat 2.0 or its CSV export), known by
    its content."""
    path = Path(path)
    name = file_name or path.name
    area_ids = dict(Area.objects.filter(municipality=municipality).values_list("code", "id"))
    frame = population_read(municipality=municipality, path=path, file_name=name)
    stored = {
        (area_id, year, sex, age): (pk, count)
        for pk, area_id, year, sex, age, count in PopulationCount.objects.filter(
            area__municipality=municipality
        ).values_list("id", "area_id", "year", "sex", "age_group", "count")
    }
    new_rows: list[PopulationCount] = []
    changed_rows: list[PopulationCount] = []
    unchanged = 0
    for code, year, sex, age, count in frame.iter_rows():
        key = (area_ids[code], year, sex, age)
        if key not in stored:
            new_rows.append(
                PopulationCount(area_id=key[0], year=year, sex=sex, age_group=age, count=count)
            )
        elif stored[key][1] != count:
            changed_rows.append(PopulationCount(id=stored[key][0], count=count))
        else:
            unchanged += 1
    result = ImportResult(len(new_rows), len(changed_rows), unchanged)
    with transaction.atomic():
        PopulationCount.objects.bulk_create(new_rows, batch_size=2000)
        PopulationCount.objects.bulk_update(changed_rows, ["count"], batch_size=2000)
        if result.changed:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="population",
                municipality_code=municipality.code,
                summary=f"Imported population from {name}: {result}",
                details={"file": name, "created": result.created, "updated": result.updated},
            )
    return result
