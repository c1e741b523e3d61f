"""Building the demo municipality from an empty database, and building it again changes
nothing. What the demo holds is tested in test_demo_contents.py, on one shared build."""

from __future__ import annotations

import pytest

from trygg.accounts.models import SafetyGroup, User
from trygg.areas.models import Area, PopulationCount
from trygg.demo.services import demo_build

pytestmark = pytest.mark.django_db


def test_demo_build_is_complete_and_idempotent(tmp_path):
    first = demo_build(work_dir=tmp_path)
    assert first.municipality_code == "2281"
    assert first.areas.created == Area.objects.count() > 20
    assert first.safety_groups == SafetyGroup.objects.count() == 13
    counts = (Area.objects.count(), PopulationCount.objects.count(), User.objects.count())

    second = demo_build(work_dir=tmp_path)
    assert (second.areas.created, second.areas.updated) == (0, 0)
    assert (second.population.created, second.population.updated) == (0, 0)
    assert (Area.objects.count(), PopulationCount.objects.count(), User.objects.count()) == counts


def test_demo_analysis_runs_once_and_is_published(tmp_path, settings):
    from trygg.demo.services import demo_analysis_refresh
    from trygg.reports.models import AnalysisRun, Publication

    settings.VAR_DIR = tmp_path / "var"
    result = demo_build(work_dir=tmp_path)
    run, fresh = demo_analysis_refresh(result=result)
    assert fresh and run.summary[0]["name"] == "Nacksta"
    assert Publication.objects.filter(run=run, withdrawn_at=None).exists()
    again, fresh_again = demo_analysis_refresh(result=demo_build(work_dir=tmp_path))
    assert not fresh_again and again == run
    assert AnalysisRun.objects.count() == 1
