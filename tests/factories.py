"""Factories for the models every test needs. All data is synthetic."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from shapely.geometry import box, mapping

from trygg.accounts.models import Organisation, OrganisationKind, SafetyGroup, User
from trygg.accounts.roles import Role
from trygg.areas.models import Area, AreaLevel, Municipality

PASSWORD = "correct-horse-battery-staple"


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    geometry = mapping(box(lon, lat, lon + size, lat + size))
    return {
        "type": geometry["type"],
        "coordinates": [[list(p) for p in ring] for ring in geometry["coordinates"]],
    }


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n:04d}")
    name = factory.Sequence(lambda n: f"Kommun {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.MUNICIPAL_ADMIN

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.add(*extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.SAFETY_COORDINATOR
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.ADMINISTRATOR)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = factory.Sequence(lambda n: f"Område {n}")
    level = AreaLevel.AREA
    geometry = factory.Sequence(lambda n: square(17.0 + 0.02 * n, 62.0))
    centroid_lon = factory.LazyAttribute(lambda a: a.geometry["coordinates"][0][0][0] + 0.005)
    centroid_lat = factory.LazyAttribute(lambda a: a.geometry["coordinates"][0][0][1] + 0.005)
    population = 1000


class SafetyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyGroup

    municipality = factory.SubFactory(MunicipalityFactory)
    key = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Trygghetsgrupp {n}")
    lead_organisation = factory.SubFactory(OrganisationFactory)


def user_in(municipality: Municipality, role: str = Role.SAFETY_COORDINATOR, **kwargs) -> User:
    """A user whose organisation works in the given municipality."""
    organisation = OrganisationFactory(municipalities=[municipality])
    return UserFactory(organisation=organisation, role=role, **kwargs)


def sign_in_with_second_factor(client, user) -> None:
    """``force_login`` as if through the login page with a second factor: allauth notes the
    step in the session, and trygg.accounts.middleware trusts no session of a user with
    two-factor login set up without it."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "type": "totp", "at": timezone.now().timestamp()}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


# --- the situational picture and operations (issue 4) ---------------------------------


def inside(area) -> tuple[float, float]:
    """A point (lon, lat) inside an area's boundary."""
    from shapely.geometry import shape

    point = shape(area.geometry).representative_point()
    return point.x, point.y


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "situation.Place"

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Torget {n}")
    lat = 62.005
    lon = 17.005


class ObservationFactory(factory.django.DjangoModelFactory):
    """An observation placed in ``area`` (at its centre); the reporter works in its
    municipality."""

    class Meta:
        model = "situation.Observation"

    area = factory.SubFactory(AreaFactory)
    municipality = factory.LazyAttribute(lambda o: o.area.municipality)
    reporter = factory.LazyAttribute(lambda o: user_in(o.municipality, role=Role.GROUP_MEMBER))
    observed_at = factory.LazyFunction(timezone.now)
    category = "disorder"
    severity = 2
    text = "Grupp samlas vid busshållplatsen."
    lat = factory.LazyAttribute(lambda o: inside(o.area)[1])
    lon = factory.LazyAttribute(lambda o: inside(o.area)[0])


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interventions.Operation"
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Insats {n}")
    categories = factory.LazyFunction(lambda: ["open_drug_dealing"])
    starts_on = datetime.date(2026, 1, 5)
    ends_on = datetime.date(2026, 3, 29)
    lead_organisation = factory.LazyAttribute(
        lambda o: OrganisationFactory(municipalities=[o.municipality])
    )
    created_by = factory.LazyAttribute(lambda o: user_in(o.municipality))

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.add(*extracted)


class CitizenPromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interventions.CitizenPromise"

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Medborgarlöfte {n}")
    text = "Polisen och kommunen lovar fler trygghetsvandringar i centrum."
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2099, 12, 31)
    is_public = True


# --- survey and statistics in the web app (issue 6) ------------------------------------


