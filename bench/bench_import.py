"""Benchmark: a 1 M-row crime file through the guided import's background task.

Writes a synthetic police extract (``id, occurred_at, category, area_code`` — or with
``--points``, ``lat, lon`` placed by the spatial index), uploads it as the browser would
(:func:`trygg.imports.services.upload_create`), then validates and imports it through the
database task queue and the worker (:func:`trygg.jobs.backend.run_pending_tasks`).
Prints the time of each step and the process's peak memory; then imports the same file
again (nothing may change) and removes its municipality.

Target: the import ≤ 20 s on PostgreSQL (COPY). Uses the database of ``DATABASE_URL``
(migrated first) and a municipality ``9998`` that it deletes afterwards.

Baseline, measured in the same run so that the ratios hold on a busy machine too: the least
any import of the file must do — parse it with Polars and COPY every row into a temporary
table of the same columns (no checks, no indexes, no comparison). ``--profile`` prints a
pyinstrument profile of each task (``pip install pyinstrument`` into the venv; it is not
a dependency of the project).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trygg_bench \\
        .venv/bin/python bench/bench_import.py [--rows 1000000] [--points] [--profile]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_baseline(path: Path) -> float:
    """Seconds to parse the file with Polars and COPY it into a temporary table."""
    import polars as pl
    from django.db import connection, transaction

    start = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False)
    with transaction.atomic(), connection.cursor() as cursor:
        columns = ", ".join(f'"{c}" text' for c in frame.columns)
        cursor.execute(f"CREATE TEMPORARY TABLE bench_baseline ({columns}) ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_baseline FROM STDIN WITH (FORMAT csv)") as copy:
            for chunk in frame.iter_slices(200_000):
                copy.write(chunk.write_csv(include_header=False))
    return time.perf_counter() - start


def wal_position() -> int | None:
    """PostgreSQL's write-ahead log position in bytes (what an import costs the server's log)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        return cursor.fetchone()[0]


def start_profile():
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", action="store_true", help="lat/lon instead of area codes")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each task")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trygg.settings.base")
    os.environ.setdefault("TRYGG_EMBEDDED_WORKER", "0")
    import django

    django.setup()
    from django.core.files.uploadedfile import UploadedFile
    from django.core.management import call_command

    from trygg.areas.models import Area, AreaLevel, Municipality
    from trygg.crime.models import ReportedCrime
    from trygg.imports.models import ImportKind, UploadStatus
    from trygg.imports.services import upload_create, upload_start
    from trygg.jobs.backend import run_pending_tasks

    call_command("migrate", verbosity=0)
    from django.db import connection

    print(f"database: {connection.vendor}; rows: {args.rows:,}")
    Municipality.objects.filter(code="9998").delete()
    municipality = Municipality.objects.create(code="9998", name="Bench")
    n_areas = 100
    for i in range(n_areas):
        lon, lat = 17.0 + 0.01 * (i % 10), 62.0 + 0.01 * (i // 10)
        Area.objects.create(
            municipality=municipality, code=f"9998A{i:03d}", name=f"Område {i}",
            level=AreaLevel.AREA, geometry=square(lon, lat), population=1000,
            centroid_lon=lon + 0.005, centroid_lat=lat + 0.005,
        )  # fmt: skip
    rng = np.random.default_rng(1)
    categories = np.array(["theft", "violence", "vandalism", "burglary", "fraud", "drug_offences"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brott.csv"
        start = time.perf_counter()
        seconds = rng.integers(0, 365 * 86400, args.rows)
        base = np.datetime64("2025-01-01T00:00:00")
        times = (base + seconds.astype("timedelta64[s]")).astype(str)
        cats = categories[rng.integers(0, len(categories), args.rows)]
        with path.open("w", encoding="utf-8") as out:
            if args.points:
                lon = 17.0 + rng.random(args.rows) * 0.1
                lat = 62.0 + rng.random(args.rows) * 0.1
                out.write("id,occurred_at,category,lat,lon\n")
                for i in range(args.rows):
                    out.write(f"b{i},{times[i]},{cats[i]},{lat[i]:.6f},{lon[i]:.6f}\n")
            else:
                codes = np.array([f"9998A{i:03d}" for i in range(n_areas)])[
                    rng.integers(0, n_areas, args.rows)
                ]
                out.write("id,occurred_at,category,area_code\n")
                for i in range(args.rows):
                    out.write(f"b{i},{times[i]},{cats[i]},{codes[i]}\n")
        print(f"  {'write the file':<40} {time.perf_counter() - start:8.2f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        baseline = copy_baseline(path) if connection.vendor == "postgresql" else None
        if baseline:
            print(f"  {'baseline: Polars read + COPY (temp table)':<40} {baseline:8.2f} s")
        timings: dict[str, float] = {}

        def through_the_queue(label: str):
            with path.open("rb") as handle:
                start = time.perf_counter()
                upload = upload_create(
                    municipality=municipality, kind=ImportKind.CRIMES,
                    uploaded_file=UploadedFile(handle, name="brott.csv", size=path.stat().st_size),
                )  # fmt: skip
                print(
                    f"  {label + ': upload and preview':<40} {time.perf_counter() - start:8.2f} s"
                )
            for mode in ("validate", "import"):
                upload_start(upload, mode=mode)
                profiler = start_profile() if args.profile else None
                wal_before = wal_position()
                start = time.perf_counter()
                assert run_pending_tasks() == 1
                seconds = time.perf_counter() - start
                timings[f"{label}: {mode}"] = seconds
                ratio = f"  ({seconds / baseline:.1f}× baseline)" if baseline else ""
                wal = wal_position()
                wal = f", {(wal - wal_before) / 1e6:,.0f} MB WAL" if wal is not None else ""
                print(f"  {label + ': ' + mode + ' (task)':<40} {seconds:8.2f} s{ratio}{wal}")
                if profiler is not None:
                    profiler.stop()
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
                upload.refresh_from_db()
                assert upload.status in (UploadStatus.VALID, UploadStatus.IMPORTED), upload.problems
            return upload.result

        first = through_the_queue("first import")
        print(f"    {first}")
        again = through_the_queue("same file again")
        print(f"    {again}")
        assert again["created"] == 0 and again["updated"] == 0
        assert ReportedCrime.objects.filter(municipality=municipality).count() == args.rows
    print(f"  peak memory of the process: {peak_mb():,.0f} MB")
    Municipality.objects.filter(code="9998").delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
