from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.core.navigation import register_public_link, register_public_municipalities


class PublicConfig(AppConfig):
    name = "trygg.public"
    verbose_name = _("Public pages")

    def ready(self) -> None:
        # The public pages speak for every municipality of the install, so this app names
        # them to the public start page.
        register_public_municipalities(_municipalities)
        register_public_link(
            key="results",
            label=_("See the results"),
            description=_("What the safety survey and the police's statistics show, area by area."),
            url=lambda municipality: reverse("public:municipality", args=[municipality.code]),
            applies=_has_publication,
            order=30,
        )


def _municipalities():
    from trygg.areas.models import Municipality

    return list(Municipality.objects.order_by("name"))


def _has_publication(municipality) -> bool:
    from .selectors import publications_public

    return publications_public().filter(municipality=municipality).exists()
