"""The run page says what the analysis was built on (issue 16 item 3): the survey items
behind each index and why a priority component is missing."""

from __future__ import annotations

import pytest

from tests.analysis.strategies import Area, Municipality
from tests.factories import user_in
from trygg.accounts.roles import Role
from trygg.analysis.pipeline import AnalysisParams

pytestmark = pytest.mark.django_db


def test_run_page_lists_items_per_index_and_missing_components(
    client, settings, tmp_path, two_factor_off
):
    from trygg.areas.services import (
        areas_import_geojson,
        municipality_get_or_create,
        population_import_csv,
    )
    from trygg.crime.services import crimes_import
    from trygg.reports.services import analysis_run_create
    from trygg.surveys.services import survey_responses_import

    settings.VAR_DIR = tmp_path / "var"
    areas = [
        Area(code=f"2281R{i:03d}", name=f"Område {i}", cell=(i % 3, i // 3), parent=None,
             population={2025: 1200}, crimes={2025: 4 + i}, respondents={2025: 40})
        for i in range(5)
    ]  # fmt: skip
    m = Municipality(areas, {}, outside_crimes=0, items=("litter", "graffiti"), seed=2)
    paths = m.write(tmp_path / "in")
    municipality = municipality_get_or_create(code="2281", name="Provkommun")
    areas_import_geojson(municipality=municipality, path=paths["areas"])
    population_import_csv(municipality=municipality, path=paths["population"])
    crimes_import(municipality=municipality, path=paths["crimes"])
    survey_responses_import(municipality=municipality, path=paths["survey"])
    run = analysis_run_create(
        municipality=municipality, params=AnalysisParams(pdf=False, draws=100, permutations=99)
    )
    group = run.run_record["survey_items"]["groups"]["problem_index"]
    assert group["status"] == "partial" and group["in_file"] == ["litter", "graffiti"]
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    page = client.get(f"/reports/{run.public_id}/").content.decode()
    assert "Vad körningen bygger på" in page
    # Indices, items and components by the names a reader knows, never their codes.
    assert "Problem i området (ordningsstörningar)" in page
    assert "Nedskräpning, Klotter" in page and "Öppen narkotikaförsäljning" in page
    assert "litter" not in page and "open_drug_dealing" not in page
    # Worry and unsafety were not asked: the component says why it is missing.
    assert "Oro och otrygghet: ingår inte – enkäten har inga av frågorna" in page
    assert "Problemindex: ingår i rangordningen" in page
    # The QGIS style files are named for the layer they style; outside them, no code shows.
    files = ("problem_index.qml", "problem_index.sld")
    assert "problem_index" not in page.replace(files[0], "").replace(files[1], "")
