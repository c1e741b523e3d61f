"""A database-backed backend for Django's tasks framework, and the worker that runs it.

Django 6.1 ships ``django.tasks`` with the immediate and dummy backends only; the
``django-tasks`` backport (0.12) no longer carries a database backend. This one stores each
enqueued task as a :class:`~trygg.jobs.models.TaskRecord` row; a worker claims rows with
a conditional UPDATE (safe with several workers on PostgreSQL and SQLite alike) and runs
them. No broker is needed.

The worker runs either as its own process (``manage.py run_tasks``) or, with the option
``EMBEDDED_WORKER`` (the default of the embedded SQLite install and the demo), as a daemon
thread inside the web process that wakes when a task is enqueued.

A worker can die (the process is killed, the machine restarts). A claim is therefore a
lease: the worker renews it every ``LEASE_SECONDS / 4`` while the task runs, and before
claiming anything a worker puts tasks whose lease ran out back in the queue, up to
``MAX_ATTEMPTS`` attempts (the imports are idempotent, so a retry is safe). A task that runs
past its timeout (``TIMEOUT_SECONDS``, per task in ``TIMEOUTS``) fails: the stand-alone
worker interrupts it, and any worker fails it once the deadline has passed.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from traceback import format_exception

from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.tasks import task_backends
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def _records():
    """The queue's model. Django builds this backend as soon as a module declares a task
    (``@task``), which may be before the apps are loaded: the models are reached when a
    task is queued or run, never when this module is imported."""
    from .models import TaskRecord

    return TaskRecord


def _job_task_lost(**kwargs) -> None:
    from .services import job_task_lost  # imports the models: see _records

    job_task_lost(**kwargs)


_wake = threading.Event()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()

DEFAULT_OPTIONS = {
    "LEASE_SECONDS": 60,
    "MAX_ATTEMPTS": 3,
    "TIMEOUT_SECONDS": 3600,
    # Per task (its module path): the seconds it may run.
    "TIMEOUTS": {},
}
WORKER_LOST = "trygg.jobs.backend.WorkerLost"
TIMED_OUT = "trygg.jobs.backend.TaskTimeout"


class TaskTimeout(Exception):
    """The task ran past its timeout."""


def backend_options(alias: str = "default") -> dict:
    """The queue's options (lease, attempts, timeouts) with their defaults."""
    try:
        options = dict(getattr(task_backends[alias], "options", {}) or {})
    except Exception:  # no such backend configured: the defaults
        options = {}
    return DEFAULT_OPTIONS | options


def task_timeout(task_path: str, options: dict | None = None) -> int:
    options = options or backend_options()
    return int(options["TIMEOUTS"].get(task_path, options["TIMEOUT_SECONDS"]))


class DatabaseBackend(BaseTaskBackend):
    supports_defer = False
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.embedded_worker = bool(self.options.get("EMBEDDED_WORKER", False))

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        record = _records().objects.create(
            id=get_random_string(32),
            task_path=task.module_path,
            queue_name=task.queue_name,
            priority=task.priority,
            args=normalize_json(list(args)),
            kwargs=normalize_json(dict(kwargs)),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            timeout_seconds=task_timeout(task.module_path, DEFAULT_OPTIONS | self.options),
        )
        result = _to_result(record, task, self.alias)
        task_enqueued.send(type(self), task_result=result)
        if self.embedded_worker:
            transaction.on_commit(_start_embedded_worker)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        try:
            record = _records().objects.get(pk=result_id)
        except _records().DoesNotExist:
            raise TaskResultDoesNotExist(result_id) from None
        return _to_result(record, import_string(record.task_path), self.alias)


def _to_result(record, task: Task, alias: str) -> TaskResult:
    result = TaskResult(
        task=task,
        id=record.id,
        status=TaskResultStatus(record.status),
        enqueued_at=record.enqueued_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        last_attempted_at=record.started_at,
        args=record.args,
        kwargs=record.kwargs,
        backend=alias,
        errors=[TaskError(**e) for e in record.errors],
        worker_ids=list(record.worker_ids),
    )
    object.__setattr__(result, "_return_value", record.return_value)
    return result


