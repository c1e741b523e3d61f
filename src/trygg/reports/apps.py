from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.areas.pages import register_area_page
from trygg.core.navigation import register_menu_entry, register_start_block
from trygg.core.providers import register_priority_areas


class ReportsConfig(AppConfig):
    name = "trygg.reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Function-level: the tasks module needs the models, which are loaded only now.
        from .tasks import register_jobs

        register_jobs()

        register_menu_entry(
            name="dashboard",
            label=_("Priorities"),
            url_name="reports:dashboard",
            order=20,
            section="analysis",
            visible=lambda user: user.can(Capability.VIEW_REPORTS),
        )
        register_menu_entry(
            name="reports",
            label=_("Analyses"),
            url_name="reports:list",
            order=21,
            section="analysis",
            visible=lambda user: user.can(Capability.VIEW_REPORTS),
        )
        register_area_page(key="reports", context=_area_page)
        register_start_block(
            key="reports-priorities",
            template="reports/start_priorities.html",
            order=10,
            # Management reads the priorities; who runs the analysis gets the runs instead.
            visible=lambda user: (
                user.can(Capability.VIEW_REPORTS) and not user.can(Capability.RUN_ANALYSIS)
            ),
            context=_start_priorities,
        )
        register_start_block(
            key="reports-analysis",
            template="reports/start_analysis.html",
            order=60,
            visible=lambda user: user.can(Capability.RUN_ANALYSIS),
            context=_start_analysis,
        )
        register_priority_areas(_priority_areas)


def _priority_areas(municipality, *, top: int) -> list[str]:
    from .selectors import priority_area_codes_of

    return priority_area_codes_of(municipality, top=top)


def _area_page(request, *, area) -> dict:
    """The area page's results of the analysis, operations and citizen promises."""
    from .selectors import (
        area_crime_cells,
        area_operations_for_user,
        area_promises,
        area_statistics,
    )

    operations = area_operations_for_user(request.user, area=area)
    # Results of the analysis for roles that read them; the rest see the area only.
    stats = (
        area_statistics(request.user, area=area)
        if request.user.can(Capability.VIEW_REPORTS)
        else None
    )
    cells = area_crime_cells(request.user, area=area, year=stats["run"].year if stats else None)
    return {
        "stats": stats,
        "cells": cells,
        "operations": operations,
        "promises": area_promises(request.user, area=area, operations=operations),
    }


def _start_priorities(request) -> dict:
    from .selectors.start import start_priority_map

    return start_priority_map(request)


def _start_analysis(request) -> dict:
    from .selectors.start import start_latest_analysis

    return start_latest_analysis(request)
