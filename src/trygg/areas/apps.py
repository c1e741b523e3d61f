from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry, register_start_page


class AreasConfig(AppConfig):
    name = "trygg.areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        register_menu_entry(
            name="areas",
            label=_("Areas"),
            url_name="areas:list",
            order=10,
            section="places",
            visible=lambda user: user.can(Capability.VIEW_AREAS),
        )
        register_start_page(key="areas", context=_start_page)


def _start_page(request) -> dict:
    """The start page's overview of the user's municipalities and the map of their areas."""
    from .selectors import (
        area_feature_collection,
        areas_for_user,
        municipalities_for_user,
        municipality_overview,
    )

    return {
        "municipalities": [
            {"municipality": m, "overview": municipality_overview(municipality=m)}
            for m in municipalities_for_user(request.user)
        ],
        "areas_geojson": area_feature_collection(areas_for_user(request.user)),
    }