def run_next_task(worker_id: str = "worker") -> bool:
    """Claim and run the oldest ready task; False when there is none. Tasks whose worker
    stopped are put back in the queue (or failed) first."""
    options = backend_options()
    recover_expired_tasks(options=options)
    ready = (
        _records()
        .objects.filter(status=TaskResultStatus.READY)
        .values_list("id", "timeout_seconds", "attempts")[:5]
    )
    for record_id, timeout, attempts in ready:
        now = timezone.now()
        claimed = (
            _records()
            .objects.filter(pk=record_id, status=TaskResultStatus.READY, attempts=attempts)
            .update(
                status=TaskResultStatus.RUNNING,
                started_at=now,
                claimed_by=worker_id,
                claimed_at=now,
                lease_expires_at=now + timedelta(seconds=options["LEASE_SECONDS"]),
                deadline_at=now + timedelta(seconds=timeout or options["TIMEOUT_SECONDS"]),
                attempts=attempts + 1,
            )
        )
        if claimed:
            _run(_records().objects.get(pk=record_id), worker_id, options)
            return True
    return False


def run_pending_tasks(worker_id: str = "worker", limit: int | None = None) -> int:
    """Run ready tasks until none is left (or ``limit`` ran); returns how many ran."""
    count = 0
    while (limit is None or count < limit) and run_next_task(worker_id):
        count += 1
    return count


def recover_expired_tasks(*, options: dict | None = None, now=None) -> list[tuple[str, str]]:
    """Requeue (or fail) running tasks whose worker stopped renewing its lease, and fail
    those past their deadline. Returns (task id, what happened) for each."""
    options = options or backend_options()
    now = now or timezone.now()
    lease = timedelta(seconds=options["LEASE_SECONDS"])
    expired = (
        _records()
        .objects.filter(status=TaskResultStatus.RUNNING)
        .filter(
            Q(lease_expires_at__lt=now)
            | Q(deadline_at__lt=now)
            # Claimed before leases existed: its worker has been gone for a lease at least.
            | Q(lease_expires_at__isnull=True, started_at__lt=now - lease)
        )
    )
    outcome = []
    for record in expired:
        timed_out = record.deadline_at is not None and record.deadline_at < now
        retry = not timed_out and record.attempts < options["MAX_ATTEMPTS"]
        if timed_out:
            error = {
                "exception_class_path": TIMED_OUT,
                "traceback": f"The task ran longer than its {record.timeout_seconds} s.",
            }
        else:
            error = {
                "exception_class_path": WORKER_LOST,
                "traceback": f"The worker {record.claimed_by or '?'} stopped during attempt "
                f"{record.attempts} of {options['MAX_ATTEMPTS']}.",
            }
        fields = {"errors": [*record.errors, error], "claimed_by": "", "lease_expires_at": None}
        if retry:
            fields |= {"status": TaskResultStatus.READY}
        else:
            fields |= {"status": TaskResultStatus.FAILED, "finished_at": now}
        # Conditional, so that two workers recovering at once act only once.
        changed = (
            _records()
            .objects.filter(
                pk=record.pk,
                status=TaskResultStatus.RUNNING,
                attempts=record.attempts,
                claimed_by=record.claimed_by,
            )
            .update(**fields)
        )
        if not changed:
            continue
        what = "retried" if retry else "timed out" if timed_out else "failed"
        logger.warning("Task %s (%s): worker lost, %s", record.pk, record.task_path, what)
        _job_task_lost(
            task_id=record.pk, attempts=record.attempts, retried=retry, timed_out=timed_out
        )
        outcome.append((record.pk, what))
    return outcome


def task_heartbeat(record_id: str, *, worker_id: str, attempt: int, options: dict) -> bool:
    """Renew the lease of a task this worker runs; False when the claim is no longer ours."""
    now = timezone.now()
    return bool(
        _records()
        .objects.filter(
            pk=record_id,
            status=TaskResultStatus.RUNNING,
            claimed_by=worker_id,
            attempts=attempt,
            deadline_at__gt=now,
        )
        .update(lease_expires_at=now + timedelta(seconds=options["LEASE_SECONDS"]))
    )


