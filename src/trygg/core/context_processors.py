from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.surveys.selectors import survey_pages_visible


def navigation_for(user) -> list[dict]:
    """The menu a user sees: only what the user's role can open."""
    if not user.is_authenticated:
        return []
    items = [{"url": reverse("home"), "label": _("Overview"), "name": "home"}]
    if user.can(Capability.VIEW_AREAS):
        items.append({"url": reverse("areas:list"), "label": _("Areas"), "name": "areas"})
        items.append({"url": reverse("groups:list"), "label": _("Safety groups"), "name": "groups"})
    if user.can(Capability.VIEW_REPORTS):
        items.append(
            {"url": reverse("reports:dashboard"), "label": _("Priorities"), "name": "dashboard"}
        )
        items.append({"url": reverse("reports:list"), "label": _("Analyses"), "name": "reports"})
    if survey_pages_visible(user):
        items.append({"url": reverse("surveys:list"), "label": _("Surveys"), "name": "surveys"})
    if user.can(Capability.REPORT_OBSERVATIONS):
        items.append({"url": reverse("situation:report"), "label": _("Report"), "name": "report"})
    if user.can(Capability.VIEW_SITUATION) or user.can(Capability.REPORT_OBSERVATIONS):
        items.append(
            {"url": reverse("situation:index"), "label": _("Situation"), "name": "situation"}
        )
    if user.can(Capability.MODERATE_RESIDENT_REPORTS):
        items.append(
            {
                "url": reverse("residents:queue"),
                "label": _("Residents' reports"),
                "name": "residents",
            }
        )
    if user.can(Capability.REPORT_OBSERVATIONS):
        items.append(
            {"url": reverse("residents:walks"), "label": _("Safety walks"), "name": "walks"}
        )
    if user.can(Capability.VIEW_SITUATION) or user.can(Capability.MANAGE_OPERATIONS):
        items.append(
            {"url": reverse("interventions:list"), "label": _("Operations"), "name": "operations"}
        )
    if user.can(Capability.INDIVIDUAL_CASES):
        items.append({"url": reverse("cases:index"), "label": _("Cases"), "name": "cases"})
    elif user.can(Capability.VIEW_CASE_STATISTICS):
        items.append(
            {"url": reverse("cases:statistics"), "label": _("Case statistics"), "name": "cases"}
        )
    items.append(
        {"url": reverse("cases:concern-new"), "label": _("Report a concern"), "name": "concern"}
    )
    if user.can(Capability.IMPORT_AREAS):
        items.append({"url": reverse("imports:index"), "label": _("Import"), "name": "import"})
    items.append({"url": reverse("api-docs"), "label": _("API"), "name": "api"})
    if user.can(Capability.ADMINISTER):
        # The municipality's own administration; the raw Django admin is the operator's.
        items.append(
            {"url": reverse("manage:index"), "label": _("Administration"), "name": "admin"}
        )
    return items


def trygg(request):
    return {
        "navigation": navigation_for(request.user) if hasattr(request, "user") else [],
        "demo_mode": settings.TRYGG_DEMO_MODE,
        "require_two_factor": settings.TRYGG_REQUIRE_TWO_FACTOR,
        "map_tile_url": settings.TRYGG_MAP_TILE_URL,
        "map_tile_attribution": settings.TRYGG_MAP_TILE_ATTRIBUTION,
    }
