"""Analysis runs: created from the database, listed and opened by roles that read results."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.analysis.pipeline import AnalysisParams
from trygg.audit.models import AuditEvent
from trygg.demo.services import demo_build
from trygg.reports.models import AnalysisRun
from trygg.reports.services import analysis_run_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    demo_build(work_dir=tmp_path / "demo")
    from trygg.areas.models import Municipality

    return analysis_run_create(
        municipality=Municipality.objects.get(code="2281"), params=AnalysisParams(pdf=False)
    )


def test_a_run_keeps_its_files_record_and_summary(run):
    assert run.year == 2026
    assert (run.directory / "report.html").exists() and (run.directory / "priorities.csv").exists()
    assert run.run_record["parameters"]["weights"] == run.parameters["weights"]
    assert [a["name"] for a in run.summary[:3]] == ["Nacksta", "Skönsberg", "Centrum"]
    assert AuditEvent.objects.filter(action="create", object_type="analysis_run").exists()


def test_coordinator_opens_the_run_and_the_report(client, run, two_factor_off):
    coordinator = user_in(run.municipality, role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    listing = client.get("/reports/").content.decode()
    assert str(run.public_id) in listing and "Nacksta" in listing
    detail = client.get(f"/reports/{run.public_id}/").content.decode()
    assert "Nacksta" in detail and "report.html" in detail
    report = client.get(f"/reports/{run.public_id}/report.html")
    assert report.status_code == 200
    policy = report.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    download = client.get(f"/reports/{run.public_id}/priorities.csv")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="export", object_id=str(run.public_id)).count() == 2


def test_files_outside_the_run_are_not_served(client, run, two_factor_off):
    client.force_login(user_in(run.municipality, role=Role.ANALYST))
    for name in ("..%2F..%2Fsettings.py", "report.pdf", "secret.txt"):
        assert client.get(f"/reports/{run.public_id}/{name}").status_code == 404


def test_other_municipality_and_other_roles_get_404(client, run, two_factor_off):
    outsider = user_in(MunicipalityFactory(code="2262"), role=Role.SAFETY_COORDINATOR)
    client.force_login(outsider)
    assert client.get(f"/reports/{run.public_id}/").status_code == 404
    assert str(run.public_id) not in client.get("/reports/").content.decode()
    client.force_login(user_in(run.municipality, role=Role.GROUP_MEMBER))
    assert client.get("/reports/").status_code == 404
    assert client.get(f"/reports/{run.public_id}/report.html").status_code == 404
    assert AnalysisRun.objects.count() == 1
