"""The registry of what each app's background jobs mean to the job system.

A job stores its step as a stable code (the analysis pipeline's English step names, the
guided import's own codes, ...); the pages show the label in the user's language. Each app
registers the labels of its steps and, for each kind of job it starts, who may see such a
job, where its page leads when it is done, and what follows when its worker is lost, from
its ``AppConfig.ready``. So the job system knows no feature app, and the apps that use it
know only the job system.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class KindSpec:
    """What the job system needs to know of one kind of job."""

    #: The capability that lets a user see jobs of this kind (in their municipalities).
    capability: str
    #: The page to open once the job is done ("" when none): ``done_url(job) -> str``.
    done_url: Callable | None = None
    #: Called with the job when its task failed for good because its worker was lost
    #: (or it ran past its timeout), for what the app keeps waiting on the job.
    on_lost: Callable | None = None


_step_labels: dict[str, object] = {}
_kinds: dict[str, KindSpec] = {}


def register_steps(labels: Mapping[str, object]) -> None:
    """Register step code -> label (lazy translations); a code is registered once."""
    for code, label in labels.items():
        if code in _step_labels and _step_labels[code] != label:
            raise ValueError(f"The step {code!r} is registered twice with different labels")
        _step_labels[code] = label


def register_kind(
    kind: str,
    *,
    capability: str,
    done_url: Callable | None = None,
    on_lost: Callable | None = None,
) -> None:
    _kinds[str(kind)] = KindSpec(capability=capability, done_url=done_url, on_lost=on_lost)


def registered_kinds() -> dict[str, KindSpec]:
    return dict(_kinds)


def kind_spec(kind: str) -> KindSpec | None:
    return _kinds.get(str(kind))


def step_label(code: str) -> str:
    """The label of a step code; an unknown code is shown as it is (better than nothing)."""
    if not code:
        return gettext("waiting for the worker")
    label = _step_labels.get(code)
    return str(label) if label is not None else code
