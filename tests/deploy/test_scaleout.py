"""Trygg scaled out, in real processes on loopback (issue 19): a PostgreSQL primary and a
streaming standby made here, a Redis of its own, two gunicorn app processes and two task
workers under trygg.settings.production. It shows, phase by phase:

a. a resident's report sent through app 1 is read at once through app 2, and a person who
   has just written reads from the primary on the other app process too (the signed cookie
   for the resident, the shared Redis for the signed-in coordinator);
b. the dashboard and the area pages read from the standby (counted in the standby's own
   statement log, per app process: PGAPPNAME names each process's connections);
c. 200 queued tasks run exactly once across the two workers, and both workers take part;
d. a worker killed (SIGKILL) in the middle of a task loses nothing: its lease runs out and
   the other worker runs the task;
e. with the standby stopped, the same pages answer 200 from the primary;
f. the standby promoted after the primary stopped holds the report of (a).

Only in the PostgreSQL run (marked ``postgres``); it needs the PostgreSQL 15 server binaries
and redis-server, and fails (never skips) without them. It is one test, since its phases
share a cluster that takes seconds to build; each phase prints its wall time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.deploy.helpers import (
    Browser,
    free_port,
    production_env,
    sign_in,
    stop,
    wait_until_serving,
)

# Where Trygg's pieces are (the lead updates these when the task queue moves to trygg.jobs).
# There is no `trygg worker` command (yet): a worker is `trygg manage run_tasks`.
RUN_TASKS = [sys.executable, "-m", "trygg.cli", "worker", "--poll=0.3"]
SITE_MODULE = "tests.deploy.scaleout_site"  # the install and the test's tasks
SETTINGS = "tests.deploy.scaleout_settings"  # production's, static files from the packages
REPORT_TABLE = "residents_residentreport"
TASK_TABLE = "imports_taskrecord"  # the queue's rows (trygg.jobs.models.TaskRecord keeps the table)
RUNS_TABLE = "scaleout_runs"  # as in scaleout_site

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = "/usr/bin/redis-server"
GUNICORN = [sys.executable, "-m", "gunicorn", "trygg.wsgi:application", "--workers=1"]
GUNICORN += ["--threads=2", "--timeout=120"]
# Nothing written to disk: the test's Redis starts empty and leaves nothing behind.
REDIS_EPHEMERAL = ("--save", "", "--appendonly", "no")
TASKS = 200
# Long enough that a live worker starved of CPU on a busy machine keeps its claims (a lapsed
# lease lets the other worker run the task again), short enough for (d) to be quick.
LEASE_SECONDS = 8
READ_YOUR_WRITES_SECONDS = 6
# The router checks the standby's health at most this often per process (db_router).
HEALTH_CHECK_SECONDS = 5
SLOW_TASK_SECONDS = 60  # killed long before; its second run does not sleep
WAIT_SECONDS = 60

pytestmark = pytest.mark.postgres


class Phases:
    """Prints the wall time of each phase (pytest -s, or in the report of a failure)."""

    def __init__(self):
        self.start = self.last = time.monotonic()

    def done(self, name: str) -> None:
        now = time.monotonic()
        print(f"scale-out {name}: {now - self.last:.1f} s (total {now - self.start:.1f} s)")
        self.last = now


def as_postgres(*command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, command)],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )
    assert result.returncode == 0, f"{command[0]} failed: {result.stdout}{result.stderr}"
    return result


class Cluster:
    """A PostgreSQL server in a folder of its own, owned by the postgres user."""

    def __init__(self, root: Path, name: str):
        self.name = name
        self.data = root / name
        self.log = root / f"{name}.log"
        self.port = free_port()
        self.root = root

    def url(self, db: str = "trygg") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = "trygg"):
        return psycopg.connect(self.url(db), autocommit=True, connect_timeout=5)

    def configure(self, **settings) -> None:
        # Later lines win: a standby's copy of the primary's file is overridden here.
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def start(self) -> None:
        as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", 60, "start")

    def stop(self, mode: str = "fast") -> None:
        as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", 60, "stop")

    def running(self) -> bool:
        status = subprocess.run(
            ["runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", self.data, "status"],
            capture_output=True,
        )
        return status.returncode == 0

    def statements(self, application: str) -> int:
        """Statements the app process named ``application`` ran here that read Trygg's
        tables (the standby logs every statement; health checks read no table)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(
            1
            for line in text.splitlines()
            if f" {application} " in line and "statement: SELECT" in line and 'FROM "' in line
        )


