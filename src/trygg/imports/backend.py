"""A database-backed backend for Django's tasks framework, and the worker that runs it.

Django 6.1 ships ``django.tasks`` with the immediate and dummy backends only; the
``django-tasks`` backport (0.12) no longer carries a database backend. This one stores each
enqueued task as a :class:`~trygg.imports.models.TaskRecord` row; a worker claims rows with
a conditional UPDATE (safe with several workers on PostgreSQL and SQLite alike) and runs
them. No broker is needed.

The worker runs either as its own process (``manage.py run_tasks``) or, with the option
``EMBEDDED_WORKER`` (the default of the embedded SQLite install and the demo), as a daemon
thread inside the web process that wakes when a task is enqueued.
"""

from __future__ import annotations

import logging
import threading
from traceback import format_exception

from django.db import close_old_connections, transaction
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

_wake = threading.Event()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


class DatabaseBackend(BaseTaskBackend):
    supports_defer = False
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.embedded_worker = bool(self.options.get("EMBEDDED_WORKER", False))

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        from .models import TaskRecord

        self.validate_task(task)
        record = TaskRecord.objects.create(
            id=get_random_string(32),
            task_path=task.module_path,
            queue_name=task.queue_name,
            priority=task.priority,
            args=normalize_json(list(args)),
            kwargs=normalize_json(dict(kwargs)),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
        )
        result = _to_result(record, task, self.alias)
        task_enqueued.send(type(self), task_result=result)
        if self.embedded_worker:
            transaction.on_commit(_start_embedded_worker)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        from .models import TaskRecord

        try:
            record = TaskRecord.objects.get(pk=result_id)
        except TaskRecord.DoesNotExist:
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
    """Claim and run the oldest ready task; False when there is none."""
    from .models import TaskRecord

    for record_id in TaskRecord.objects.filter(status=TaskResultStatus.READY).values_list(
        "id", flat=True
    )[:5]:
        now = timezone.now()
        claimed = TaskRecord.objects.filter(pk=record_id, status=TaskResultStatus.READY).update(
            status=TaskResultStatus.RUNNING, started_at=now
        )
        if claimed:
            _run(TaskRecord.objects.get(pk=record_id), worker_id)
            return True
    return False


def run_pending_tasks(worker_id: str = "worker", limit: int | None = None) -> int:
    """Run ready tasks until none is left (or ``limit`` ran); returns how many ran."""
    count = 0
    while (limit is None or count < limit) and run_next_task(worker_id):
        count += 1
    return count


def _run(record, worker_id: str) -> None:
    task = import_string(record.task_path)
    record.worker_ids = [*record.worker_ids, worker_id]
    result = _to_result(record, task, "default")
    task_started.send(DatabaseBackend, task_result=result)
    try:
        value = task.call(*record.args, **record.kwargs)
        record.return_value = normalize_json(value)
        record.status = TaskResultStatus.SUCCESSFUL
    except Exception as exc:  # a task's failure is recorded, the worker goes on
        logger.exception("Task %s failed", record.task_path)
        record.status = TaskResultStatus.FAILED
        record.errors = [
            *record.errors,
            {
                "exception_class_path": f"{type(exc).__module__}.{type(exc).__qualname__}",
                "traceback": "".join(format_exception(exc)),
            },
        ]
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "return_value", "errors", "finished_at", "worker_ids"])
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
