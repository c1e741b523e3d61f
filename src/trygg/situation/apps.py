from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry, register_start_block


class SituationConfig(AppConfig):
    name = "trygg.situation"
    verbose_name = _("Situational picture")

    def ready(self) -> None:
        register_menu_entry(
            name="report",
            label=_("Report"),
            url_name="situation:report",
            order=40,
            visible=lambda user: user.can(Capability.REPORT_OBSERVATIONS),
        )
        register_menu_entry(
            name="situation",
            label=_("Situation"),
            url_name="situation:index",
            order=50,
            section="situation",
            visible=lambda user: (
                user.can(Capability.VIEW_SITUATION) or user.can(Capability.REPORT_OBSERVATIONS)
            ),
        )
        _register_start_blocks()


def _field(user) -> bool:
    """Reports from the field but does not run the picture: a group member."""
    return user.can(Capability.REPORT_OBSERVATIONS) and not user.can(Capability.ANALYSE_SITUATION)


def _register_start_blocks() -> None:
    # The start page (core.navigation): the field gets the report button, its groups'
    # pictures and its own reports; whoever runs the picture, the week's rises and what is
    # left to publish; whoever reads every group's picture, the published ones.
    from .selectors import start

    blocks = [
        ("situation-report", 5, _field, lambda request: {}, "report_button"),
        (
            "situation-rises",
            20,
            lambda user: user.can(Capability.ANALYSE_SITUATION),
            start.start_week_rises,
            "rises",
        ),
        (
            "situation-pictures",
            30,
            lambda user: (
                user.can(Capability.VIEW_SITUATION)
                and not user.can(Capability.VIEW_MUNICIPAL_PICTURE)
            ),
            start.start_current_pictures,
            "pictures",
        ),
        (
            "situation-own-reports",
            35,
            lambda user: (
                user.can(Capability.REPORT_OBSERVATIONS)
                and not user.can(Capability.VIEW_ALL_OBSERVATIONS)
            ),
            start.start_own_reports,
            "own_reports",
        ),
        (
            "situation-overdue",
            26,
            lambda user: user.can(Capability.VIEW_SITUATION),
            start.start_overdue_actions,
            "overdue",
        ),
        (
            "situation-unpublished",
            40,
            lambda user: user.can(Capability.ANALYSE_SITUATION),
            start.start_unpublished_pictures,
            "unpublished",
        ),
        (
            "situation-published",
            50,
            lambda user: (
                user.can(Capability.VIEW_MUNICIPAL_PICTURE)
                and not user.can(Capability.ANALYSE_SITUATION)
            ),
            start.start_published_pictures,
            "published",
        ),
    ]
    for key, order, visible, context, template in blocks:
        register_start_block(
            key=key,
            template=f"situation/start/{template}.html",
            order=order,
            visible=visible,
            context=context,
        )