def make_primary(root: Path) -> Cluster:
    primary = Cluster(root, "primary")
    as_postgres(
        PG_BIN / "initdb",
        "-D",
        primary.data,
        "--auth=trust",
        "--username=postgres",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    # initdb's pg_hba.conf with --auth=trust already lets 127.0.0.1 replicate.
    primary.configure(
        listen_addresses="'127.0.0.1'",
        port=primary.port,
        unix_socket_directories=f"'{root}'",
        wal_level="replica",
        max_wal_senders=4,
        hot_standby="on",
        max_connections=60,
        shared_buffers="'32MB'",
        # A test cluster: a crash loses nothing worth the disk's time.
        fsync="off",
        # Every statement, with the connection's application name: the test counts where
        # each app process reads (the standby inherits this file).
        log_statement="'all'",
        log_line_prefix="'%m [%p] %a '",
    )
    primary.start()
    with primary.connect("postgres") as conn:
        conn.execute("CREATE DATABASE trygg")
    return primary


def make_standby(root: Path, primary: Cluster) -> Cluster:
    standby = Cluster(root, "standby")
    # -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
    as_postgres(
        PG_BIN / "pg_basebackup",
        "-h",
        "127.0.0.1",
        "-p",
        primary.port,
        "-U",
        "postgres",
        "-D",
        standby.data,
        "-R",
        "--checkpoint=fast",
        "--wal-method=stream",
    )
    standby.configure(port=standby.port)
    standby.start()
    wait_for(lambda: streaming(primary), "the standby to stream from the primary")
    return standby


def streaming(primary: Cluster) -> bool:
    with primary.connect("postgres") as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        ).fetchone()
    return row[0] == 1


def caught_up(primary: Cluster, standby: Cluster) -> bool:
    with primary.connect() as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    with standby.connect() as conn:
        return conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]


def wait_for(condition, what: str, seconds: float = WAIT_SECONDS, logs=()) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.OperationalError):
            if condition():
                return
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}{tails(logs)}")


