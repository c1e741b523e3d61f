"""The install's public information pages: the accessibility statement that lag (2018:1937)
requires, in DIGG's structure, and what happens to residents' personal data (GDPR art. 13).

Both are public, need no login, and may name a municipality (``?kommun=<code>``) so that a
resident who came from that municipality's pages sees who to contact there.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.shortcuts import render

from trygg.core.http import allow
from trygg.core.navigation import public_municipalities
from trygg.core.params import QueryForm, query_params


class MunicipalityQuery(QueryForm):
    kommun = forms.RegexField(regex=r"^\d{4}$", required=False)


def _municipality(request):
    code = query_params(request, MunicipalityQuery)["kommun"]
    municipalities = public_municipalities()
    if code:
        return next((m for m in municipalities if m.code == code), None), municipalities
    if len(municipalities) == 1:
        return municipalities[0], municipalities
    return None, municipalities


@allow("GET")
def accessibility(request):
    municipality, municipalities = _municipality(request)
    return render(
        request,
        "public/accessibility.html",
        {
            "municipality": municipality,
            "municipalities": municipalities,
            "contact": settings.TRYGG_ACCESSIBILITY_CONTACT,
            "reviewed": date.fromisoformat(settings.TRYGG_ACCESSIBILITY_REVIEWED),
            "public_page": True,
        },
    )


@allow("GET")
def privacy(request):
    municipality, municipalities = _municipality(request)
    return render(
        request,
        "public/privacy.html",
        {
            "municipality": municipality,
            "municipalities": municipalities,
            "contact": settings.TRYGG_PRIVACY_CONTACT or settings.TRYGG_SURVEY_CONTROLLER_CONTACT,
            "public_page": True,
        },
    )
