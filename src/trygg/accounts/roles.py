"""Roles and what each may do: the one table every rights check reads.

A user has one role. Capabilities are coarse; object-level rules (which municipality,
which safety group, which case) live in each app's selectors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SAFETY_COORDINATOR = "safety_coordinator", _("Safety coordinator")
    ANALYST = "analyst", _("Analyst")
    GROUP_MEMBER = "group_member", _("Safety-group member")
    CASE_WORKER = "case_worker", _("Case worker")
    SSPF_COORDINATOR = "sspf_coordinator", _("SSPF coordinator")
    MANAGEMENT = "management", _("Management")
    READ_ONLY = "read_only", _("Read-only")
    SURVEY_ADMINISTRATOR = "survey_administrator", _("Survey administrator")


class Capability(models.TextChoices):
    VIEW_AREAS = "view_areas", _("See areas, maps and population")
    IMPORT_AREAS = "import_areas", _("Import areas and population")
    MANAGE_GROUPS = "manage_groups", _("Manage safety groups")
    VIEW_AUDIT = "view_audit", _("Read the audit log")
    ADMINISTER = "administer", _("Administer users and settings")
    INDIVIDUAL_CASES = "individual_cases", _("Work with individual cases")
    VIEW_REPORTS = "view_reports", _("Read the analysis results and the annual report")
    RUN_ANALYSIS = "run_analysis", _("Run the analysis")
    PUBLISH_RESULTS = "publish_results", _("Publish the annual report and open data")
    REPORT_OBSERVATIONS = "report_observations", _("Report observations to the situational picture")
    VIEW_SITUATION = "view_situation", _("See the weekly picture of one's safety groups")
    VIEW_MUNICIPAL_PICTURE = (
        "view_municipal_picture",
        _("See the weekly picture of every group and the whole municipality"),
    )
    VIEW_ALL_OBSERVATIONS = "view_all_observations", _("See every unrestricted observation")
    ANALYSE_SITUATION = "analyse_situation", _("Assess, publish and import the situational picture")
    MANAGE_OPERATIONS = "manage_operations", _("Plan operations and citizen promises")
    VIEW_CASE_STATISTICS = (
        "view_case_statistics",
        _("See aggregated statistics of individual cases, never a case"),
    )
    MANAGE_SURVEY = "manage_survey", _("Run the survey: sample, letters, paper answers, closing")
    VIEW_SURVEY_PROGRESS = (
        "view_survey_progress",
        _("See the response rate of an open survey round (counts only)"),
    )

    USE_API = "use_api", _("Use the API and API keys")
    MODERATE_RESIDENT_REPORTS = (
        "moderate_resident_reports",
        _("Moderate residents' reports and follow up safety walks"),
    )


# Coordinators and analysts run the EST cycle: every observation, every group's picture,
# the assessment, publication, imports and operations.
SITUATION_ANALYSIS = frozenset(
    {
        Capability.REPORT_OBSERVATIONS,
        Capability.VIEW_SITUATION,
        Capability.VIEW_MUNICIPAL_PICTURE,
        Capability.VIEW_ALL_OBSERVATIONS,
        Capability.ANALYSE_SITUATION,
        Capability.MANAGE_OPERATIONS,
    }
)

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            Capability.VIEW_AREAS,
            Capability.IMPORT_AREAS,
            Capability.MANAGE_GROUPS,
            Capability.VIEW_AUDIT,
            Capability.ADMINISTER,
            Capability.VIEW_REPORTS,
            Capability.VIEW_CASE_STATISTICS,
            Capability.USE_API,
        }
    ),
    Role.SAFETY_COORDINATOR: frozenset(
        {
            Capability.VIEW_AREAS,
            Capability.IMPORT_AREAS,
            Capability.MANAGE_GROUPS,
            Capability.VIEW_REPORTS,
            Capability.RUN_ANALYSIS,
            Capability.PUBLISH_RESULTS,
            Capability.VIEW_SURVEY_PROGRESS,
            Capability.MODERATE_RESIDENT_REPORTS,
            Capability.USE_API,
        }
        | SITUATION_ANALYSIS
    ),
    Role.ANALYST: frozenset(
        {
            Capability.VIEW_AREAS,
            Capability.IMPORT_AREAS,
            Capability.VIEW_REPORTS,
            Capability.RUN_ANALYSIS,
            Capability.VIEW_CASE_STATISTICS,
            Capability.VIEW_SURVEY_PROGRESS,
            Capability.USE_API,
        }
        | SITUATION_ANALYSIS
    ),
    Role.GROUP_MEMBER: frozenset(
        {Capability.VIEW_AREAS, Capability.REPORT_OBSERVATIONS, Capability.VIEW_SITUATION}
    ),
    Role.CASE_WORKER: frozenset({Capability.VIEW_AREAS, Capability.INDIVIDUAL_CASES}),
    Role.SSPF_COORDINATOR: frozenset(
        {Capability.VIEW_AREAS, Capability.INDIVIDUAL_CASES, Capability.VIEW_CASE_STATISTICS}
    ),
    Role.MANAGEMENT: frozenset(
        {
            Capability.VIEW_AREAS,
            Capability.VIEW_SITUATION,
            Capability.VIEW_MUNICIPAL_PICTURE,
            Capability.VIEW_REPORTS,
            Capability.VIEW_CASE_STATISTICS,
        }
    ),
    Role.READ_ONLY: frozenset({Capability.VIEW_AREAS, Capability.VIEW_REPORTS}),
    # Holds the sample frame's names and addresses while a round is open: nothing else.
    Role.SURVEY_ADMINISTRATOR: frozenset(
        {Capability.VIEW_AREAS, Capability.MANAGE_SURVEY, Capability.VIEW_SURVEY_PROGRESS}
    ),
}

# Roles that can reach individual data, and administrators who can grant it, must log in
# with two factors wherever settings.TRYGG_REQUIRE_TWO_FACTOR is on.
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    {Role.CASE_WORKER, Role.SSPF_COORDINATOR, Role.ADMINISTRATOR, Role.SURVEY_ADMINISTRATOR}
)


def role_has(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
