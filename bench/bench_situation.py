"""The situational picture under load: 1 M observations in PostgreSQL, 50 concurrent users.

Targets (issue 4): the weekly-picture page and the observation-list API answer with
p95 ≤ 150 ms at 50 concurrent users, and reporting an observation stays under 50 ms p95.

What it does, all on this machine (loopback only, bounded in time and in requests):

1. creates a scratch PostgreSQL database (default ``trygg_bench``), migrates it and builds
   the demo municipality into it (13 safety groups, users, a year of observations);
2. tops the observations up to ``--observations`` (default 1,000,000) with COPY, spread
   over two years with evening peaks, across the groups and their areas;
3. starts gunicorn with ``--workers`` sync workers on ``127.0.0.1:--port``;
4. runs each scenario first for ``--warmup`` seconds unmeasured (each gunicorn worker fills
   its own in-memory caches, as the first viewer of a meeting does), then for ``--seconds``
   with ``--users`` threads, each thread a user with its
   own keep-alive connection who reads each answer for a while (exponential think time,
   mean ``--think`` seconds; 0 hammers the server back to back), and prints p50/p95/p99 and
   throughput;
5. the baseline, measured in the same run under the same load, is ``/healthz``: one
   request through the whole middleware stack and one database round trip. The ratio says
   how much of a page's time is the page's own work.

Run: ``make bench-situation`` or ``.venv/bin/python bench/bench_situation.py [--observations
200000 --seconds 10]``. Needs gunicorn (``pip install -e '.[dev]'``). ``--keep`` keeps the
database for another run (the top-up is then skipped); ``--skip-build`` then reuses it as it
is (no migrate, no demo build), e.g. to compare two versions of the code on the same data
(``PYTHONPATH=/path/to/other/src``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Scenario:
    name: str
    target_ms: float | None
    make_request: object  # (rng) -> (method, path, headers, body)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/trygg_bench")
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=50_000, help="per scenario")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a user waits between requests (reading the page)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds each scenario runs unmeasured first (each worker's caches fill)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios to run besides the baseline: picture, list, report",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="reuse a kept database as it is: no migrate, no demo build",
    )
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def top_up_observations(target: int, seed: int = 48) -> int:
    """COPY synthetic observations until the table holds ``target`` rows."""
    from django.db import connection

    from trygg.accounts.models import SafetyGroup
    from trygg.situation.models import Observation

    have = Observation.objects.count()
    missing = target - have
    if missing <= 0:
        return have
    rng = np.random.default_rng(seed)
    groups = list(SafetyGroup.objects.prefetch_related("areas", "members"))
    municipality_id = groups[0].municipality_id
    group_index = rng.integers(0, len(groups), missing)
    now = datetime.now(UTC)
    # Two years back, more in the evening: hour drawn from a peaked distribution.
    days = rng.uniform(0, 730, missing)
    hours = np.clip(rng.normal(19.5, 3.5, missing), 0, 23.99)
    categories = [
        "open_drug_dealing",
        "youth_gathering",
        "disorder",
        "vandalism",
        "threat_violence",
        "worry_rumour",
        "unsafe_place",
        "positive_sign",
        "other",
    ]
    columns = (
        "municipality_id",
        "public_id",
        "reporter_id",
        "group_id",
        "observed_at",
        "category",
        "severity",
        "people_count",
        "text",
        "lat",
        "lon",
        "place_id",
        "place_name",
        "area_id",
        "restricted",
        "source",
        "source_id",
        "created_at",
        "updated_at",
    )
    table = Observation._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for i in range(missing):
            group = groups[group_index[i]]
            areas = list(group.areas.all())
            members = list(group.members.all())
            moment = (now - timedelta(days=float(days[i]))).replace(
                hour=int(hours[i]), minute=int(rng.integers(0, 60))
            )
            copy.write_row((
                municipality_id, uuid.uuid4(), members[i % len(members)].pk if members else None,
                group.pk, moment, categories[int(rng.integers(0, len(categories)))],
                int(rng.integers(1, 4)), None, "Syntetisk iakttagelse för mätning.", None, None,
                None, "", areas[i % len(areas)].pk if areas else None,
                bool(rng.random() < 0.1), "import", f"bench-{have + i}", now, now,
            ))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    return Observation.objects.count()


def session_cookie(username: str) -> str:
    """A signed-in session for a demo user, made the way Django's login makes one."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from trygg.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def start_server(args, env) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "trygg.wsgi:application",
               "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
               "--access-logfile", "-", "--log-level", "warning",
               # A worker's first import (numpy, scipy) can outlast the default 30 s on a
               # loaded machine; the timeout only guards against hung workers here.
               "--timeout", "120"]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def run_scenario(scenario: Scenario, args, *, seconds: float | None = None) -> None:
    deadline = time.monotonic() + (args.seconds if seconds is None else seconds)
    budget = [args.max_requests]
    lock = threading.Lock()

    def user(index: int) -> None:
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        # Start spread out, as real users do, rather than all in the same millisecond.
        time.sleep(rng.uniform(0, args.think))
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            method, path, headers, body = scenario.make_request(rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    scenario.latencies.append(elapsed)
                else:
                    scenario.errors += 1
            if args.think:
                time.sleep(rng.expovariate(1.0 / args.think))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="trygg-bench-"))
    env = {**os.environ, "DATABASE_URL": args.database_url, "TRYGG_VAR_DIR": str(var_dir),
           "DJANGO_SETTINGS_MODULE": "trygg.settings.demo", "LOG_LEVEL": "WARNING"}  # fmt: skip
    os.environ.update(env)
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    from trygg.accounts.models import SafetyGroup
    from trygg.accounts.services import user_api_token
    from trygg.demo.services import demo_build

    if not args.skip_build:
        print(f"database {args.database_url.rsplit('/', 1)[1]}: migrating and building the demo …")
        call_command("migrate", verbosity=0)
        demo_build(work_dir=var_dir / "demo")
    started = time.perf_counter()
    total = top_up_observations(args.observations)
    print(f"observations: {total:,} ({time.perf_counter() - started:.1f} s to load)")

    groups = list(SafetyGroup.objects.values_list("id", flat=True))
    week = datetime.now(UTC).isocalendar()
    week_path = f"{week.year}-W{week.week:02d}"
    coordinator = session_cookie("samordnare")
    member = session_cookie("polis")
    member_groups = list(
        SafetyGroup.objects.filter(members__username="polis").values_list("id", flat=True)
    )
    area_of_group = {
        g.id: g.areas.first().code
        for g in SafetyGroup.objects.filter(id__in=member_groups).prefetch_related("areas")
    }
    token = user_api_token(username="polis")
    since = (datetime.now(UTC) - timedelta(days=28)).date().isoformat()

    def healthz(rng):
        return "GET", "/healthz", {}, None

    def weekly_picture(rng):
        if rng.random() < 0.5:
            return (
                "GET",
                f"/situation/groups/{rng.choice(groups)}/{week_path}/",
                {"Cookie": coordinator},
                None,
            )
        return (
            "GET",
            f"/situation/groups/{rng.choice(member_groups)}/{week_path}/",
            {"Cookie": member},
            None,
        )

    def observation_list(rng):
        path = f"/api/v1/observations/?group={rng.choice(member_groups)}&since={since}&limit=50"
        return "GET", path, {"Authorization": f"Token {token}"}, None

    def report(rng):
        group = rng.choice(member_groups)
        body = json.dumps({"category": "disorder", "severity": 2, "group": group,
                           "area": area_of_group[group], "text": "Stökigt vid busshållplatsen.",
                           "client_key": uuid.uuid4().hex})  # fmt: skip
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", "/api/v1/observations/", headers, body

    scenarios = [
        Scenario("baseline: /healthz", None, healthz),
        Scenario("weekly picture page", 150.0, weekly_picture),
        Scenario("observation list API", 150.0, observation_list),
        Scenario("report an observation (API)", 50.0, report),
    ]
    if args.only:
        wanted = {f"{name}" for name in args.only.split(",")}
        short = {"weekly picture page": "picture", "observation list API": "list"}
        scenarios = [scenarios[0]] + [
            s for s in scenarios[1:] if short.get(s.name, "report") in wanted
        ]
    server = start_server(args, env)
    try:
        for scenario in scenarios:
            if args.warmup:
                # The first requests fill each worker's caches (a meeting's first viewer);
                # they are not what the other 49 users see, so they are not counted.
                run_scenario(Scenario(scenario.name, None, scenario.make_request), args,
                             seconds=args.warmup)  # fmt: skip
            run_scenario(scenario, args)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # Workers still busy with queued requests on a loaded machine: the figures are in.
            server.kill()
            server.wait()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)

    base_p95 = percentile(scenarios[0].latencies, 95)
    print(f"\n{args.users} concurrent users (mean think time {args.think:.1f} s), "
          f"{args.seconds:.0f} s per scenario after {args.warmup:.0f} s of warm-up, "
          f"{args.workers} gunicorn workers, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'scenario':32} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'p95/base':>9} {'target':>8}  errors")  # fmt: skip
    for s in scenarios:
        p95 = percentile(s.latencies, 95)
        verdict = "" if s.target_ms is None else ("met" if p95 <= s.target_ms else "MISSED")
        target = "" if s.target_ms is None else f"≤{s.target_ms:.0f}"
        print(f"{s.name:32} {len(s.latencies):>9} {len(s.latencies) / args.seconds:>7.1f} "
              f"{percentile(s.latencies, 50):>8.1f} {p95:>8.1f} {percentile(s.latencies, 99):>8.1f} "
              f"{p95 / base_p95:>9.1f} {target:>6} {verdict:6} {s.errors}")  # fmt: skip
    if any(s.latencies for s in scenarios):
        print(
            f"(median of all page latencies: {statistics.median(scenarios[1].latencies or [0]):.1f} ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
