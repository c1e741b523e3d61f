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
from trygg.analysis.pipeline import AnalysisParams
from trygg.areas.models import Area, Municipality
from trygg.areas.services import (
    ImportResult,
    areas_import_geojson,
    municipality_get_or_create,
    population_import_csv,
)
from trygg.cases.demo import demo_cases_build
from trygg.crime.services import CrimeImportResult, crimes_import
from trygg.situation.demo import demo_observations_build
from trygg.surveys.services import SurveyImportResult, survey_responses_import

from .synth import SyntheticMunicipality, generate_municipality, write_demo_files
from .synthetic_crime import synthetic_crimes
from .synthetic_survey import area_table, generate_survey, write_survey_csv

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
    # Case workers at the police and the school, so that case teams span the SSPF parties.
    DemoUser("sspfpolis", "Paula", "Polisutredare", Role.CASE_WORKER, "police"),
    DemoUser("sspfskola", "Stina", "Skolkurator", Role.CASE_WORKER, "school"),
    DemoUser("ledning", "Lars", "Ledning", Role.MANAGEMENT, "municipal_admin"),
    DemoUser("admin", "Ada", "Administratör", Role.ADMINISTRATOR, "municipal_admin"),
    # Runs the residents' web survey: sample, letters, paper answers (issue 7).
    DemoUser("enkat", "Elin", "Enkätadministratör", Role.SURVEY_ADMINISTRATOR, "municipal_admin"),
)


@dataclass(frozen=True)
class DemoResult:
    municipality_code: str
    areas: ImportResult
    population: ImportResult
    survey: SurveyImportResult
    crimes: CrimeImportResult
    organisations: int
    safety_groups: int
    users: tuple[str, ...]
    password: str
    observations: int = 0


# Three survey rounds and five years of reported crime give the report its trends.
SURVEY_YEARS = (2024, 2025, 2026)
CRIME_YEARS = (2022, 2023, 2024, 2025, 2026)
SURVEY_ANSWERS_PER_YEAR = 1200
# Areas that the public sources name as priorities get more crime and worse survey answers.
HOT_AREA_NAMES = ("Nacksta", "Skönsberg", "Centrum")
# A place where crime has gathered lately (an open drug scene that moved there two years
# ago and grew): the emerging hot-spot analysis should call it a new or consecutive hot
# spot. Shares of the area's crimes per crime year.
EMERGING_HOT_SPOT = ("Norrmalm", (0.0, 0.0, 0.0, 0.8, 0.9))
# Hexagons of about 0.1 km² for the demo's grid hot spots (streets and squares).
DEMO_H3_RESOLUTION = 9


def demo_statistics_files(
    synthetic: SyntheticMunicipality, directory: Path, *, seed: int
) -> dict[str, Path]:
    """Write the survey answers and reported crimes a municipality would import."""
    from shapely.geometry import shape

    features = synthetic.area_features()
    survey = generate_survey(
        area_table(features, synthetic.population),
        years=SURVEY_YEARS,
        n_answers=SURVEY_ANSWERS_PER_YEAR,
        seed=seed,
    )
    latest = max(row["year"] for row in synthetic.population)
    population = {f["properties"]["code"]: 0 for f in features}
    for row in synthetic.population:
        if row["year"] == latest:
            population[row["area_code"]] += row["count"]
    codes = [f["properties"]["code"] for f in features]
    hot = [f["properties"]["code"] for f in features if f["properties"]["name"] in HOT_AREA_NAMES]
    crimes = synthetic_crimes(
        codes=codes,
        geometries=[shape(f["geometry"]) for f in features],
        population=[population[c] for c in codes],
        years=CRIME_YEARS,
        seed=seed,
        hot_areas=hot,
        hot_factor=2.5,
        point_hot_spots=3,
        emerging_hot_spots={
            f["properties"]["code"]: EMERGING_HOT_SPOT[1]
            for f in features
            if f["properties"]["name"] == EMERGING_HOT_SPOT[0]
        },
    ).crimes
    crimes_path = directory / "crimes.csv"
    crimes.write_csv(crimes_path)
    return {
        "survey": write_survey_csv(survey, directory / "survey.csv"),
        "crimes": crimes_path,
    }


def demo_operations_effect():
    """Disorder falls in the top priority areas while the demo's operations run there
    (trygg.demo.cycle), so their evaluation shows something. The areas are the top five of
    the seed's analysis, known before it runs (tests/demo checks that they match)."""
    from trygg.situation.demo import PlantedEffect

    from . import cycle

    return PlantedEffect(
        area_names=cycle.EXPECTED_TOP_AREAS,
        started_weeks_ago=cycle.OPERATION_STARTED_WEEKS_AGO,
        before_weeks=cycle.BEFORE_WEEKS,
        during_weeks=cycle.OPERATION_WEEKS,
        after_weeks=cycle.AFTER_WEEKS,
    )


def demo_build(*, work_dir: Path, seed: int = 2281, scale: float = 1.0) -> DemoResult:
    synthetic = generate_municipality(seed=seed, scale=scale)
    files = write_demo_files(synthetic, work_dir)
    files |= demo_statistics_files(synthetic, work_dir, seed=seed)
    with transaction.atomic():
        municipality = municipality_get_or_create(code=synthetic.code, name=synthetic.name)
        area_result = areas_import_geojson(municipality=municipality, path=files["areas"])
        population_result = population_import_csv(
            municipality=municipality, path=files["population"]
        )
        survey_result = survey_responses_import(municipality=municipality, path=files["survey"])
        crime_result = crimes_import(municipality=municipality, path=files["crimes"])
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
                    # Synthetic; in the demo all mail lands in the local mailbox.
                    "email": f"{spec.username}@example.se",
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
        # A year of observations for the situational picture (issue 4); once only.
        observations = demo_observations_build(
            municipality=municipality, seed=seed, planted_effect=demo_operations_effect()
        )
        # Synthetic individual cases in every state (issue 5); once only.
        demo_cases_build(municipality=municipality, seed=seed)
        # The current survey round open on the web, with a synthetic sample (issue 7).
        from trygg.surveys.demo import demo_survey_sample_build

        demo_survey_sample_build(municipality=municipality, seed=seed)
        # Residents' reports of unsafe places and a finished safety walk (issue 7); once only.
        from trygg.residents.demo import demo_residents_build

        demo_residents_build(municipality=municipality)
    return DemoResult(
        municipality_code=municipality.code,
        areas=area_result,
        population=population_result,
        survey=survey_result,
        crimes=crime_result,
        organisations=len(organisations),
        safety_groups=len(groups),
        users=tuple(u.username for u in DEMO_USERS),
        password=DEMO_PASSWORD,
        observations=observations,
    )


def demo_analysis_refresh(*, result: DemoResult, progress=None):
    """Run the analysis when the demo's data changed or it was never analysed, and publish
    it so the public page has something to show. Returns (run, whether it is new)."""
    from trygg.reports.models import AnalysisRun
    from trygg.reports.services import analysis_run_create, publication_create

    municipality = Municipality.objects.get(code=result.municipality_code)
    imports = (result.areas, result.population, result.survey, result.crimes)
    latest = AnalysisRun.objects.filter(municipality=municipality).first()
    if latest is not None and latest.directory.exists() and not any(i.changed for i in imports):
        return latest, False
    # Hot spots on the street-scale grid too, so the report shows the centre's cluster.
    run = analysis_run_create(
        municipality=municipality,
        progress=progress,
        params=AnalysisParams(h3_resolution=DEMO_H3_RESOLUTION),
    )
    publication_create(run=run, actor=None)
    return run, True
