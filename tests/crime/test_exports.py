"""The CLI's reject file: a file name or value from the input never runs as a formula."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from tests.crime.test_services import CSV, municipality, write  # noqa: F401 (fixture)
from trygg.cli import main

pytestmark = pytest.mark.django_db


def test_the_reject_file_is_neutralised(municipality, tmp_path):  # noqa: F811
    name = "@SUM(A1).csv"
    path = write(tmp_path, CSV + "4;2025-03-04;nonsense;62,05;17,05\n", name=name)
    result = CliRunner().invoke(
        main, ["import", "crimes", str(path), "--municipality", "2281", "--skip-bad-rows"]
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / f"{name}.rejected.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["line"]) for r in rows] == [("'" + name, "5")]
