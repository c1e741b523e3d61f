"""The registry of step labels and job kinds (trygg.jobs.steps)."""

from __future__ import annotations

import pytest
from django.utils import translation

from trygg.jobs import steps


def test_an_unknown_step_is_shown_as_it_is_and_no_step_means_waiting():
    assert steps.step_label("a step nobody registered") == "a step nobody registered"
    with translation.override("en"):
        assert steps.step_label("") == "waiting for the worker"


def test_registered_labels_are_translated():
    with translation.override("sv"):
        assert steps.step_label("letters") != "Writing the letters"
    with translation.override("en"):
        assert steps.step_label("letters") == "Writing the letters"


def test_a_step_registered_twice_must_keep_its_label():
    steps.register_steps({"letters": steps._step_labels["letters"]})  # the same: fine
    with pytest.raises(ValueError, match="registered twice"):
        steps.register_steps({"letters": "Something else"})
