"""The demo's residents' reports and safety walk."""

from __future__ import annotations

from tests.factories import AreaFactory, MunicipalityFactory, SafetyGroupFactory, user_in
from trygg.accounts.roles import Role
from trygg.residents.demo import demo_residents_build
from trygg.residents.models import ReportStatus, ResidentReport, SafetyWalk, WalkStatus
from trygg.situation.models import Observation


def test_the_demo_has_reports_in_every_state_and_a_finished_walk(db):
    municipality = MunicipalityFactory(code="2281")
    areas = [
        AreaFactory(municipality=municipality, name=name, geometry=square)
        for name, square in (
            ("Nacksta", _square(17.26, 62.39)),
            ("Skönsberg", _square(17.30, 62.40)),
            ("Bredsand", _square(17.36, 62.37)),
            ("Centrum", _square(17.30, 62.39)),
            ("Birsta", _square(17.40, 62.44)),
        )
    ]
    SafetyGroupFactory(municipality=municipality).areas.add(areas[0])
    user_in(municipality, role=Role.SAFETY_COORDINATOR)
    user_in(municipality, role=Role.GROUP_MEMBER)

    assert demo_residents_build(municipality=municipality) == 8
    statuses = list(ResidentReport.objects.values_list("status", flat=True))
    assert statuses.count(ReportStatus.RECEIVED) == 3
    assert statuses.count(ReportStatus.ASSESSED) == 2
    assert statuses.count(ReportStatus.IN_PROGRESS) == 1
    assert statuses.count(ReportStatus.ACTION_TAKEN) == 1
    assert statuses.count(ReportStatus.REJECTED) == 1
    # The one in progress was sent to the street lighting, which said so through its link.
    in_progress = ResidentReport.objects.get(status=ReportStatus.IN_PROGRESS)
    assert [d.department.name for d in in_progress.dispatches.all()] == ["Gatubelysning"]
    assert in_progress.updates.filter(department__name="Gatubelysning").exists()
    assert Observation.objects.filter(source="residents").count() == 4
    walk = SafetyWalk.objects.get()
    assert walk.status == WalkStatus.FINISHED and walk.points.count() == 3
    assert len(walk.route["coordinates"]) == 9
    # Building again changes nothing.
    assert demo_residents_build(municipality=municipality) == 0
    assert ResidentReport.objects.count() == 8 and SafetyWalk.objects.count() == 1


def _square(lon, lat, size=0.02):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}
