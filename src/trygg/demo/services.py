"""Building the synthetic demo municipality into the database.

The generator writes the same files a municipality would deliver and imports them through
the ordinary importers, so the demo exercises the real path. Running it again changes
nothing: imports are idempotent and everything else is created by natural key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from trygg.accounts.models import Organisation, SafetyGroup, SafetyGroupMembership, User
from trygg.accounts.roles import Role
from trygg.areas.models import Area
from trygg.areas.services import (
    ImportResult,
    areas_import_geojson,
    municipality_get_or_create,
    population_import_csv,
)

from .synth import generate_municipality, write_demo_files

# Synthetic, printed by `make demo`, and only ever set by this module.
DEMO_PASSWORD = "Trygg-demo-2281"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation_kind: str
    groups: tuple[str, ...] = ()
    convener: bool = False


# One user per role; group members sit in the groups whose work they do.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "samordnare",
        "Sara",
        "Samordnare",
        Role.SAFETY_COORDINATOR,
        "municipal_admin",
        ("*",),
        convener=True,
    ),
    DemoUser("analytiker", "Anders", "Analytiker", Role.ANALYST, "police"),
    DemoUser(
        "polis", "Petra", "Polis", Role.GROUP_MEMBER, "police", ("nacksta", "skonsberg", "bredsand")
    ),
    DemoUser(
        "socialsekreterare", "Sofia", "Socialsekreterare", Role.CASE_WORKER, "social_services"
    ),
    DemoUser("skola", "Sven", "Skola", Role.GROUP_MEMBER, "school", ("nacksta",)),
    DemoUser("fritid", "Fatima", "Fritid", Role.GROUP_MEMBER, "leisure", ("nacksta", "bredsand")),
    DemoUser(
        "faltassistent",
        "Filip",
        "Fältassistent",
        Role.GROUP_MEMBER,
        "field_work",
        ("skonsberg", "nacksta"),
    ),
    DemoUser("sspfkoordinator", "Klara", "Koordinator", Role.SSPF_COORDINATOR, "social_services"),
    DemoUser("ledning", "Lars", "Ledning", Role.MANAGEMENT, "municipal_admin"),
    DemoUser("admin", "Ada", "Administratör", Role.ADMINISTRATOR, "municipal_admin"),
)


@dataclass(frozen=True)
class DemoResult:
    municipality_code: str
    areas: ImportResult
    population: ImportResult
    organisations: int
    safety_groups: int
    users: tuple[str, ...]
    password: str


def demo_build(*, work_dir: Path, seed: int = 2281, scale: float = 1.0) -> DemoResult:
    synthetic = generate_municipality(seed=seed, scale=scale)
    files = write_demo_files(synthetic, work_dir)
    with transaction.atomic():
        municipality = municipality_get_or_create(code=synthetic.code, name=synthetic.name)
        area_result = areas_import_geojson(municipality=municipality, path=files["areas"])
        population_result = population_import_csv(
            municipality=municipality, path=files["population"]
        )
        organisations = {}
        for spec in synthetic.organisations:
            organisation, _ = Organisation.objects.update_or_create(
                key=spec["key"], defaults={"name": spec["name"], "kind": spec["kind"]}
            )
            organisation.municipalities.add(municipality)
            organisations[spec["key"]] = organisation
        groups = {}
        for spec in synthetic.safety_groups:
            group, _ = SafetyGroup.objects.update_or_create(
                municipality=municipality,
                key=spec["key"],
                defaults={
                    "name": spec["name"],
                    "lead_organisation": organisations[spec["lead_organisation"]],
                },
            )
            group.areas.set(
                Area.objects.filter(municipality=municipality, code__in=spec["area_codes"])
            )
            groups[spec["key"]] = group
        for spec in DEMO_USERS:
            organisation = next(
                o for o in organisations.values() if o.kind == spec.organisation_kind
            )
            user, _ = User.objects.update_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "role": spec.role,
                    "organisation": organisation,
                    "is_staff": spec.role == Role.ADMINISTRATOR,
                    "is_active": True,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            wanted = (
                list(groups)
                if "*" in spec.groups
                else [key for key in groups if any(key.endswith(g) for g in spec.groups)]
            )
            for key in wanted:
                SafetyGroupMembership.objects.update_or_create(
                    group=groups[key], user=user, defaults={"is_convener": spec.convener}
                )
    return DemoResult(
        municipality_code=municipality.code,
        areas=area_result,
        population=population_result,
        organisations=len(organisations),
        safety_groups=len(groups),
        users=tuple(u.username for u in DEMO_USERS),
        password=DEMO_PASSWORD,
    )
