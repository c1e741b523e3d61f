"""bench/bench_analyze.py still runs: its tiny scale end to end (inputs, `trygg analyze` in
a fresh process, the geopandas/pandas baseline and the ratio). No timings are asserted
(bench/README.md); the real benchmark is run by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_analyze_tiny_scale_runs_and_prints_the_ratio(tmp_path):
    pytest.importorskip("geopandas")  # the baseline's; in the `bench` extra
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"),
                                                       os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    command = [sys.executable, str(ROOT / "bench" / "bench_analyze.py"), "--scale", "tiny",
               "--pdf", "none", "--skip-esda", "--workdir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "trygg analyze --pdf none, fresh process" in out
    assert "baseline: geopandas sjoin (" in out
    assert "ratio baseline / trygg analyze --pdf none (wall)" in out
    # The inputs are cached: a second run reuses them.
    assert (tmp_path / "tiny-seed11" / "complete").exists()
    assert (tmp_path / "out-tiny-seed11" / "none" / "crime_rates.csv").exists()
