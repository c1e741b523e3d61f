"""Analysis runs: created from the database, listed and opened by roles that read results."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.reports.models import AnalysisRun

# `demo_run` is built once for the module (tests/shared_db.py); the module is listed in
# SHARED_DATA_MODULES (tests/conftest.py), so its tests run on one xdist worker.
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(demo_run):
    return demo_run


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


def test_the_run_page_names_its_weights_and_offers_kor_analysen(client, run, two_factor_off):
    analyst = user_in(run.municipality, role=Role.ANALYST)
    client.force_login(analyst)
    listing = client.get("/reports/").content.decode()
    assert "Kör analysen" in listing and "Köra analysen" not in listing
    detail = client.get(f"/reports/{run.public_id}/").content.decode()
    # The components' names with a decimal comma, not the parameter keys.
    assert "<li>Problemindex: 0,30</li>" in detail
    assert "<li>Oro och otrygghet: 0,15</li>" in detail
    weights = detail.split("<h2>Vikter</h2>")[1].split("</ul>")[0]
    assert "problem_index" not in weights and "unsafety" not in weights
    assert "<h2>Filer</h2>" in detail
