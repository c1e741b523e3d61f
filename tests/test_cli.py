"""The `trygg` command: imports report every problem, users are created with a role."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.factories import OrganisationFactory, square
from trygg.accounts.models import User
from trygg.areas.models import Area, PopulationCount
from trygg.cli import main

pytestmark = pytest.mark.django_db


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def areas_file(tmp_path):
    path = tmp_path / "omraden.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "A1", "name": "Centrum"},
                        "geometry": square(17.3, 62.39),
                    },
                    {
                        "type": "Feature",
                        "properties": {"code": "A2", "name": "Haga"},
                        "geometry": square(17.31, 62.39),
                    },
                ],
            }
        )
    )
    return path


def test_import_areas_and_population(areas_file, tmp_path):
    result = run(
        "import", "areas", str(areas_file), "--municipality", "2281", "--name", "Sundsvall"
    )
    assert result.exit_code == 0, result.output
    assert "omraden.geojson: 2 new, 0 changed, 0 unchanged" in result.output
    population = tmp_path / "befolkning.csv"
    population.write_text(
        "area_code,year,sex,age_group,count\nA1,2025,F,16-24,10\nA2,2025,M,75+,4\n"
    )
    result = run("import", "population", str(population), "--municipality", "2281")
    assert result.exit_code == 0 and "2 new" in result.output
    again = run("import", "population", str(population), "--municipality", "2281")
    assert "0 new, 0 changed, 2 unchanged" in again.output
    assert PopulationCount.objects.count() == 2


def test_bad_area_file_lists_every_problem_and_imports_nothing(tmp_path):
    path = tmp_path / "trasig.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Utan kod"},
                        "geometry": square(17.3, 62.39),
                    },
                    {
                        "type": "Feature",
                        "properties": {"code": "B", "name": "Punkt"},
                        "geometry": {"type": "Point", "coordinates": [17, 62]},
                    },
                ],
            }
        )
    )
    result = CliRunner().invoke(main, ["import", "areas", str(path), "--municipality", "2281"])
    assert result.exit_code == 2
    assert "trasig.geojson, feature 0, column 'code': missing code" in result.output
    assert "trasig.geojson, feature 1, column 'geometry'" in result.output
    assert Area.objects.count() == 0


def test_population_before_areas_is_explained(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("area_code,year,sex,age_group,count\n")
    result = CliRunner().invoke(main, ["import", "population", str(path), "--municipality", "2281"])
    assert result.exit_code == 1 and "import areas first" in result.output


def test_createuser_with_password_from_stdin():
    OrganisationFactory(key="polisen", name="Polisen")
    result = run(
        "createuser",
        "petra",
        "--organisation",
        "polisen",
        "--role",
        "analyst",
        "--password-stdin",
        input="a-long-synthetic-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="petra")
    assert user.role == "analyst" and user.check_password("a-long-synthetic-passphrase")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organisation", "polisen", "--role", "boss"], "Okänd roll 'boss'"),
        (["--organisation", "nope", "--role", "analyst"], "Okänd organisation 'nope'"),
    ],
)
def test_createuser_refuses_bad_input(args, message):
    OrganisationFactory(key="polisen")
    result = CliRunner().invoke(
        main, ["createuser", "x", *args, "--password-stdin"], input="a-long-synthetic-passphrase\n"
    )
    assert result.exit_code == 1 and message in result.output


def test_createuser_refuses_a_weak_password():
    OrganisationFactory(key="polisen")
    result = CliRunner().invoke(
        main,
        ["createuser", "x", "--organisation", "polisen", "--role", "analyst", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1 and "12" in result.output  # the minimum length is named
    assert not User.objects.filter(username="x").exists()


def test_roles_lists_every_role():
    result = run("roles")
    for role in (
        "administrator",
        "safety_coordinator",
        "analyst",
        "group_member",
        "case_worker",
        "sspf_coordinator",
        "management",
        "read_only",
    ):
        assert role in result.output


def test_token_for_unknown_user():
    result = CliRunner().invoke(main, ["token", "nobody"])
    assert result.exit_code == 1 and "No active user 'nobody'" in result.output


def test_a_data_folder_built_by_the_demo_keeps_the_demo_settings(tmp_path):
    """`trygg serve` after `trygg demo` runs the demo's settings (two-factor relaxed, demo
    identity numbers accepted), as `make demo` does; any other folder gets the base settings,
    and DJANGO_SETTINGS_MODULE always wins (see _setup)."""
    from trygg.cli import DEMO_MARKER, default_settings_module

    assert default_settings_module({"TRYGG_VAR_DIR": str(tmp_path)}) == "trygg.settings.base"
    (tmp_path / DEMO_MARKER).write_text("demo", encoding="utf-8")
    assert default_settings_module({"TRYGG_VAR_DIR": str(tmp_path)}) == "trygg.settings.demo"


@pytest.mark.django_db
def test_the_login_page_says_when_two_factor_login_is_off(client, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_DEMO_MODE = False
    assert "Tvåfaktorsinloggning är avstängd" in client.get("/accounts/login/").content.decode()
    settings.TRYGG_DEMO_MODE = True
    page = client.get("/accounts/login/").content.decode()
    assert "demokommunen" in page and "Tvåfaktorsinloggning är avstängd" not in page
    settings.TRYGG_REQUIRE_TWO_FACTOR = True
    settings.TRYGG_DEMO_MODE = False
    page = client.get("/accounts/login/").content.decode()
    assert "avstängd" not in page and "demokommunen" not in page
