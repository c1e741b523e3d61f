"""The area page's section on residents' reports, without touching the area view."""

from django import template

from ..reasons import reason_labels
from ..selectors import area_reports_for_user

register = template.Library()


@register.inclusion_tag("residents/_area_section.html", takes_context=True)
def area_resident_reports(context, area):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    data = area_reports_for_user(user, area=area)
    data["rows"] = [{"report": r, "reasons": reason_labels(r.reasons)} for r in data["rows"]]
    data["area"] = area
    return data