def statistics_world(municipality, run) -> dict:
    """Objects of issue 6 around an analysis run: an analysis job, an uploaded CSV file, a
    survey round, and the run published (with a report.html)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trygg.imports.models import ImportKind
    from trygg.imports.services import upload_create
    from trygg.jobs.models import JobKind
    from trygg.jobs.services import job_create
    from trygg.reports.services import publication_create
    from trygg.surveys.services import survey_round_create

    (run.directory / "report.html").write_text(
        '<html><head><meta name="viewport" content="width=device-width"></head>'
        "<body>Rapport</body></html>",
        "utf-8",
    )
    job = job_create(kind=JobKind.ANALYSIS, municipality=municipality)
    upload = upload_create(
        municipality=municipality,
        kind=ImportKind.POPULATION,
        uploaded_file=SimpleUploadedFile(
            "befolkning.csv", b"area_code;year;sex;age_group;count\nX;2026;F;16-24;10\n"
        ),
    )
    return {
        "job": job,
        "upload": upload,
        "survey_round": survey_round_create(municipality=municipality, year=2026),
        "publication": publication_create(run=run, actor=None),
    }


def demo_with_run(tmp_path, settings):
    """The demo municipality with one analysis run (no PDF), files under tmp_path."""
    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Municipality
    from trygg.demo.services import demo_build
    from trygg.reports.services import analysis_run_create

    settings.VAR_DIR = tmp_path / "var"
    demo_build(work_dir=tmp_path / "demo")
    return analysis_run_create(
        municipality=Municipality.objects.get(code="2281"), params=AnalysisParams(pdf=False)
    )


IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# --- the residents' web questionnaire (issue 7) -----------------------------------------


def survey_sample_world(municipality, *, year: int = 2026, persons: int = 4, status="open"):
    """A survey round with a synthetic sample frame imported through the service; returns
    (round, codes in file order). Names and addresses are clearly fake."""
    import tempfile
    from pathlib import Path

    from trygg.areas.models import Area, AreaLevel
    from trygg.surveys import codes
    from trygg.surveys.models import SurveyRound, SurveySamplePerson
    from trygg.surveys.services import survey_round_create, survey_sample_import

    area_codes = list(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA)
        .order_by("code")
        .values_list("code", flat=True)
    ) or [AreaFactory(municipality=municipality).code]
    lines = ["area_code;sex;age_group;name;street;postcode;city"]
    for i in range(persons):
        lines.append(
            f"{area_codes[i % len(area_codes)]};{'FM'[i % 2]};{('25-34', '65-74')[i % 2]};"
            f"Testperson {i} Påhittad;Exempelgatan {i + 1};999 99;Testby"
        )
    survey_round = survey_round_create(municipality=municipality, year=year)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "urval.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        survey_sample_import(survey_round=survey_round, path=path, actor=None)
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=status)
    survey_round.refresh_from_db()
    found = [
        codes.decrypt(p.code_encrypted)
        for p in SurveySamplePerson.objects.filter(round=survey_round).order_by("id")
    ]
    return survey_round, found


# --- residents' reports and safety walks (issue 7) ------------------------------------


class ResidentReportFactory(factory.django.DjangoModelFactory):
    """A resident's report placed in ``area`` (at a point inside it), as received."""

    class Meta:
        model = "residents.ResidentReport"

    area = factory.SubFactory(AreaFactory)
    municipality = factory.LazyAttribute(lambda r: r.area.municipality)
    lat = factory.LazyAttribute(lambda r: inside(r.area)[1])
    lon = factory.LazyAttribute(lambda r: inside(r.area)[0])
    reasons = factory.LazyFunction(lambda: ["dark"])
    text = "Trasig belysning vid gångtunneln."
    created_on = factory.LazyFunction(timezone.localdate)


class SafetyWalkFactory(factory.django.DjangoModelFactory):
    """A walk in ``area``'s municipality, led by a group member working there."""

    class Meta:
        model = "residents.SafetyWalk"
        exclude = ("area",)

    area = factory.SubFactory(AreaFactory)
    municipality = factory.LazyAttribute(lambda w: w.area.municipality)
    title = factory.Sequence(lambda n: f"Trygghetsvandring {n}")
    walked_on = factory.LazyFunction(timezone.localdate)
    leader = factory.LazyAttribute(lambda w: user_in(w.municipality, role=Role.GROUP_MEMBER))
    route = factory.LazyAttribute(
        lambda w: {"type": "LineString", "coordinates": [list(inside(w.area))]}
    )