def _heartbeat_loop(record_id, worker_id, attempt, options, stop: threading.Event) -> None:
    interval = max(0.5, options["LEASE_SECONDS"] / 4)
    try:
        while not stop.wait(interval):
            try:
                if not task_heartbeat(
                    record_id, worker_id=worker_id, attempt=attempt, options=options
                ):
                    return
            except Exception:  # a busy database: the next beat may get through
                logger.warning("Could not renew the lease of task %s", record_id, exc_info=True)
    finally:
        connection.close()


class _Alarm:
    """Interrupts the task at its deadline with :class:`TaskTimeout` (main thread only:
    the stand-alone worker; the embedded worker relies on the deadline check instead)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = (
            hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and seconds > 0
        )

    def _fire(self, signum, frame):
        raise TaskTimeout(f"The task ran longer than its {self.seconds:.0f} s.")

    def __enter__(self):
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def _run(record, worker_id: str, options: dict) -> None:
    task = import_string(record.task_path)
    record.worker_ids = [*record.worker_ids, worker_id]
    result = _to_result(record, task, "default")
    task_started.send(DatabaseBackend, task_result=result)
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat_loop,
        args=(record.pk, worker_id, record.attempts, options, stop),
        name=f"trygg-task-lease-{record.pk[:8]}",
        daemon=True,
    )
    beat.start()
    timed_out = False
    try:
        seconds = (record.deadline_at - timezone.now()).total_seconds()
        with _Alarm(seconds):
            value = task.call(*record.args, **record.kwargs)
        record.return_value = normalize_json(value)
        record.status = TaskResultStatus.SUCCESSFUL
    except Exception as exc:  # a task's failure is recorded, the worker goes on
        timed_out = isinstance(exc, TaskTimeout)
        logger.exception("Task %s failed", record.task_path)
        record.status = TaskResultStatus.FAILED
        record.errors = [
            *record.errors,
            {
                "exception_class_path": f"{type(exc).__module__}.{type(exc).__qualname__}",
                "traceback": "".join(format_exception(exc)),
            },
        ]
    finally:
        stop.set()
    record.finished_at = timezone.now()
    # Only while the claim is still ours: a worker that was taken for dead and whose task
    # was queued again (or failed at its deadline) must not overwrite the newer outcome.
    saved = (
        _records()
        .objects.filter(
            pk=record.pk,
            status=TaskResultStatus.RUNNING,
            claimed_by=worker_id,
            attempts=record.attempts,
        )
        .update(
            status=record.status,
            return_value=record.return_value,
            errors=record.errors,
            finished_at=record.finished_at,
            worker_ids=record.worker_ids,
            lease_expires_at=None,
        )
    )
    if not saved:
        logger.warning("Task %s finished after its claim was lost; outcome dropped", record.pk)
        return
    if timed_out:
        _job_task_lost(task_id=record.pk, attempts=record.attempts, retried=False, timed_out=True)
    task_finished.send(DatabaseBackend, task_result=_to_result(record, task, "default"))


def worker_loop(*, worker_id: str, poll_seconds: float = 1.0, stop: threading.Event | None = None):
    """Poll for tasks until ``stop`` is set (forever for the command)."""
    while stop is None or not stop.is_set():
        close_old_connections()
        try:
            ran = run_pending_tasks(worker_id)
        except Exception:  # the database went away: try again shortly
            logger.exception("The task worker could not read the queue")
            ran = 0
        close_old_connections()
        if not ran:
            _wake.wait(poll_seconds)
            _wake.clear()


def ensure_worker() -> None:
    """Start the embedded worker if this install uses one (after a restart of the web
    process, queued and orphaned tasks would otherwise wait for the next enqueue)."""
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend) and backend.embedded_worker:
        _start_embedded_worker()


def _start_embedded_worker() -> None:
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=worker_loop,
                kwargs={"worker_id": f"embedded-{get_random_string(8)}", "poll_seconds": 2.0},
                name="trygg-task-worker",
                daemon=True,
            )
            _thread.start()
    _wake.set()
