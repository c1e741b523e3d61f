"""``{{ p.reason|problem_reason }}``: an input problem's reason in the reader's language."""

from django import template

from trygg.core.problems import problem_reason as _problem_reason

register = template.Library()


@register.filter
def problem_reason(reason: str | None) -> str:
    return _problem_reason(reason or "")
