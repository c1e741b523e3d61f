"""Human names of the steps a background job reports.

A job stores the step as a stable code: the analysis pipeline's English step names
(``trygg.analysis`` knows nothing of Django or translations) and the guided import's own
codes. The pages show the label in the user's language.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    # the guided import (trygg.imports.services)
    "prepare": _("Preparing the file"),
    "read": _("Reading the file"),
    "check": _("Checking every row"),
    "checked": _("Checked"),
    "store": _("Reading, checking and storing the rows"),
    "stored": _("Stored"),
    # the analysis pipeline (trygg.analysis.pipeline)
    "read areas": _("Reading the areas"),
    "read population": _("Reading the population"),
    "read survey": _("Reading the survey answers"),
    "read crimes": _("Reading the reported crimes"),
    "read observations": _("Reading the observations"),
    "areas": _("Preparing the area boundaries"),
    "place crimes": _("Placing the crimes in areas"),
    "crime rates": _("Computing crime rates"),
    "trends": _("Computing trends"),
    "weighting": _("Weighting the survey answers"),
    "survey indices": _("Computing the survey indices"),
    "hot spots": _("Finding hot spots"),
    "priorities": _("Ranking the areas"),
    "write tables": _("Writing the tables"),
    "report html": _("Writing the report"),
    "report pdf": _("Making the PDF"),
    # the survey letters (trygg.surveys.tasks)
    "letters": _("Writing the letters"),
}


def step_label(code: str) -> str:
    """The label of a step code; an unknown code is shown as it is (better than nothing)."""
    if not code:
        return gettext("waiting for the worker")
    label = STEP_LABELS.get(code)
    return str(label) if label is not None else code