def tails(logs) -> str:
    return "".join(f"\n--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs)


def start(command: list, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_site(env: dict, cwd: Path, *args) -> None:
    done = subprocess.run(
        [sys.executable, "-m", SITE_MODULE, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{SITE_MODULE} {args[0]} failed: {done.stderr[-4000:]}"


def runs(primary: Cluster) -> list[tuple[int, str, int]]:
    with primary.connect() as conn:
        return conn.execute(f"SELECT n, phase, pid FROM {RUNS_TABLE} ORDER BY at").fetchall()  # noqa: S608


def quick_and_slow(rows) -> tuple[int, bool]:
    """How many quick tasks ran, and whether the slow one started."""
    return sum(1 for n, _, _ in rows if n >= 0), any(n == -1 for n, _, _ in rows)


def send_resident_report(base: str, code: str) -> tuple[Browser, str]:
    """Through the public form, as a resident's browser does; returns the browser and the
    receipt's path."""
    resident = Browser()
    form = resident.get(f"{base}/trygghet/{code}/")
    assert form.status_code == 200, f"the report form answers {form.status_code}"
    reason = re.search(r'name="reasons" value="([^"]+)"', form.text)
    area = re.search(r'<option value="(\d+)"', form.text)
    started = re.search(r'name="started" value="([^"]+)"', form.text)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert reason and area and started and token, "the report form lacks a field"
    answer = resident.post(
        f"{base}/trygghet/{code}/",
        data={
            "reasons": reason.group(1),
            "area": area.group(1),
            "text": "Trasig belysning vid gångtunneln",
            "started": started.group(1),
            "client_key": "scaleout-report-1",
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Origin": base.replace("http://", "https://")},
    )
    assert answer.status_code == 302, f"the report was not accepted: {answer.text[:2000]}"
    return resident, answer.headers["Location"].split("?")[0]


def test_trygg_scales_out_to_several_processes_a_standby_and_redis():
    for binary in (PG_BIN / "initdb", PG_BIN / "pg_basebackup", Path(REDIS_SERVER)):
        assert binary.exists(), f"{binary} is missing: install PostgreSQL 15 and redis-server"
    phases = Phases()
    root = Path(tempfile.mkdtemp(prefix=f"trygg-scaleout-{os.getpid()}-"))
    shutil.chown(root, "postgres", "postgres")
    work = root / "work"
    work.mkdir()
    processes: list[subprocess.Popen] = []
    clusters: list[Cluster] = []
    try:
        primary = make_primary(root)
        clusters.append(primary)
        redis_port = free_port()
        processes.append(
            start(
                [
                    REDIS_SERVER,
                    *("--port", str(redis_port), "--bind", "127.0.0.1"),
                    *REDIS_EPHEMERAL,
                ],
                os.environ.copy(),
                work,
                work / "redis.log",
            )
        )
        env = production_env(work, primary.url())
        env |= {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "TRYGG_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TRYGG_TASK_LEASE_SECONDS": str(LEASE_SECONDS),
            "TRYGG_READ_YOUR_WRITES_SECONDS": str(READ_YOUR_WRITES_SECONDS),
            # The test fills the resident's form at machine speed.
            "TRYGG_RESIDENT_MIN_FILL_SECONDS": "0",
        }
        prepared_file = work / "prepared.json"
        # The standby is copied while Trygg migrates the primary: it streams what it misses.
        with ThreadPoolExecutor(max_workers=1) as pool:
            copying = pool.submit(make_standby, root, primary)
            try:
                run_site(env, work, "setup", prepared_file)
            finally:
                standby = copying.result()
                clusters.append(standby)
        prepared = json.loads(prepared_file.read_text())
        phases.done("primary, streaming standby, Redis; migrate, a municipality, a user")

        apps = []
        for number in (1, 2):
            port = free_port()
            app_env = env | {
                "TRYGG_REPLICA_DATABASE_URL": standby.url(),
                "PGAPPNAME": f"trygg-app{number}",
            }
            log = work / f"app{number}.log"
            server = start(
                [*GUNICORN, f"--bind=127.0.0.1:{port}"],
                app_env,
                work,
                log,
            )
            processes.append(server)
            apps.append((server, f"http://127.0.0.1:{port}", log))
        workers = []
        for number in (1, 2):
            worker = start(
                RUN_TASKS,
                env | {"PGAPPNAME": f"trygg-worker{number}"},
                work,
                work / f"worker{number}.log",
            )
            processes.append(worker)
            workers.append(worker)
        for server, base, log in apps:
            wait_until_serving(server, base, log)
        (_, app1, _), (_, app2, _) = apps
        phases.done("two app processes and two workers up")

        # (a) The resident's report, sent through app 1, read at once through app 2.
        code = prepared["municipality"]
        resident, receipt = send_resident_report(app1, code)
        page = resident.get(app2 + receipt)
        assert page.status_code == 200, (
            f"the receipt of a report sent through app 1 answers {page.status_code} on app 2"
        )
        # The resident carries app 1's signed note that they wrote: app 2 reads their public
        # pages from the primary; a visitor without it reads from the standby.
        before = standby.statements("trygg-app2")
        assert resident.get(f"{app2}/open/").status_code == 200
        assert standby.statements("trygg-app2") == before, (
            "app 2 read from the standby for a resident who had just written through app 1"
        )
        assert Browser().get(f"{app2}/open/").status_code == 200
        assert standby.statements("trygg-app2") > before, (
            "app 2 did not read the public page from the standby for a visitor"
        )
        # Signing in writes (the session, the login's record): the coordinator's next read on
        # app 2, even without app 1's cookie, comes from the primary through the shared Redis.
        coordinator = sign_in(app1, prepared)
        signed_in_at = time.monotonic()
        coordinator.cookies.pop("trygg_wrote", None)
        before = standby.statements("trygg-app2")
        assert coordinator.get(f"{app2}/reports/dashboard/").status_code == 200
        assert standby.statements("trygg-app2") == before, (
            "app 2 read from the standby for a coordinator who had just written through app 1"
            " (the note in the shared Redis was not seen)"
        )
        phases.done("(a) read-your-writes across app processes")

        # (c) 200 tasks through the real task API, and a slow one after them; each quick one
        # runs exactly once.
        worker_logs = [work / f"worker{number}.log" for number in (1, 2)]
        run_site(env, work, "enqueue", TASKS, SLOW_TASK_SECONDS)
        wait_for(
            lambda: quick_and_slow(runs(primary)) == (TASKS, True),
            f"{TASKS} tasks to run and the slow one to start",
            logs=worker_logs,
        )
        done = [row for row in runs(primary) if row[0] >= 0]
        numbers = sorted(n for n, _, _ in done)
        assert numbers == list(range(TASKS)), (
            f"{len(done)} runs of {TASKS} tasks; run twice: "
            f"{sorted({n for n in numbers if numbers.count(n) > 1})[:10]}{tails(worker_logs)}"
        )
        pids = {pid for _, _, pid in done}
        assert pids == {w.pid for w in workers}, (
            f"tasks ran in processes {pids}, the workers are {[w.pid for w in workers]}"
        )
        share = {pid: sum(1 for _, _, p in done if p == pid) for pid in pids}
        phases.done(f"(c) {TASKS} tasks exactly once, per worker {sorted(share.values())}")

        # (d) A worker killed in the middle of a task: the other runs it when the lease ends.
        victim = next(pid for n, _, pid in runs(primary) if n == -1)
        os.killpg(victim, signal.SIGKILL)
        killed = next(w for w in workers if w.pid == victim)
        killed.wait(timeout=10)
        survivor = next(w for w in workers if w.pid != victim)
        killed_at = time.monotonic()

        # (b) While the lease runs out: the coordinator's heavy pages read from the standby,
        # on both app processes, once the sign-in of (a) is older than the read-your-writes
        # window.
        time.sleep(max(0.0, signed_in_at + READ_YOUR_WRITES_SECONDS + 0.5 - time.monotonic()))
        heavy = ["/reports/dashboard/", "/areas/", f"/areas/{prepared['area']}/", "/open/"]
        for number, base in ((1, app1), (2, app2)):
            app = f"trygg-app{number}"
            before = standby.statements(app), primary.statements(app)
            for path in heavy:
                page = coordinator.get(base + path)
                assert page.status_code == 200, f"app {number}: {path} answers {page.status_code}"
            read = standby.statements(app) - before[0]
            assert read > 0, f"app {number} read none of {heavy} from the standby"
            print(
                f"scale-out (b) app {number}: {read} statements on the standby,"
                f" {primary.statements(app) - before[1]} on the primary for {heavy}"
            )
        phases.done("(b) heavy reads on the standby")

        wait_for(
            lambda: any(n == -1 and phase == "done" for n, phase, _ in runs(primary)),
            "the slow task to be taken over and finish",
            logs=worker_logs,
        )
        taken_over = time.monotonic() - killed_at
        assert quick_and_slow(runs(primary))[0] == TASKS, "a quick task ran again later"
        with primary.connect() as conn:
            queue = conn.execute(
                f"SELECT status, attempts, count(*) FROM {TASK_TABLE}"  # noqa: S608
                " GROUP BY status, attempts ORDER BY attempts"
            ).fetchall()
        assert queue == [("SUCCESSFUL", 1, TASKS), ("SUCCESSFUL", 2, 1)], (
            f"the queue's records (status, attempts, tasks): {queue}{tails(worker_logs)}"
        )
        slow = [(phase, pid) for n, phase, pid in runs(primary) if n == -1]
        assert slow == [("started", victim), ("started", survivor.pid), ("done", survivor.pid)], (
            f"the killed worker's task ran as {slow} (killed {victim}, other {survivor.pid})"
        )
        phases.done(f"(d) the killed worker's task done by the other {taken_over:.1f} s later")

        # (e) The standby stops: the pages answer from the primary.
        # Each process has just found the standby healthy (its check is at most
        # HEALTH_CHECK_SECONDS old), as under steady traffic.
        for base in (app1, app2):
            assert coordinator.get(base + heavy[0]).status_code == 200
        standby.stop("immediate")
        stopped_at = time.monotonic()
        # Until a process's health check notices, its reads may still go to the standby: what
        # a page answers in that window is reported (docs/scale-out.md), not asserted.
        at_once = [coordinator.get(base + heavy[0]).status_code for base in (app1, app2)]
        print(f"scale-out (e) the dashboard at once after the standby stopped: {at_once}")
        # Before the next health check too: the view runs again on the primary.
        assert at_once == [200, 200], (
            f"the dashboard right after the standby stopped answers {at_once}, not 200 twice"
        )
        time.sleep(max(0.0, HEALTH_CHECK_SECONDS - (time.monotonic() - stopped_at)))
        for number, base in ((1, app1), (2, app2)):
            before = primary.statements(f"trygg-app{number}")
            for path in heavy:
                page = coordinator.get(base + path)
                assert page.status_code == 200, (
                    f"with the standby stopped, app {number}: {path} answers {page.status_code}"
                )
            assert primary.statements(f"trygg-app{number}") > before, (
                f"with the standby stopped, app {number} read nothing from the primary"
            )
        phases.done("(e) standby stopped, pages from the primary")

        # (f) The standby comes back and catches up; the primary stops; the standby is
        # promoted and holds every committed report.
        standby.start()
        wait_for(lambda: streaming(primary), "the standby to stream again")
        wait_for(lambda: caught_up(primary, standby), "the standby to replay everything")
        token = receipt.rstrip("/").rsplit("/", 1)[-1]
        with primary.connect() as conn:
            reports = conn.execute(f"SELECT count(*) FROM {REPORT_TABLE}").fetchone()[0]  # noqa: S608
        primary.stop("fast")
        as_postgres(PG_BIN / "pg_ctl", "-D", standby.data, "-w", "promote")
        with standby.connect() as conn:
            assert conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()[0], (
                "the standby is still in recovery after promotion"
            )
            found = conn.execute(
                f"SELECT count(*) FROM {REPORT_TABLE} WHERE receipt_token = %s",  # noqa: S608
                [token],
            ).fetchone()[0]
            promoted = conn.execute(f"SELECT count(*) FROM {REPORT_TABLE}").fetchone()[0]  # noqa: S608
        assert found == 1, "the resident's report is not on the promoted standby"
        assert promoted == reports, f"{reports} reports on the primary, {promoted} promoted"
        phases.done("(f) standby promoted with every committed report")
    finally:
        for process in processes:
            stop(process)
        for cluster in clusters:
            if cluster.running():
                with contextlib.suppress(AssertionError):
                    cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
